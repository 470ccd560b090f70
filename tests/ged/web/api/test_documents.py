"""Documents API on SQLite and PostgreSQL: nothing filed is lost or silently altered."""

from __future__ import annotations

import hashlib
import threading

from flask.testing import FlaskClient

from ged.web import create_app

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(marker: str) -> bytes:
    return PDF + f"% {marker}\n".encode()


def test_upload_answers_202_and_download_is_byte_identical(api):
    content = pdf("arrêté 2026-114") * 1000
    created = api.upload(content, "Arrêté n°114 voirie.pdf", title="Arrêté voirie")
    assert created.status_code == 202, created.json
    assert created.json["version"] == 1
    assert created.json["status"] == "processing"
    document_id = created.json["id"]
    assert created.headers["Location"].endswith(f"/api/v1/documents/{document_id}")

    download = api.get(f"/api/v1/documents/{document_id}/content")
    assert download.status_code == 200
    assert download.data == content
    assert download.headers["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Arr%C3%AAt%C3%A9%20n%C2%B0114%20voirie.pdf" in disposition


def test_metadata_shows_the_design_fields(api):
    created = api.upload(
        pdf("m"),
        "delib.pdf",
        unit="Urbanisme",
        document_type="deliberation",
        tags="conseil, 2026",
        document_date="2026-03-14",
    )
    assert created.status_code == 202, created.json
    document = api.get(f"/api/v1/documents/{created.json['id']}").json
    assert document["title"] == "delib"
    assert document["unit"] == "Urbanisme"
    assert document["document_type"] == "deliberation"
    assert document["tags"] == ["2026", "conseil"]
    assert document["document_date"] == "2026-03-14"
    assert document["current_version"] == 1
    assert document["deleted"] is False
    assert document["classification"]["source"] == "manual"
    assert document["version"]["mime_type"] == "application/pdf"
    assert document["version"]["created_by"] == "agent"
    assert set(document["metadata"]) == {"dates", "siret", "siren", "iban", "amounts", "references"}


def test_two_versions_are_both_retrievable(api):
    first, second = pdf("version un"), pdf("version deux")
    document_id = api.upload(first).json["id"]
    added = api.add_version(document_id, second, "v2.pdf", comment="signature du maire")
    assert added.status_code == 202, added.json
    assert added.json["version"] == 2

    assert api.get(f"/api/v1/documents/{document_id}/content").data == second
    assert api.get(f"/api/v1/documents/{document_id}/content?version=1").data == first
    assert api.get(f"/api/v1/documents/{document_id}/content?version=2").data == second
    history = api.get(f"/api/v1/documents/{document_id}/versions?size=100").json["versions"]
    assert [(v["number"], v["comment"]) for v in history] == [(1, ""), (2, "signature du maire")]


def test_restore_creates_a_new_version_and_keeps_history(api):
    first, second = pdf("original"), pdf("erreur")
    document_id = api.upload(first).json["id"]
    api.add_version(document_id, second)
    restored = api.post(
        f"/api/v1/documents/{document_id}/versions/1/restore", json={"comment": "retour"}
    )
    assert restored.status_code == 202, restored.json
    assert restored.json["version"] == 3

    history = api.get(f"/api/v1/documents/{document_id}/versions?size=100").json["versions"]
    assert [v["number"] for v in history] == [1, 2, 3]
    assert history[2]["restored_from"] == 1
    assert history[2]["sha256"] == history[0]["sha256"]
    assert api.get(f"/api/v1/documents/{document_id}/content").data == first
    assert api.get(f"/api/v1/documents/{document_id}/content?version=2").data == second
    assert api.get(f"/api/v1/documents/{document_id}").json["current_version"] == 3


def test_identical_content_is_stored_once(api):
    content = pdf("même contenu")
    one = api.upload(content, "a.pdf").json["id"]
    two = api.upload(content, "b.pdf").json["id"]
    assert one != two
    sha = hashlib.sha256(content).hexdigest()
    blob_files = [
        path for path in api.settings.storage.path.rglob("*") if path.is_file() and path.name == sha
    ]
    assert len(blob_files) == 1
    assert api.get(f"/api/v1/documents/{two}/content").data == content


def test_concurrent_new_versions_get_dense_numbers(api):
    document_id = api.upload(pdf("v1")).json["id"]
    app = api.client.application
    statuses: list[int] = []
    errors: list[BaseException] = []

    def upload_version(n: int) -> None:
        from io import BytesIO

        client: FlaskClient = app.test_client()
        try:
            response = client.post(
                f"/api/v1/documents/{document_id}/versions",
                headers=api.headers("agent"),
                data={"file": (BytesIO(pdf(f"concurrent {n}")), f"v{n}.pdf")},
                content_type="multipart/form-data",
            )
            statuses.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=upload_version, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert statuses == [202] * 20
    history = api.get(f"/api/v1/documents/{document_id}/versions?size=100").json["versions"]
    assert [v["number"] for v in history] == list(range(1, 22))
    assert len({v["sha256"] for v in history}) == 21
    assert api.get(f"/api/v1/documents/{document_id}").json["current_version"] == 21


def test_soft_delete_hides_the_document_until_an_archivist_restores_it(api):
    document_id = api.upload(pdf("à supprimer")).json["id"]
    assert api.delete(f"/api/v1/documents/{document_id}").status_code == 204
    assert api.get(f"/api/v1/documents/{document_id}").status_code == 404
    gone = api.get(f"/api/v1/documents/{document_id}", "archivist")
    assert gone.status_code == 410 and "/restore" in gone.json["detail"]
    assert api.post(f"/api/v1/documents/{document_id}/restore").status_code == 404
    restored = api.post(f"/api/v1/documents/{document_id}/restore", "archivist")
    assert restored.status_code == 200, restored.json
    assert restored.json["deleted"] is False
    assert api.get(f"/api/v1/documents/{document_id}").status_code == 200


def test_metadata_edit(api):
    document_id = api.upload(pdf("edit"), unit="Urbanisme").json["id"]
    edited = api.patch(
        f"/api/v1/documents/{document_id}",
        json={
            "title": "  Permis   de construire  ",
            "document_type": "urbanisme",
            "tags": ["pc"],
            "document_date": "2025-12-01",
        },
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["title"] == "Permis de construire"
    assert edited.json["document_type"] == "urbanisme"
    assert edited.json["tags"] == ["pc"]
    assert edited.json["document_date"] == "2025-12-01"
    cleared = api.patch(
        f"/api/v1/documents/{document_id}", json={"document_date": None, "tags": []}
    )
    assert cleared.json["document_date"] is None
    assert cleared.json["tags"] == []


def test_other_apps_on_the_same_data_see_the_same_documents(api):
    """A second app process over the same database and store serves what the first filed."""
    content = pdf("partagé")
    document_id = api.upload(content).json["id"]
    other = create_app(api.settings)
    response = other.test_client().get(
        f"/api/v1/documents/{document_id}/content", headers=api.headers("agent"), buffered=True
    )
    other.extensions["ged"].close()
    assert response.data == content


def test_concurrent_uploads_creating_the_same_new_tag_both_succeed(api):
    app = api.client.application
    statuses: list[int] = []

    def upload(n: int) -> None:
        from io import BytesIO

        response = app.test_client().post(
            "/api/v1/documents",
            headers=api.headers("agent"),
            data={"file": (BytesIO(pdf(f"tag {n}")), f"t{n}.pdf"), "tags": "nouveau-tag"},
            content_type="multipart/form-data",
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [202] * 8
