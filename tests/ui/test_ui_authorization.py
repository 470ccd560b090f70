"""Every page and form of the web UI, for every role and for someone not logged in.

Like tests/ged/web/test_authorization_matrix.py for the API: the routes come from
the app's URL map, so a new UI route without a rule here fails, and the pages that a
line of ged.access.RULES decides expect what that line says, as their API routes do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO

import pytest

from tests.apiclient import PASSWORD, Api, app_routes, by_rule, matrix_objects, session_of
from tests.ui.pages import csrf_token, log_in

#: stations have no password: they never use the UI
CALLERS = (
    "admin",
    "archivist",
    "agent",
    "auditor",
    "archives_authority",
    "outsider",
    "anonymous",
)
PDF = b"%PDF-1.4\n%%EOF\n"
LOGIN = 302  # not logged in: sent to the login page


@dataclass
class Case:
    #: formatted with {doc} (a fresh document per caller), {token} (a token id) and
    #: {session} (a session of 'outsider', opened when the path names it)
    path: str
    expected: dict[str, int]
    #: values formatted with {who} and {doc}; or a function of the caller giving them
    form: dict[str, str] | Callable[[str], dict[str, str]] = field(default_factory=dict)
    upload: bool = False


def everyone(status: int, anonymous: int = LOGIN) -> dict[str, int]:
    return {**dict.fromkeys(CALLERS[:-1], status), "anonymous": anonymous}


def readers(status: int) -> dict[str, int]:
    """The agent filed the document (manage); archive roles see all; others nothing."""
    return {**everyone(status), "auditor": 404, "archives_authority": 404, "outsider": 404}


def ruled(rule: str, status: int) -> dict[str, int]:
    """A page or form decided by ged.access.RULES[rule], as the API route of that rule."""
    return by_rule(rule, status, callers=CALLERS, anonymous=LOGIN)


NEW_PASSWORD = "un nouveau mot de passe"
RULE_TERMS = {"duration_years": "1", "start_event": "created", "final_action": "destroy"}
RULES: dict[tuple[str, str], Case] = {
    ("ui.static.asset", "GET"): Case("/ui/static/ged.css", everyone(200, anonymous=200)),
    ("ui.lang.switch", "GET"): Case("/langue/en", everyone(302, anonymous=302)),
    ("ui.account.login", "GET"): Case("/connexion", everyone(200, anonymous=200)),
    ("ui.accessibility.statement", "GET"): Case("/accessibilite", everyone(200, anonymous=200)),
    ("ui.account.login", "POST"): Case(
        "/connexion", everyone(302, anonymous=302), {"username": "agent", "password": PASSWORD}
    ),
    ("ui.account.logout", "POST"): Case("/deconnexion", everyone(302)),
    # Single sign-on is off in this app: its pages do not exist (tests/ged/web/test_oidc_login.py).
    ("ui.oidc.start", "GET"): Case("/connexion/oidc", everyone(404, anonymous=404)),
    ("ui.oidc.callback", "GET"): Case("/connexion/oidc/retour", everyone(404, anonymous=404)),
    ("ui.oidc.backchannel_logout", "POST"): Case(
        "/connexion/oidc/deconnexion", everyone(404, anonymous=404)
    ),
    ("ui.profile.page", "GET"): Case("/compte", everyone(200)),
    ("ui.account.password", "GET"): Case("/compte/mot-de-passe", everyone(200)),
    ("ui.account.password", "POST"): Case(
        "/compte/mot-de-passe",
        everyone(302),
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    ),
    # Without a pending login (a right password waiting for its code) both steps send
    # everyone back to the login page.
    ("ui.second_factor.code", "GET"): Case("/connexion/code", everyone(302, anonymous=302)),
    ("ui.second_factor.code", "POST"): Case(
        "/connexion/code", everyone(302, anonymous=302), {"code": "123456"}
    ),
    ("ui.second_factor.activation", "GET"): Case(
        "/connexion/activation", everyone(302, anonymous=302)
    ),
    ("ui.second_factor.activation", "POST"): Case(
        "/connexion/activation", everyone(302, anonymous=302), {"code": "123456"}
    ),
    ("ui.second_factor.account", "GET"): Case("/compte/double-authentification", everyone(200)),
    # a code that does not match the new secret: the page again, with the error
    ("ui.second_factor.account", "POST"): Case(
        "/compte/double-authentification", everyone(400), {"code": "000000"}
    ),
    # no second factor yet: sent to set one up first
    ("ui.second_factor.regenerate", "POST"): Case(
        "/compte/double-authentification/codes", everyone(302), {"code": "000000"}
    ),
    ("ui.sessions.page", "GET"): Case("/compte/sessions", everyone(200)),
    # one's own session, or anyone's for an administrator ('outsider' owns this one)
    ("ui.sessions.end", "POST"): Case(
        "/compte/sessions/{session}/fermer", {**ruled("session.end_any", 302), "outsider": 302}
    ),
    ("ui.search.home", "GET"): Case("/", everyone(302)),
    ("ui.search.page", "GET"): Case("/recherche?q=arrete", everyone(200)),
    ("ui.bulk.confirm", "GET"): Case(
        "/recherche/modification?scope=ids&ids={doc}&action=add_tags&tags=x",
        ruled("bulk.start", 200),
    ),
    ("ui.bulk.start", "POST"): Case(
        "/recherche/modification",
        ruled("bulk.start", 302),
        {"scope": "ids", "ids": "{doc}", "action": "add_tags", "tags": "x"},
    ),
    # Everyone sees their own jobs (bulk.read); nobody has a job 999.
    ("ui.bulk.job", "GET"): Case("/travaux/999", everyone(404)),
    ("ui.documents.show", "GET"): Case("/documents/{doc}", readers(200)),
    ("ui.documents.edit", "POST"): Case("/documents/{doc}", readers(302), {"title": "Autre"}),
    ("ui.documents.status", "GET"): Case("/documents/{doc}/etat", readers(200)),
    ("ui.documents.preview", "GET"): Case("/documents/{doc}/apercu", readers(200)),
    # Not processed here, so no thumbnail nor pages yet: 404 for all (tests/workers/test_thumbnails.py
    # shows readers the pictures once made, and others still 404).
    ("ui.pictures.thumbnail", "GET"): Case("/documents/{doc}/vignette", readers(404)),
    ("ui.pictures.page_image", "GET"): Case("/documents/{doc}/pages/1", readers(404)),
    ("ui.versions.add", "POST"): Case("/documents/{doc}/versions", readers(302), upload=True),
    ("ui.versions.restore", "POST"): Case("/documents/{doc}/versions/1/restaurer", readers(302)),
    ("ui.access.replace", "POST"): Case(
        "/documents/{doc}/acces",
        readers(302),
        {"inherit": "1", "principal": "user:agent", "permission": "manage"},
    ),
    ("ui.notes.add", "POST"): Case("/documents/{doc}/avis", readers(302), {"body": "Avis"}),
    # no such note: those who may write the document learn it, the others not even that
    ("ui.notes.edit", "POST"): Case("/documents/{doc}/avis/999999", readers(404), {"body": "x"}),
    # every account keeps its own saved searches
    ("ui.saved_searches.save", "POST"): Case(
        "/recherches-enregistrees", everyone(302), {"name": "Arrêtés", "q": "arrêté"}
    ),
    ("ui.saved_searches.update", "POST"): Case(
        "/recherches-enregistrees/999999", everyone(404), {"name": "Autre"}
    ),
    ("ui.saved_searches.delete", "POST"): Case(
        "/recherches-enregistrees/999999/supprimer", everyone(404)
    ),
    # pages work: the stand-in PDF cannot be read, said on the page after the redirect
    ("ui.pages.form", "GET"): Case("/documents/{doc}/pages/modifier", readers(200)),
    ("ui.pages.save", "POST"): Case("/documents/{doc}/pages/modifier", readers(302)),
    # one document is not enough to merge: said to everyone, readable or not
    ("ui.pages.merge_form", "GET"): Case("/documents/fusion?ids={doc}", everyone(200)),
    ("ui.pages.merge", "POST"): Case("/documents/fusion", everyone(400), form={"ids": "{doc}"}),
    ("ui.removal.confirm", "GET"): Case("/documents/{doc}/supprimer", readers(200)),
    ("ui.removal.delete", "POST"): Case("/documents/{doc}/supprimer", readers(302)),
    # not deleted: those who may manage it are told so on its page
    ("ui.removal.undelete", "POST"): Case("/documents/{doc}/restaurer", readers(302)),
    ("ui.removal.trash", "GET"): Case("/corbeille", ruled("document.deleted.list", 200)),
    ("ui.access.history", "GET"): Case("/documents/{doc}/historique", readers(200)),
    ("ui.upload.page", "GET"): Case("/deposer", everyone(200)),
    # no such batch: its page answers as the API's (GET /api/v1/batches/{id} is in the API matrix)
    ("ui.batches.show", "GET"): Case("/lots/999", everyone(404)),
    # Refusals (an auditor may not file) are said on the page it sends back to.
    ("ui.upload.upload", "POST"): Case("/deposer", everyone(302), upload=True),
    ("ui.review.page", "GET"): Case("/a-verifier", everyone(200)),
    ("ui.review.confirm", "POST"): Case(
        "/a-verifier/{doc}", readers(302), {"document_type": "facture"}
    ),
    ("ui.admin.users_page", "GET"): Case("/admin/utilisateurs", ruled("user.list", 200)),
    ("ui.admin.create_user", "POST"): Case(
        "/admin/utilisateurs",
        ruled("user.create", 302),
        {"username": "nouveau", "role": "agent", "password": NEW_PASSWORD},
    ),
    ("ui.admin.user_page", "GET"): Case("/admin/utilisateurs/outsider", ruled("user.list", 200)),
    ("ui.admin.user_page", "POST"): Case(
        "/admin/utilisateurs/outsider",
        ruled("user.update", 302),
        {"role": "agent", "is_active": "1"},
    ),
    ("ui.admin.reset_second_factor", "POST"): Case(
        "/admin/utilisateurs/outsider/double-authentification", ruled("second_factor.reset", 302)
    ),
    ("ui.admin.groups_page", "GET"): Case("/admin/groupes", ruled("group.list", 200)),
    ("ui.admin.create_group", "POST"): Case(
        "/admin/groupes", ruled("group.create", 302), {"name": "g"}
    ),
    ("ui.admin.units", "GET"): Case("/admin/services", ruled("unit.list", 200)),
    ("ui.admin.create_unit", "POST"): Case(
        "/admin/services", ruled("unit.create", 302), {"name": "Voirie {who}"}
    ),
    ("ui.unit_access.page", "GET"): Case(
        "/admin/services/Urbanisme/acces", ruled("unit.acl.read", 200)
    ),
    ("ui.unit_access.replace", "POST"): Case(
        "/admin/services/Urbanisme/acces",
        ruled("unit.acl", 302),
        {"principal": "group:urbanisme", "permission": "write"},
    ),
    ("ui.admin_tokens.page", "GET"): Case("/admin/jetons", ruled("token.list", 200)),
    ("ui.admin_tokens.create", "POST"): Case(
        "/admin/jetons", ruled("token.create", 201), {"username": "outsider", "label": "t"}
    ),
    ("ui.admin_tokens.revoke", "POST"): Case(
        "/admin/jetons/{token}/revoquer", ruled("token.revoke", 302)
    ),
    ("ui.admin_tokens.folders", "GET"): Case("/admin/dossiers", ruled("watch.counters", 200)),
    ("ui.audit.events", "GET"): Case("/audit", ruled("audit.events", 200)),
    ("ui.audit.verify", "GET"): Case("/audit/verification", ruled("audit.verify", 200)),
    ("ui.retention.rules", "GET"): Case("/conservation/regles", ruled("retention.read", 200)),
    ("ui.retention.create", "POST"): Case(
        "/conservation/regles",
        ruled("retention.manage", 302),
        # one type per caller allowed: a second rule of the same type would conflict
        lambda who: {
            **RULE_TERMS,
            "document_type": {"admin": "courrier", "archivist": "compte_rendu"}.get(who, "autre"),
        },
    ),
    # rule 1 is a default rule (facture), shipped by the migrations
    ("ui.retention.rule", "GET"): Case("/conservation/regles/1", ruled("retention.read", 200)),
    ("ui.retention.edit", "POST"): Case(
        "/conservation/regles/999", ruled("retention.manage", 404), RULE_TERMS
    ),
    ("ui.retention.remove", "POST"): Case(
        "/conservation/regles/999/supprimer", ruled("retention.manage", 404)
    ),
    ("ui.holds.page", "GET"): Case("/gels", ruled("hold.read", 200)),
    ("ui.holds.place", "POST"): Case(
        "/gels", ruled("hold.place", 302), {"ids": "{doc}", "reason": "contentieux"}
    ),
    ("ui.holds.release", "POST"): Case(
        "/gels/999/lever", ruled("hold.release", 404), {"release_reason": "fin"}
    ),
    ("ui.disposal.queue", "GET"): Case("/elimination/a-eliminer", ruled("disposal.read", 200)),
    ("ui.disposal.lists", "GET"): Case("/elimination/bordereaux", ruled("disposal.read", 200)),
    ("ui.disposal.create", "POST"): Case(
        "/elimination/bordereaux", ruled("disposal.propose", 302), {"title": "Bordereau"}
    ),
    # Those the rule allows pass it and learn there is no such list; the others are refused first.
    ("ui.disposal.show_list", "GET"): Case(
        "/elimination/bordereaux/999", ruled("disposal.read", 404)
    ),
    ("ui.disposal.add", "POST"): Case(
        "/elimination/bordereaux/999/documents", ruled("disposal.propose", 404), {"ids": "{doc}"}
    ),
    ("ui.disposal.remove", "POST"): Case(
        "/elimination/bordereaux/999/documents/1/retirer", ruled("disposal.propose", 404)
    ),
    ("ui.disposal.submit", "POST"): Case(
        "/elimination/bordereaux/999/soumettre", ruled("disposal.propose", 404)
    ),
    ("ui.disposal.decide", "POST"): Case(
        "/elimination/bordereaux/999/visa",
        ruled("disposal.approve", 404),
        {"decision": "approve", "comment": "vu"},
    ),
    ("ui.disposal.certificate", "GET"): Case(
        "/elimination/bordereaux/999/certificat.pdf", ruled("disposal.read", 404)
    ),
    ("ui.transfers.transfer_list", "GET"): Case("/versements", ruled("transfer.read", 200)),
    # The archives are not configured here: those the rule allows are told so on the queue.
    ("ui.transfers.propose", "POST"): Case(
        "/versements", ruled("transfer.prepare", 302), {"title": "Versement", "ids": "{doc}"}
    ),
    # A day not over: those the rule allows are refused with the reason, on the list.
    ("ui.transfers.propose_journal", "POST"): Case(
        "/versements/journal", ruled("transfer.prepare", 302), {"day": "2999-01-01"}
    ),
    ("ui.transfers.show", "GET"): Case("/versements/999", ruled("transfer.read", 404)),
    ("ui.transfers.package", "GET"): Case(
        "/versements/999/paquet.zip", ruled("transfer.read", 404)
    ),
    ("ui.transfers.reply", "POST"): Case(
        "/versements/999/reponse", ruled("transfer.reply", 404), upload=True
    ),
}


def test_every_ui_route_has_a_rule():
    routes = app_routes(lambda endpoint: endpoint.startswith("ui."))
    assert routes - set(RULES) == set(), "UI routes without an authorization rule"
    assert set(RULES) - routes == set(), "rules for UI routes that no longer exist"


@pytest.mark.parametrize("route", sorted(RULES), ids=lambda route: f"{route[1]} {route[0]}")
def test_ui_route_answers_each_caller_as_expected(sqlite_api: Api, route):
    endpoint, method = route
    case = RULES[route]
    got = {}
    for who in CALLERS:
        document_id, token_id = matrix_objects(sqlite_api, PDF)
        client = sqlite_api.client.application.test_client()
        if who != "anonymous":
            assert log_in(client, who).status_code == 302, who
        given = case.form(who) if callable(case.form) else case.form
        form = {name: value.format(who=who, doc=document_id) for name, value in given.items()}
        if method == "POST":
            form["csrf_token"] = csrf_token(client)
        if case.upload:
            form["file"] = (BytesIO(PDF + who.encode()), "f.pdf")
        session_id = session_of(sqlite_api)[0] if "{session}" in case.path else None
        url = case.path.format(doc=document_id, token=token_id, session=session_id)
        response = client.open(url, method=method, data=form or None, buffered=True)
        got[who] = response.status_code
    assert got == case.expected
