"""The UI's pages with Flask's test client: rendering, permissions, headers, forms."""

from __future__ import annotations

import re

import pytest

from tests.ui.pages import browser, csrf_token, log_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(api, who="agent", **fields) -> int:
    response = api.upload(PDF, "arrete.pdf", who, **fields)
    assert response.status_code == 202, response.json
    return response.json["id"]


def test_pages_need_a_login_and_send_back_to_the_page_asked(sqlite_api):
    client = sqlite_api.client.application.test_client()
    response = client.get("/recherche?q=voirie")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=")
    assert "voirie" in response.headers["Location"]


def test_a_wrong_password_is_said_next_to_the_field_and_a_right_one_logs_in(sqlite_api):
    client = sqlite_api.client.application.test_client()
    refused = log_in(client, "agent", "pas le bon mot de passe")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Identifiant ou mot de passe incorrect." in page
    assert 'id="password-error"' in page and 'aria-invalid="true"' in page
    accepted = log_in(client)
    assert accepted.status_code == 302
    assert client.get("/recherche").status_code in (200, 503)


def test_a_form_post_without_its_csrf_token_is_refused(sqlite_api):
    client = browser(sqlite_api)
    response = client.post("/deconnexion")
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    # Still logged in: the forged request did nothing.
    assert client.get("/deposer").status_code == 200


def test_the_login_form_itself_needs_its_csrf_token(sqlite_api):
    from tests.apiclient import PASSWORD

    client = sqlite_api.client.application.test_client()
    response = client.post("/connexion", data={"username": "agent", "password": PASSWORD})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)


def test_every_ui_response_carries_the_security_headers(sqlite_api):
    client = browser(sqlite_api)
    for path in ("/connexion", "/deposer", "/a-verifier", "/ui/static/ged.css", "/documents/999"):
        headers = client.get(path, buffered=True).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, path
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_an_outsider_gets_the_friendly_404_for_a_document_they_cannot_read(sqlite_api):
    document_id = upload(sqlite_api)
    for path in (f"/documents/{document_id}", f"/documents/{document_id}/apercu"):
        response = browser(sqlite_api, "outsider").get(path, buffered=True)
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        assert "<main" in page and "Introuvable" in page
        assert "arrete" not in page


def test_the_document_page_shows_its_parts_to_its_owner(sqlite_api):
    document_id = upload(sqlite_api, title="Arrêté de voirie", unit="Urbanisme")
    page = browser(sqlite_api).get(f"/documents/{document_id}").get_data(as_text=True)
    assert "Arrêté de voirie" in page
    assert f'src="/documents/{document_id}/apercu"' in page
    assert "En attente de traitement" in page
    for section in ("Versions", "Texte extrait", "Documents similaires", "Droits d&#39;accès"):
        assert section in page, section
    assert f"/api/v1/documents/{document_id}/content?version=1" in page


def test_a_reader_sees_the_metadata_but_no_form(sqlite_api):
    document_id = upload(sqlite_api, unit="Urbanisme")
    reader = browser(sqlite_api, "auditor")
    # Give the auditor read access on this document through the agent's manage grant.
    agent = browser(sqlite_api)
    token = csrf_token(agent, f"/documents/{document_id}")
    agent.post(
        f"/documents/{document_id}/acces",
        data={
            "csrf_token": token,
            "inherit": "1",
            "principal": ["user:agent", "user:auditor"],
            "permission": ["manage", "read"],
        },
    )
    page = reader.get(f"/documents/{document_id}").get_data(as_text=True)
    assert 'name="title"' not in page
    assert "Droits d&#39;accès" not in page


def test_editing_shows_a_validation_error_next_to_the_field_and_keeps_the_input(sqlite_api):
    document_id = upload(sqlite_api, unit="Urbanisme")
    client = browser(sqlite_api)
    token = csrf_token(client, f"/documents/{document_id}")
    form = {"csrf_token": token, "title": "  ", "document_date": "31/02/2024", "tags": "a, b"}
    response = client.post(f"/documents/{document_id}", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="title-error"' in page and "Le titre est obligatoire." in page
    assert 'id="document_date-error"' in page
    assert 'value="a, b"' in page

    form.update(title="Arrêté corrigé", document_date="2024-02-28", document_type="arrete")
    saved = client.post(f"/documents/{document_id}", data=form)
    assert saved.status_code == 302
    document = sqlite_api.get(f"/api/v1/documents/{document_id}").json
    assert document["title"] == "Arrêté corrigé"
    assert document["tags"] == ["a", "b"]
    assert document["classification"]["source"] == "manual"


def test_saving_without_touching_the_type_does_not_mark_it_as_chosen_by_a_person(sqlite_api):
    document_id = upload(sqlite_api)
    client = browser(sqlite_api)
    token = csrf_token(client, f"/documents/{document_id}")
    client.post(f"/documents/{document_id}", data={"csrf_token": token, "title": "Autre titre"})
    document = sqlite_api.get(f"/api/v1/documents/{document_id}").json
    assert document["title"] == "Autre titre"
    assert document["classification"]["source"] is None


def test_restoring_a_version_adds_one(sqlite_api):
    document_id = upload(sqlite_api)
    sqlite_api.add_version(document_id, PDF + b"%v2\n")
    client = browser(sqlite_api)
    token = csrf_token(client, f"/documents/{document_id}")
    response = client.post(
        f"/documents/{document_id}/versions/1/restaurer", data={"csrf_token": token}
    )
    assert response.status_code == 302
    versions = sqlite_api.get(f"/api/v1/documents/{document_id}/versions").json["versions"]
    assert [v["number"] for v in versions] == [1, 2, 3]
    assert versions[-1]["restored_from"] == 1


def test_the_preview_is_inline_and_sandboxed(sqlite_api):
    document_id = upload(sqlite_api)
    response = browser(sqlite_api).get(f"/documents/{document_id}/apercu", buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.get_data() == PDF


def test_the_review_queue_confirms_a_type_by_hand(sqlite_api):
    from ged.db import make_engine, make_session_factory
    from ged.models import Document

    document_id = upload(sqlite_api)
    engine = make_engine(sqlite_api.settings.database)
    with make_session_factory(engine)() as session:
        session.get(Document, document_id).needs_review = True
        session.commit()
    engine.dispose()
    client = browser(sqlite_api)
    assert f'id="document-{document_id}"' in client.get("/a-verifier").get_data(as_text=True)
    token = csrf_token(client, "/a-verifier")
    response = client.post(
        f"/a-verifier/{document_id}", data={"csrf_token": token, "document_type": "facture"}
    )
    assert response.status_code == 302
    document = sqlite_api.get(f"/api/v1/documents/{document_id}").json
    assert document["document_type"] == "facture"
    assert document["needs_review"] is False
    assert document["classification"]["source"] == "manual"
    assert f'id="document-{document_id}"' not in client.get("/a-verifier").get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("agent", "/admin/utilisateurs", 403),
        ("archivist", "/admin/utilisateurs", 403),
        ("archivist", "/admin/services", 200),
        ("admin", "/admin/utilisateurs", 200),
        ("admin", "/admin/groupes", 200),
        ("admin", "/admin/jetons", 200),
        ("admin", "/admin/dossiers", 200),
        ("agent", "/audit", 403),
        ("auditor", "/audit", 200),
    ],
)
def test_admin_and_audit_pages_are_for_their_roles(sqlite_api, who, path, status):
    response = browser(sqlite_api, who).get(path)
    assert response.status_code == status
    assert "<main" in response.get_data(as_text=True)


def test_a_new_token_is_shown_once(sqlite_api):
    client = browser(sqlite_api, "admin")
    token = csrf_token(client, "/admin/jetons")
    created = client.post(
        "/admin/jetons", data={"csrf_token": token, "username": "station", "label": "accueil"}
    )
    assert created.status_code == 201
    value = re.search(r'value="(ged_[^"]+)"', created.get_data(as_text=True)).group(1)
    assert (
        sqlite_api.client.get(
            "/api/v1/session", headers={"Authorization": f"Bearer {value}"}
        ).status_code
        == 200
    )
    assert value not in client.get("/admin/jetons").get_data(as_text=True)


def test_the_language_switch_gives_english_pages(sqlite_api):
    client = sqlite_api.client.application.test_client()
    response = client.get("/langue/en?next=/connexion")
    assert response.headers["Location"] == "/connexion"
    page = client.get("/connexion").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert client.get("/langue/en?next=//evil.example").headers["Location"] == "/"
