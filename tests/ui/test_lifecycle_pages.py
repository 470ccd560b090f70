"""The records lifecycle's pages with Flask's test client: retention rules, legal holds,
the disposal queues, lists and their visa, and the audit streams."""

from __future__ import annotations

import re

from ged.audit.seal import generate_key
from tests.ui.pages import browser, csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: a rule making a "courrier" due the day it is filed, then destroyed
ZERO_DAYS = {
    "document_type": "courrier",
    "duration_years": "0",
    "duration_months": "0",
    "start_event": "created",
    "final_action": "destroy",
    "reference": "Test 0 jour",
}


def post(client, path: str, **form):
    return client.post(path, data={**form, "csrf_token": csrf_token(client, "/recherche")})


def text(response) -> str:
    return response.get_data(as_text=True)


def upload_courrier(api, content: bytes = PDF) -> int:
    response = api.upload(
        content, "courrier.pdf", "agent", document_type="courrier", title="Courrier périmé"
    )
    assert response.status_code == 202, response.json
    return response.json["id"]


def rule_id(api) -> int:
    rules = api.get("/api/v1/retention/rules?document_type=courrier", "admin").json
    return rules["rules"][0]["id"]


def test_a_rule_created_edited_and_removed_keeps_its_history(sqlite_api):
    client = browser(sqlite_api, "archivist")
    created = post(client, "/conservation/regles", **ZERO_DAYS)
    assert created.status_code == 302, text(created)
    page = text(client.get("/conservation/regles"))
    assert "Test 0 jour" in page and "Élimination" in page
    assert re.search(r"\d+ documents? sans règle", page)

    first = rule_id(sqlite_api)
    edited = post(client, f"/conservation/regles/{first}", **{**ZERO_DAYS, "duration_years": "5"})
    assert edited.status_code == 302
    second = rule_id(sqlite_api)
    assert second != first
    page = text(client.get(f"/conservation/regles/{second}"))
    assert "en vigueur" in page and "5 ans" in page
    history = page.split('id="history-title"')[1]
    assert history.count("<tr>") == 3  # the head and two versions

    assert post(client, f"/conservation/regles/{second}/supprimer").status_code == 302
    assert "Test 0 jour" not in text(client.get("/conservation/regles"))


def test_a_wrong_rule_is_said_next_to_its_field(sqlite_api):
    client = browser(sqlite_api, "admin")
    refused = post(client, "/conservation/regles", **{**ZERO_DAYS, "duration_years": "mille"})
    assert refused.status_code == 400
    assert 'id="duration_years-error"' in text(refused)
    assert "Un nombre entier de 0 à 999." in text(refused)
    post(client, "/conservation/regles", **ZERO_DAYS)
    twice = post(client, "/conservation/regles", **ZERO_DAYS)
    assert twice.status_code == 400
    assert "déjà en vigueur" in text(twice)


def test_an_agent_is_refused_the_rules_and_sees_no_link_to_them(sqlite_api):
    client = browser(sqlite_api, "agent")
    assert client.get("/conservation/regles").status_code == 403
    assert "/conservation/regles" not in text(client.get("/deposer"))


def test_a_hold_shows_on_the_document_and_is_released_with_a_reason(sqlite_api):
    document_id = upload_courrier(sqlite_api)
    client = browser(sqlite_api, "archivist")
    missing = post(client, "/gels", ids=str(document_id), reason="")
    assert missing.status_code == 400 and 'id="reason-error"' in text(missing)
    placed = post(client, "/gels", ids=f"{document_id}", reason="Contentieux Kervella")
    assert placed.status_code == 302
    page = text(client.get(f"/documents/{document_id}"))
    assert "Contentieux Kervella" in page and "hold-in-force" in page
    hold_id = sqlite_api.get("/api/v1/holds", "admin").json["holds"][0]["id"]

    kept = post(client, f"/gels/{hold_id}/lever", release_reason="")
    assert kept.status_code == 302
    assert "pas levé : dites pourquoi" in text(client.get("/gels"))
    post(client, f"/gels/{hold_id}/lever", release_reason="Jugement rendu")
    page = text(client.get("/gels"))
    assert "Aucun gel en vigueur." in page and "Jugement rendu" in page
    assert "hold-in-force" not in text(client.get(f"/documents/{document_id}"))


def test_a_list_is_built_from_the_queue_submitted_and_given_its_visa_by_another(sqlite_api):
    generate_key(sqlite_api.client.application.extensions["ged"].settings.audit.key_file)
    archivist = browser(sqlite_api, "archivist")
    post(archivist, "/conservation/regles", **ZERO_DAYS)
    document_id = upload_courrier(sqlite_api)
    document = text(archivist.get(f"/documents/{document_id}"))
    assert "Test 0 jour" in document and "aucune règle" not in document
    queue = text(archivist.get("/elimination/a-eliminer"))
    assert f'id="pick-{document_id}"' in queue
    assert re.search(r'À éliminer <span class="nav-count">1</span>', queue)

    nothing = post(archivist, "/elimination/bordereaux", title="Vide", from_queue="destroy")
    assert nothing.headers["Location"] == "/elimination/a-eliminer"
    assert "Cochez au moins un document" in text(archivist.get("/elimination/a-eliminer"))
    made = post(archivist, "/elimination/bordereaux", title="Courriers", ids=str(document_id))
    assert made.status_code == 302
    list_path = made.headers["Location"]
    page = text(archivist.get(list_path))
    assert "Brouillon" in page and "Soumettre au visa" in page
    assert post(archivist, f"{list_path}/soumettre").status_code == 302
    page = text(archivist.get(list_path))
    assert "En attente du visa" in page and "Accorder le visa" not in page
    # The proposer has no button, and the service refuses them anyway.
    assert post(archivist, f"{list_path}/visa", decision="approve").status_code == 403

    authority = browser(sqlite_api, "archives_authority")
    waiting = text(authority.get("/elimination/bordereaux?statut=submitted"))
    assert "<h1>Visa d&#39;élimination</h1>" in waiting and "Courriers" in waiting
    page = text(authority.get(list_path))
    assert "Accorder le visa" in page and "Courrier périmé" in page
    unexplained = post(authority, f"{list_path}/visa", decision="refuse", comment="")
    assert unexplained.status_code == 400 and 'id="comment-error"' in text(unexplained)
    approved = post(authority, f"{list_path}/visa", decision="approve", comment="Vu")
    assert approved.status_code == 302
    page = text(authority.get(list_path))
    assert "Visa accordé, élimination en cours" in page
    # Executed by a worker: until then there is no certificate to download.
    assert authority.get(f"{list_path}/certificat.pdf").status_code == 409


def test_the_transfer_and_sort_queues_list_without_selection_and_unknown_ones_are_404(
    sqlite_api,
):
    client = browser(sqlite_api, "admin")
    assert "Aucun document dans cette file." in text(client.get("/elimination/a-verser"))
    assert client.get("/elimination/a-trier").status_code == 200
    assert client.get("/elimination/a-bruler").status_code == 404


def test_the_audit_page_filters_by_stream_and_verification_names_each_stream(sqlite_api):
    client = browser(sqlite_api, "auditor")
    page = text(client.get("/audit?stream=lifecycle"))
    assert "Journal du cycle de vie" in page
    assert "Journal des accès</td>" not in page
    assert "Journal des accès</td>" in text(client.get("/audit?stream=access"))
    verified = text(client.get("/audit/verification"))
    assert "Journal du cycle de vie : intact" in verified
    assert "Journal des accès : intact" in verified


def test_the_lifecycle_pages_read_in_english(sqlite_api):
    client = browser(sqlite_api, "admin")
    client.get("/langue/en")
    assert "<h1>Retention rules</h1>" in text(client.get("/conservation/regles"))
    assert "<h1>Legal holds</h1>" in text(client.get("/gels"))
    assert "<h1>To destroy</h1>" in text(client.get("/elimination/a-eliminer"))
