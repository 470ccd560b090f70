"""Every route of the app, for every role and for outsiders: the expected status.

The list of routes comes from the app's URL map, so a new route without a row
here fails test_every_route_has_a_rule. Rows are (endpoint, method) -> how to call
it and what each caller must get. 'agent' filed the document (manage); 'station'
reaches it through its group's write grant on unit Urbanisme; 'auditor' and
'outsider' have no grant; 'anonymous' sends no credentials. Routes that are not about
one document are decided by a line of ged.access.RULES, and their rows say which
(``by_rule``), so the table that the services obey is the one tested here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO

import pypdfium2
import pytest

from tests.apiclient import CALLERS, PASSWORD, Api, app_routes, by_rule, matrix_objects, session_of

PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class Case:
    #: formatted with {doc} (a fresh document per caller), {token} (a token id), {job}
    #: (a bulk job 'archivist' started, with job_first) and {session} (a session of
    #: 'outsider', opened when the path names it), {note} (a note 'agent' wrote on {doc},
    #: with note_first) and {saved} (a saved search of 'agent''s, not shared, with saved_first),
    #: {batch} (a one-page batch 'agent' uploaded, split, with batch_first)
    path: str
    expected: dict[str, int]
    json: dict | Callable[[str], dict] | None = None
    #: the body, made from the caller's fresh document (when json cannot name it)
    json_of_doc: Callable[[int], dict] | None = None
    upload: bool = False
    deleted_first: bool = False
    indexed_first: bool = False
    job_first: bool = False
    note_first: bool = False
    saved_first: bool = False
    batch_first: bool = False
    form: dict = field(default_factory=dict)


def everyone(status: int, anonymous: int = 401) -> dict[str, int]:
    return {**dict.fromkeys(CALLERS[:-1], status), "anonymous": anonymous}


def by_permission(
    granted: int, station: int | None = None, manage_only: bool = False
) -> dict[str, int]:
    """admin/archivist/agent hold manage; station holds write; auditor, archives_authority
    and outsider nothing."""
    station_status = (403 if manage_only else granted) if station is None else station
    return {
        "admin": granted,
        "archivist": granted,
        "agent": granted,
        "station": station_status,
        "auditor": 404,
        "archives_authority": 404,
        "outsider": 404,
        "anonymous": 401,
    }


RULES: dict[tuple[str, str], Case] = {
    ("health.healthz", "GET"): Case("/healthz", everyone(200, anonymous=200)),
    ("health.readyz", "GET"): Case("/readyz", everyone(200, anonymous=200)),
    ("api_docs.page", "GET"): Case("/api/v1/docs", everyone(200, anonymous=200)),
    ("api_docs.start", "GET"): Case("/api/v1/docs/start.js", everyone(200, anonymous=200)),
    # every caller may list; each sees only what it may read (auditors: nothing)
    ("documents.list_documents", "GET"): Case("/api/v1/documents", everyone(200)),
    ("session.create", "POST"): Case(
        "/api/v1/session",
        everyone(200, anonymous=200),
        json={"username": "agent", "password": PASSWORD},
    ),
    ("session.read", "GET"): Case("/api/v1/session", everyone(200)),
    ("session.delete", "DELETE"): Case("/api/v1/session", everyone(204)),
    # one's own sessions; an administrator's: anyone's ('outsider' owns this one)
    ("sessions.list_sessions", "GET"): Case("/api/v1/sessions", everyone(200)),
    ("sessions.end_session", "DELETE"): Case(
        "/api/v1/sessions/{session}", {**by_rule("session.end_any", 204), "outsider": 204}
    ),
    ("session.password", "POST"): Case(
        "/api/v1/session/password",
        {**everyone(204), "station": 422},  # a station has no password to change
        json={"current_password": PASSWORD, "new_password": "un nouveau mot de passe"},
    ),
    ("documents.create", "POST"): Case(
        "/api/v1/documents",
        {**everyone(202), "auditor": 403, "archives_authority": 403, "outsider": 403},
        upload=True,
        form={"unit": "Urbanisme"},
    ),
    ("documents.read", "GET"): Case("/api/v1/documents/{doc}", by_permission(200)),
    ("documents.edit", "PATCH"): Case(
        "/api/v1/documents/{doc}", by_permission(200), json={"title": "Nouveau titre"}
    ),
    ("documents.delete", "DELETE"): Case(
        "/api/v1/documents/{doc}", by_permission(204, manage_only=True)
    ),
    ("documents.undelete", "POST"): Case(
        "/api/v1/documents/{doc}/restore",
        {**by_permission(200), "agent": 404, "station": 404},
        deleted_first=True,
    ),
    ("documents.versions", "GET"): Case("/api/v1/documents/{doc}/versions", by_permission(200)),
    ("documents.add_version", "POST"): Case(
        "/api/v1/documents/{doc}/versions", by_permission(202), upload=True
    ),
    ("documents.restore_version", "POST"): Case(
        "/api/v1/documents/{doc}/versions/1/restore", by_permission(202)
    ),
    # pages work: past the permission check, the matrix's stand-in PDF cannot be read (409)
    ("pages.edit", "POST"): Case(
        "/api/v1/documents/{doc}/pages", by_permission(409), json={"rotate": {"1": 90}}
    ),
    ("pages.extract", "POST"): Case(
        "/api/v1/documents/{doc}/extract", by_permission(409), json={"pages": [1]}
    ),
    # the same document twice: each is checked readable first (404), then the list (422)
    ("pages.merge", "POST"): Case(
        "/api/v1/documents/merge",
        by_permission(422),
        json_of_doc=lambda doc: {"documents": [doc, doc]},
    ),
    ("documents.content", "GET"): Case(
        "/api/v1/documents/{doc}/content?version=1", by_permission(200)
    ),
    ("documents.text", "GET"): Case("/api/v1/documents/{doc}/text?version=1", by_permission(200)),
    ("acl.read_document_acl", "GET"): Case(
        "/api/v1/documents/{doc}/acl", by_permission(200, manage_only=True)
    ),
    ("acl.replace_document_acl", "PUT"): Case(
        "/api/v1/documents/{doc}/acl",
        by_permission(200, manage_only=True),
        json={"inherit": True, "grants": [{"principal": "user:agent", "permission": "manage"}]},
    ),
    ("acl.read_unit_acl", "GET"): Case(
        "/api/v1/units/Urbanisme/acl", by_rule("unit.acl.read", 200)
    ),
    ("acl.replace_unit_acl", "PUT"): Case(
        "/api/v1/units/Urbanisme/acl",
        by_rule("unit.acl", 200),
        json={"grants": [{"principal": "group:urbanisme", "permission": "write"}]},
    ),
    ("search.search", "GET"): Case("/api/v1/search?q=pdf", everyone(200)),
    ("search.similar", "GET"): Case(
        "/api/v1/documents/{doc}/similar", by_permission(200), indexed_first=True
    ),
    ("audit.list_events", "GET"): Case("/api/v1/audit/events", by_rule("audit.events", 200)),
    ("audit.export", "GET"): Case(
        "/api/v1/audit/export?format=jsonl", by_rule("audit.export", 200)
    ),
    ("audit.verify", "GET"): Case("/api/v1/audit/verify", by_rule("audit.verify", 200)),
    ("jobs.start_bulk", "POST"): Case(
        "/api/v1/bulk",
        by_rule("bulk.start", 202),
        json={"operation": {"kind": "add_tags", "tags": ["x"]}, "selection": {"ids": [1]}},
    ),
    ("jobs.read_job", "GET"): Case(
        "/api/v1/jobs/{job}",
        {**everyone(404), "admin": 200, "archivist": 200},  # its requester, and admins
        job_first=True,
    ),
    # its submitter, archivists and admins see a batch; only the latter two re-split it
    ("batches.read_batch", "GET"): Case(
        "/api/v1/batches/{batch}",
        {**everyone(404), "agent": 200, "admin": 200, "archivist": 200},
        batch_first=True,
    ),
    ("batches.resplit", "POST"): Case(
        "/api/v1/batches/{batch}/split",
        by_rule("batch.resplit", 200),
        json={"segments": [{"first": 1, "last": 1}]},
        batch_first=True,
    ),
    ("admin.reset_second_factor", "DELETE"): Case(
        "/api/v1/admin/users/outsider/second-factor", by_rule("second_factor.reset", 200)
    ),
    ("admin.list_users", "GET"): Case("/api/v1/admin/users", by_rule("user.list", 200)),
    ("admin.create_user", "POST"): Case(
        "/api/v1/admin/users",
        by_rule("user.create", 201),
        json=lambda who: {"username": f"new-{who}", "role": "station"},
    ),
    ("admin.update_user", "PATCH"): Case(
        "/api/v1/admin/users/outsider", by_rule("user.update", 200), json={"display_name": "X"}
    ),
    ("admin.list_groups", "GET"): Case("/api/v1/admin/groups", by_rule("group.list", 200)),
    ("admin.create_group", "POST"): Case(
        "/api/v1/admin/groups", by_rule("group.create", 201), json=lambda who: {"name": f"g-{who}"}
    ),
    ("admin.list_units", "GET"): Case("/api/v1/admin/units", by_rule("unit.list", 200)),
    ("admin.create_unit", "POST"): Case(
        "/api/v1/admin/units",
        by_rule("unit.create", 201),
        json=lambda who: {"name": f"Unité {who}"},
    ),
    ("admin.list_tokens", "GET"): Case("/api/v1/admin/tokens", by_rule("token.list", 200)),
    ("admin.create_token", "POST"): Case(
        "/api/v1/admin/tokens",
        by_rule("token.create", 201),
        json={"username": "outsider", "label": "matrice"},
    ),
    ("admin.revoke_token", "DELETE"): Case(
        "/api/v1/admin/tokens/{token}", by_rule("token.revoke", 204)
    ),
    ("webhooks.list_webhooks", "GET"): Case("/api/v1/admin/webhooks", by_rule("webhook.list", 200)),
    ("webhooks.create_webhook", "POST"): Case(
        "/api/v1/admin/webhooks",
        by_rule("webhook.create", 201),
        json={"url": "http://127.0.0.1:9/hooks", "events": ["document.done"]},
    ),
    # Admins pass the rule and learn there is no such webhook; the others are refused first.
    ("webhooks.deactivate_webhook", "DELETE"): Case(
        "/api/v1/admin/webhooks/999", by_rule("webhook.deactivate", 404)
    ),
    ("webhooks.list_deliveries", "GET"): Case(
        "/api/v1/admin/webhooks/999/deliveries", by_rule("webhook.deliveries", 404)
    ),
    ("webhooks.retry_delivery", "POST"): Case(
        "/api/v1/admin/webhooks/999/deliveries/1/retry", by_rule("webhook.retry", 404)
    ),
    ("disposal.queues", "GET"): Case("/api/v1/disposal/queues", by_rule("disposal.read", 200)),
    ("disposal.queue", "GET"): Case(
        "/api/v1/disposal/queues/destroy", by_rule("disposal.read", 200)
    ),
    ("disposal.list_lists", "GET"): Case("/api/v1/disposal/lists", by_rule("disposal.read", 200)),
    ("disposal.create_list", "POST"): Case(
        "/api/v1/disposal/lists", by_rule("disposal.propose", 201), json={"title": "Bordereau"}
    ),
    # Those the rule allows pass it and learn there is no such list; the others are refused first.
    ("disposal.read_list", "GET"): Case(
        "/api/v1/disposal/lists/999", by_rule("disposal.read", 404)
    ),
    ("disposal.add_documents", "POST"): Case(
        "/api/v1/disposal/lists/999/documents",
        by_rule("disposal.propose", 404),
        json={"selection": {"ids": [1]}},
    ),
    ("disposal.remove_document", "DELETE"): Case(
        "/api/v1/disposal/lists/999/documents/1", by_rule("disposal.propose", 404)
    ),
    ("disposal.submit", "POST"): Case(
        "/api/v1/disposal/lists/999/submit", by_rule("disposal.propose", 404)
    ),
    ("disposal.approve", "POST"): Case(
        "/api/v1/disposal/lists/999/approve", by_rule("disposal.approve", 404), json={}
    ),
    ("disposal.refuse", "POST"): Case(
        "/api/v1/disposal/lists/999/refuse",
        by_rule("disposal.approve", 404),
        json={"comment": "non"},
    ),
    ("disposal.certificate", "GET"): Case(
        "/api/v1/disposal/lists/999/certificate", by_rule("disposal.read", 404)
    ),
    ("transfer_replies.record_reply", "POST"): Case(
        "/api/v1/transfers/999/reply", by_rule("transfer.reply", 404), upload=True
    ),
    ("transfers.list_transfers", "GET"): Case("/api/v1/transfers", by_rule("transfer.read", 200)),
    # Those the rule allows pass it and learn the [archives] agencies are not configured.
    ("transfers.propose", "POST"): Case(
        "/api/v1/transfers",
        by_rule("transfer.prepare", 409),
        json={"title": "Versement", "selection": {"ids": [1]}},
    ),
    ("transfers.propose_journal", "POST"): Case(
        "/api/v1/transfers/journal",
        by_rule("transfer.prepare", 409),
        json={"day": "2020-01-01"},
    ),
    ("transfers.read_transfer", "GET"): Case(
        "/api/v1/transfers/999", by_rule("transfer.read", 404)
    ),
    ("transfers.package", "GET"): Case(
        "/api/v1/transfers/999/package", by_rule("transfer.read", 404)
    ),
    # rule 1 is a default rule (facture), shipped by the migrations
    ("retention.list_rules", "GET"): Case(
        "/api/v1/retention/rules", by_rule("retention.read", 200)
    ),
    ("retention.create_rule", "POST"): Case(
        "/api/v1/retention/rules",
        by_rule("retention.manage", 201),
        # one type per caller allowed: a second rule of the same type would conflict
        json=lambda who: {
            "document_type": {"admin": "courrier", "archivist": "compte_rendu"}.get(who, "autre"),
            "final_action": "destroy",
        },
    ),
    ("retention.read_rule", "GET"): Case(
        "/api/v1/retention/rules/1", by_rule("retention.read", 200)
    ),
    ("retention.rule_history", "GET"): Case(
        "/api/v1/retention/rules/1/history", by_rule("retention.read", 200)
    ),
    ("retention.edit_rule", "PATCH"): Case(
        "/api/v1/retention/rules/999", by_rule("retention.manage", 404), json={"duration_years": 1}
    ),
    ("retention.remove_rule", "DELETE"): Case(
        "/api/v1/retention/rules/999", by_rule("retention.manage", 404)
    ),
    ("retention.unruled", "GET"): Case("/api/v1/retention/unruled", by_rule("retention.read", 200)),
    ("retention.list_events", "GET"): Case("/api/v1/documents/{doc}/events", by_permission(200)),
    ("retention.record_event", "PUT"): Case(
        "/api/v1/documents/{doc}/events/contract_ended",
        by_permission(200),
        json={"date": "2026-01-31"},
    ),
    ("holds.list_holds", "GET"): Case("/api/v1/holds", by_rule("hold.read", 200)),
    ("holds.place_hold", "POST"): Case(
        "/api/v1/holds",
        by_rule("hold.place", 201),
        json={"reason": "contentieux", "selection": {"ids": [1]}},
    ),
    ("holds.read_hold", "GET"): Case("/api/v1/holds/999", by_rule("hold.read", 404)),
    ("holds.hold_documents", "GET"): Case("/api/v1/holds/999/documents", by_rule("hold.read", 404)),
    ("holds.add_documents", "POST"): Case(
        "/api/v1/holds/999/documents",
        by_rule("hold.place", 404),
        json={"selection": {"ids": [1]}},
    ),
    ("holds.release_hold", "POST"): Case(
        "/api/v1/holds/999/release", by_rule("hold.release", 404), json={"reason": "fin"}
    ),
    ("holds.document_holds", "GET"): Case(
        "/api/v1/documents/{doc}/holds", by_rule("hold.read", 200)
    ),
    ("notes.list_notes", "GET"): Case("/api/v1/documents/{doc}/notes", by_permission(200)),
    ("notes.add_note", "POST"): Case(
        "/api/v1/documents/{doc}/notes", by_permission(201), json={"body": "Avis favorable"}
    ),
    # only its author edits a note: those who may write the document get 403, not 200
    ("notes.edit_note", "PATCH"): Case(
        "/api/v1/documents/{doc}/notes/{note}",
        {**by_permission(403), "agent": 200},
        json={"body": "Avis réservé"},
        note_first=True,
    ),
    # every account has its own saved searches; 'agent''s unshared one exists for no one else
    ("saved_searches.list_saved_searches", "GET"): Case(
        "/api/v1/saved-searches", by_rule("saved_search.list", 200)
    ),
    ("saved_searches.create_saved_search", "POST"): Case(
        "/api/v1/saved-searches",
        by_rule("saved_search.create", 201),
        json={"name": "Arrêtés", "search": {"q": "arrêté"}},
    ),
    ("saved_searches.read_saved_search", "GET"): Case(
        "/api/v1/saved-searches/{saved}", {**everyone(404), "agent": 200}, saved_first=True
    ),
    ("saved_searches.update_saved_search", "PATCH"): Case(
        "/api/v1/saved-searches/{saved}",
        {**everyone(404), "agent": 200},
        json={"name": "Renommée"},
        saved_first=True,
    ),
    ("saved_searches.delete_saved_search", "DELETE"): Case(
        "/api/v1/saved-searches/{saved}", {**everyone(404), "agent": 204}, saved_first=True
    ),
}

#: the OpenAPI description and the files of its browser: public by design, no document data
PUBLIC_DOCUMENTATION = {"openapi.spec", "api_docs.static", "static"}


def index_now(api: Api, document_id: int) -> None:
    """Put the document in the search index at once, as the pipeline's last step would."""
    from ged.services.index_sync import refresh_document
    from search.client import client_for

    with api.client.application.extensions["ged"].unit_of_work() as uow:
        refresh_document(uow, document_id)
    client = client_for(api.settings.opensearch)
    client.indices.refresh(index=f"{api.settings.opensearch.index_prefix}-documents")
    client.close()


def write_note(api: Api, document_id: int) -> int:
    return api.post(f"/api/v1/documents/{document_id}/notes", "agent", json={"body": "Avis"}).json[
        "id"
    ]


def save_search(api: Api, name: str) -> int:
    body = {"name": name, "search": {"q": "arrêté"}}
    return api.post("/api/v1/saved-searches", "agent", json=body).json["id"]


def start_job(api: Api, document_id: int) -> int:
    body = {"operation": {"kind": "add_tags", "tags": ["x"]}, "selection": {"ids": [document_id]}}
    return api.post("/api/v1/bulk", "archivist", json=body).json["id"]


def split_batch_of_agent(api: Api) -> int:
    """A one-page batch uploaded by 'agent' and split at once, as a worker would."""
    from ged.services.batch_split import split_batch

    page = pypdfium2.PdfDocument.new()
    page.new_page(595, 842)
    content = BytesIO()
    page.save(content)
    answer = api.client.post(
        "/api/v1/documents",
        headers=api.headers("agent"),
        data={"file": (BytesIO(content.getvalue()), "lot.pdf"), "split": "separators"},
        content_type="multipart/form-data",
    )
    split_batch(api.client.application.extensions["ged"], answer.json["id"])
    return answer.json["id"]


def test_every_route_has_a_rule():
    # the web UI's pages have their own matrix: tests/ui/test_ui_authorization.py
    routes = app_routes(
        lambda endpoint: endpoint not in PUBLIC_DOCUMENTATION and not endpoint.startswith("ui.")
    )
    assert routes - set(RULES) == set(), "routes without an authorization rule"
    assert set(RULES) - routes == set(), "rules for routes that no longer exist"


@pytest.mark.parametrize("route", sorted(RULES), ids=lambda route: f"{route[1]} {route[0]}")
def test_route_answers_each_caller_as_expected(sqlite_api: Api, route):
    endpoint, method = route
    case = RULES[route]
    got = {}
    for who in CALLERS:
        document_id, token_id = matrix_objects(sqlite_api, PDF)
        if case.deleted_first:
            sqlite_api.delete(f"/api/v1/documents/{document_id}", "agent")
        if case.indexed_first:
            index_now(sqlite_api, document_id)
        job_id = start_job(sqlite_api, document_id) if case.job_first else None
        session_id = session_of(sqlite_api)[0] if "{session}" in case.path else None
        note_id = write_note(sqlite_api, document_id) if case.note_first else None
        saved_id = save_search(sqlite_api, f"Recherche de {who}") if case.saved_first else None
        batch_id = split_batch_of_agent(sqlite_api) if case.batch_first else None
        url = case.path.format(
            doc=document_id,
            token=token_id,
            job=job_id,
            session=session_id,
            note=note_id,
            saved=saved_id,
            batch=batch_id,
        )
        headers = {} if who == "anonymous" else sqlite_api.headers(who)
        kwargs: dict = {"headers": headers, "buffered": True}
        if case.json is not None:
            kwargs["json"] = case.json(who) if callable(case.json) else case.json
        if case.json_of_doc is not None:
            kwargs["json"] = case.json_of_doc(document_id)
        if case.upload:
            kwargs["data"] = {"file": (BytesIO(PDF + who.encode()), "f.pdf"), **case.form}
            kwargs["content_type"] = "multipart/form-data"
        # a fresh client per call: no cookie from an earlier caller's login
        response = sqlite_api.client.application.test_client().open(url, method=method, **kwargs)
        got[who] = response.status_code
    assert got == case.expected
