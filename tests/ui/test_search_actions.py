"""The search page's actions and the missing buttons, with Flask's test client on real
services (SQLite, OpenSearch, Redis, the worker run in this process): the file-type facet,
the review count in the header, bulk edits run as the API's job, delete and restore, the
deleted documents, a unit's grants."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from sqlalchemy import select

from ged.db import make_engine, make_session_factory
from ged.models import Document
from tests.apiclient import Api
from tests.processes import run_worker_burst, wait_until
from tests.ui.pages import browser, csrf_token

WORD = "Plounéourménez"
PDF = b"%PDF-1.4\n%%EOF\n"


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, **form):
    return client.post(path, data={**form, "csrf_token": csrf_token(client, "/recherche")})


def file_texts(api: Api, count: int, **fields) -> list[int]:
    """``count`` text documents holding WORD, filed by the agent into Urbanisme."""
    ids = []
    for n in range(count):
        content = f"Compte rendu {WORD} numéro {n}.".encode()
        response = api.upload(content, f"cr{n}.txt", unit="Urbanisme", **fields)
        assert response.status_code == 202, response.json
        ids.append(response.json["id"])
    return ids


def indexed(api: Api, total: int, q: str = WORD) -> None:
    """Run the pipeline until the search finds ``total`` documents."""
    run_worker_burst(api.settings)
    wait_until(
        lambda: api.get(f"/api/v1/search?q={q}", "admin").json["total"] == total, 15, "indexing"
    )


def set_needs_review(api: Api, ids: list[int]) -> None:
    engine = make_engine(api.settings.database)
    with make_session_factory(engine)() as session:
        for document in session.scalars(select(Document).where(Document.id.in_(ids))):
            document.needs_review = True
        session.commit()
    engine.dispose()


def test_the_file_type_is_a_facet_with_french_names_and_a_filter(sqlite_api):
    file_texts(sqlite_api, 2)
    pdf = sqlite_api.upload(PDF, f"{WORD}.pdf", unit="Urbanisme").json["id"]
    indexed(sqlite_api, 3)
    client = browser(sqlite_api)
    page = text(client.get(f"/recherche?q={WORD}"))
    facet = page.split("<h3>Format</h3>")[1].split("</section>")[0]
    assert 'Texte <span class="count">(2)</span>' in facet
    assert 'PDF <span class="count">(1)</span>' in facet
    assert "mime_type=application%2Fpdf" in facet
    filtered = text(client.get(f"/recherche?q={WORD}&mime_type=application/pdf"))
    assert "1 document<" in filtered and f"/documents/{pdf}" in filtered
    assert "Format : PDF" in filtered  # the filter in force, named, with its remove link
    english = browser(sqlite_api)
    english.get("/langue/en")
    assert "PNG image" not in text(english.get(f"/recherche?q={WORD}"))
    assert ">Text <span" in text(english.get(f"/recherche?q={WORD}"))


def test_the_header_counts_the_documents_waiting_for_review_for_those_who_may_correct(
    sqlite_api,
):
    ids = file_texts(sqlite_api, 3)
    set_needs_review(sqlite_api, ids[:2])
    badge = re.compile(r'review-count">(\d+)<')
    for who in ("agent", "archivist"):
        page = text(browser(sqlite_api, who).get("/deposer"))
        assert badge.search(page).group(1) == "2", who
        assert "> documents en attente<" in page
    # Someone who may correct none of them sees no count; the auditor not even the link.
    assert not badge.search(text(browser(sqlite_api, "outsider").get("/deposer")))
    assert "/a-verifier" not in text(browser(sqlite_api, "auditor").get("/compte"))
    # Confirmed, one leaves the count.
    client = browser(sqlite_api)
    post(client, f"/a-verifier/{ids[0]}", document_type="facture")
    assert badge.search(text(client.get("/deposer"))).group(1) == "1"


def bulk_job_id(response) -> int:
    assert response.status_code == 302, text(response)
    match = re.fullmatch(r"/travaux/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_three_ticked_results_retyped_by_a_bulk_job_whose_page_reaches_done(sqlite_api):
    from ged.services.bulk import run_bulk

    ids = file_texts(sqlite_api, 4)
    indexed(sqlite_api, 4)
    client = browser(sqlite_api, "archivist")
    page = text(client.get(f"/recherche?q={WORD}"))
    assert 'form="bulk-form" name="ids"' in page and 'id="bulk-form"' in page
    # Only the bulk roles get the form.
    assert 'id="bulk-form"' not in text(browser(sqlite_api).get(f"/recherche?q={WORD}"))

    chosen = ids[:3]
    form = {"q": WORD, "scope": "ids", "ids": chosen, "action": "set_document_type"}
    confirmation = client.get(
        "/recherche/modification", query_string={**form, "document_type": "deliberation"}
    )
    assert confirmation.status_code == 200, text(confirmation)
    shown = text(confirmation)
    assert "<h1>Modifier 3 documents ?</h1>" in shown
    assert "Délibération" in shown
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', shown)
    assert ("ids", str(chosen[0])) in hidden and ("document_type", "deliberation") in hidden

    started = client.post(
        "/recherche/modification",
        data={**dict(hidden[1:]), "ids": chosen, "csrf_token": dict(hidden)["csrf_token"]},
    )
    job_id = bulk_job_id(started)
    waiting = text(client.get(f"/travaux/{job_id}"))
    assert "progress.js" in waiting and f'data-progress-url="/api/v1/jobs/{job_id}"' in waiting
    assert "Documents traités : 0 sur 3" in waiting

    run_bulk(sqlite_api.client.application.extensions["ged"], job_id)

    done = text(client.get(f"/travaux/{job_id}"))
    assert "Terminée" in done and "progress.js" not in done
    assert "3 documents modifiés" in done
    for document_id in ids:
        kind = sqlite_api.get(f"/api/v1/documents/{document_id}").json["document_type"]
        assert (kind == "deliberation") == (document_id in chosen), document_id
    # The job is its requester's: another archivist does not find it.
    assert browser(sqlite_api, "agent").get(f"/travaux/{job_id}").status_code == 404


def test_every_result_of_the_search_gets_a_tag_and_refusals_are_listed(sqlite_api):
    from ged.services.bulk import run_bulk

    ids = file_texts(sqlite_api, 3)
    indexed(sqlite_api, 3)
    client = browser(sqlite_api, "archivist")
    form = {"q": WORD, "scope": "search", "action": "add_tags", "tags": "voirie, 2026"}
    shown = text(client.get("/recherche/modification", query_string=form))
    assert "<h1>Modifier 3 documents ?</h1>" in shown
    job_id = bulk_job_id(post(client, "/recherche/modification", **form))
    run_bulk(sqlite_api.client.application.extensions["ged"], job_id)
    assert "3 documents modifiés" in text(client.get(f"/travaux/{job_id}"))
    for document_id in ids:
        tags = sqlite_api.get(f"/api/v1/documents/{document_id}").json["tags"]
        assert sorted(tags) == ["2026", "voirie"]


def test_a_bulk_form_missing_its_value_goes_back_to_the_search_with_the_reason(sqlite_api):
    client = browser(sqlite_api, "archivist")
    back = client.get(
        "/recherche/modification",
        query_string={"q": WORD, "scope": "ids", "ids": "1", "action": "set_unit"},
    )
    assert back.status_code == 302 and back.headers["Location"] == "/recherche?" + urlencode(
        {"q": WORD}
    )
    assert "Choisissez le nouveau service." in text(client.get(back.headers["Location"]))
    nothing = client.get(
        "/recherche/modification", query_string={"scope": "ids", "action": "add_tags", "tags": "x"}
    )
    assert "Cochez au moins un document" in text(client.get(nothing.headers["Location"]))
    # An unknown type is refused by the service, said in French with its reason.
    unknown = client.get(
        "/recherche/modification",
        query_string={
            "scope": "ids",
            "ids": "1",
            "action": "set_document_type",
            "document_type": "zzz",
        },
    )
    assert "Modification refusée" in text(client.get(unknown.headers["Location"]))
    # A role that may not run bulk jobs is refused by the service.
    agent = browser(sqlite_api)
    refused = agent.get(
        "/recherche/modification",
        query_string={"scope": "ids", "ids": "1", "action": "add_tags", "tags": "x"},
    )
    assert refused.status_code == 403


def test_a_legal_hold_placed_on_the_ticked_results(sqlite_api):
    ids = file_texts(sqlite_api, 2)
    indexed(sqlite_api, 2)
    client = browser(sqlite_api, "archivist")
    form = {"q": WORD, "scope": "ids", "ids": ids, "action": "hold", "hold_reason": "contentieux"}
    assert "<h1>Geler 2 documents ?</h1>" in text(
        client.get("/recherche/modification", query_string=form)
    )
    placed = post(client, "/recherche/modification", **form)
    assert placed.status_code == 302 and placed.headers["Location"] == "/gels"
    assert "posé sur 2 documents" in text(client.get("/gels"))
    refused = sqlite_api.delete(f"/api/v1/documents/{ids[0]}", "archivist")
    assert refused.status_code == 409


def test_an_archivist_deletes_after_confirming_finds_it_in_the_corbeille_and_restores_it(
    sqlite_api,
):
    [document_id] = file_texts(sqlite_api, 1)
    indexed(sqlite_api, 1)
    client = browser(sqlite_api, "archivist")
    page = text(client.get(f"/documents/{document_id}"))
    assert f'href="/documents/{document_id}/supprimer"' in page
    confirm = text(client.get(f"/documents/{document_id}/supprimer"))
    assert "Supprimer « cr0 » ?" in confirm and "corbeille" in confirm
    deleted = post(client, f"/documents/{document_id}/supprimer")
    assert deleted.headers["Location"] == f"/documents/{document_id}"
    page = text(client.get(f"/documents/{document_id}"))
    assert "est supprimé" in page and "Restaurer le document" in page
    assert sqlite_api.get(f"/api/v1/documents/{document_id}", "archivist").status_code == 410
    indexed(sqlite_api, 0)  # out of the search
    trash = text(client.get("/corbeille"))
    assert "1 document supprimé" in trash and f"/documents/{document_id}/restaurer" in trash
    # The agent who filed it no longer finds it; the corbeille is not theirs.
    assert browser(sqlite_api).get(f"/documents/{document_id}").status_code == 404
    assert browser(sqlite_api).get("/corbeille").status_code == 403

    restored = post(client, f"/documents/{document_id}/restaurer", **{"from": "corbeille"})
    assert restored.headers["Location"] == "/corbeille"
    assert "0 document supprimé" in text(client.get("/corbeille"))
    assert sqlite_api.get(f"/api/v1/documents/{document_id}").status_code == 200
    indexed(sqlite_api, 1)
    actions = [
        event["action"]
        for event in sqlite_api.get(f"/api/v1/audit/events?document={document_id}", "auditor").json[
            "events"
        ]
    ]
    assert {"document.delete", "document.undelete"} <= set(actions)


def test_a_manager_may_delete_a_held_document_is_refused_with_the_reason(sqlite_api):
    mine, held = file_texts(sqlite_api, 2)
    hold = sqlite_api.post(
        "/api/v1/holds", "archivist", json={"reason": "contentieux", "selection": {"ids": [held]}}
    )
    assert hold.status_code == 201, hold.json
    agent = browser(sqlite_api)  # the agent filed both: manage
    refused = post(agent, f"/documents/{held}/supprimer")
    assert refused.headers["Location"] == f"/documents/{held}"
    assert "Document non supprimé" in text(agent.get(f"/documents/{held}"))
    gone = post(agent, f"/documents/{mine}/supprimer")
    assert gone.headers["Location"] == "/recherche"
    assert agent.get(f"/documents/{mine}").status_code == 404
    # A reader sees no delete link.
    assert "/supprimer" not in text(browser(sqlite_api, "outsider").get(f"/documents/{held}"))


def test_an_archivist_edits_a_units_grants_and_its_documents_follow(sqlite_api):
    [document_id] = file_texts(sqlite_api, 1)
    indexed(sqlite_api, 1)
    outsider = browser(sqlite_api, "outsider")
    assert outsider.get(f"/documents/{document_id}").status_code == 404
    client = browser(sqlite_api, "archivist")
    assert "/admin/services/Urbanisme/acces" in text(client.get("/admin/services"))
    page = text(client.get("/admin/services/Urbanisme/acces"))
    assert "Droits du service Urbanisme" in page
    assert '<option value="group:urbanisme" selected>' in page

    changed = post(
        client,
        "/admin/services/Urbanisme/acces",
        principal=["group:urbanisme", "user:outsider"],
        permission=["write", "read"],
    )
    assert changed.status_code == 302
    assert "enregistrés" in text(client.get(changed.headers["Location"]))
    grants = sqlite_api.get("/api/v1/units/Urbanisme/acl", "archivist").json["grants"]
    assert {"principal": "user:outsider", "permission": "read"} in grants
    assert outsider.get(f"/documents/{document_id}").status_code == 200
    run_worker_burst(sqlite_api.settings)  # the index follows: the outsider finds it
    wait_until(
        lambda: sqlite_api.get(f"/api/v1/search?q={WORD}", "outsider").json["total"] == 1,
        15,
        "the index to follow the unit's grants",
    )

    # An unknown principal is refused next to the table, nothing changed.
    refused = post(
        client, "/admin/services/Urbanisme/acces", principal=["user:nobody"], permission=["read"]
    )
    assert refused.status_code == 400 and "Droits non modifiés" in text(refused)
    assert len(sqlite_api.get("/api/v1/units/Urbanisme/acl", "archivist").json["grants"]) == 2
    # Not the agent's business; a unit that does not exist is not found.
    assert browser(sqlite_api).get("/admin/services/Urbanisme/acces").status_code == 403
    assert client.get("/admin/services/Nulle-part/acces").status_code == 404


def test_a_document_the_job_cannot_change_is_listed_with_its_reason(sqlite_api):
    from ged.services.bulk import run_bulk

    [document_id] = file_texts(sqlite_api, 1)
    client = browser(sqlite_api, "archivist")
    form = {"scope": "ids", "ids": [document_id, 99999], "action": "add_tags", "tags": "x"}
    job_id = bulk_job_id(post(client, "/recherche/modification", **form))
    run_bulk(sqlite_api.client.application.extensions["ged"], job_id)
    page = text(client.get(f"/travaux/{job_id}"))
    assert "1 document modifié" in page and "1 document refusé" in page
    row = page.split("Documents non modifiés")[1]
    assert 'href="/documents/99999"' in row and "document 99999 does not exist" in row
