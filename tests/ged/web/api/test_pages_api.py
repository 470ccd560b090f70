"""POST /documents/{id}/pages, /documents/{id}/extract and /documents/merge: new versions
and new documents of real PDFs; refusals naming the field, the revision, the right."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image

from tests.ingest.samples import born_digital_pdf, page_lines


@pytest.fixture
def pdf(tmp_path):
    def make(pages: int, title: str = "Pièce") -> bytes:
        lines = [page_lines(f"{title} {n}", seed=n, paragraphs=1) for n in range(1, pages + 1)]
        return born_digital_pdf(tmp_path / f"{title}-{pages}.pdf", lines).read_bytes()

    return make


def filed(api, content: bytes, title: str = "Dossier", filename: str = "dossier.pdf") -> int:
    response = api.upload(content, filename, unit="Urbanisme", title=title)
    assert response.status_code == 202, response.json
    return response.json["id"]


def rotations(api, document_id: int, number: int | None = None) -> list[int]:
    suffix = f"?version={number}" if number else ""
    content = api.get(f"/api/v1/documents/{document_id}/content{suffix}").data
    with pikepdf.open(io.BytesIO(content)) as document:
        return [int(page.obj.get("/Rotate", 0)) for page in document.pages]


def test_pages_edited_make_a_new_version_beside_the_old(sqlite_api, pdf):
    original = pdf(3)
    document_id = filed(sqlite_api, original)
    body = {"rotate": {"1": 180}, "delete": [2], "order": [3, 1]}

    answer = sqlite_api.post(f"/api/v1/documents/{document_id}/pages", json=body)

    assert answer.status_code == 202, answer.json
    assert (answer.json["id"], answer.json["version"]) == (document_id, 2)
    assert answer.headers["Location"].endswith(f"/api/v1/documents/{document_id}")
    assert rotations(sqlite_api, document_id) == [0, 180]
    assert sqlite_api.get(f"/api/v1/documents/{document_id}/content?version=1").data == original
    versions = sqlite_api.get(f"/api/v1/documents/{document_id}/versions").json["versions"]
    assert versions[1]["comment"] == (
        "page 1 tournée de 180° ; page 2 supprimée ; pages remises dans l'ordre 3, 1"
    )
    assert versions[1]["filename"] == "dossier.pdf"


@pytest.mark.parametrize(
    ("body", "status", "field", "said"),
    [
        ({"rotate": {"9": 90}}, 422, "rotate", "there is no page 9"),
        ({"rotate": {"1": 45}}, 400, "rotate.1", ""),
        ({"rotate": {"one": 90}}, 400, "rotate.one", ""),
        ({"delete": [1, 2, 3]}, 422, "delete", "would leave nothing"),
        ({"order": [1, 1, 2]}, 422, "order", "page 1 is named twice"),
        ({"order": [2, 1]}, 422, "order", "order leaves out page 3"),
        ({"order": [2, 1, 3], "delete": [3]}, 422, "order", "page 3 is deleted"),
        ({"order": [1, 2, 3]}, 422, "order", "nothing to change"),
        ({"rotate": {"2": 90}, "delete": [2]}, 422, "rotate.2", "both turned and deleted"),
        ({}, 400, "(body)", "send at least one of rotate, order or delete"),
        ({"order": ["2", 1, 3]}, 400, "order.0", ""),
    ],
)
def test_a_page_edit_that_cannot_be_done_names_its_field(
    sqlite_api, pdf, body, status, field, said
):
    document_id = filed(sqlite_api, pdf(3))
    answer = sqlite_api.post(f"/api/v1/documents/{document_id}/pages", json=body)
    assert answer.status_code == status, answer.json
    assert answer.mimetype == "application/problem+json"
    assert answer.json.get("field") == field
    assert said in answer.json["detail"]
    assert sqlite_api.get(f"/api/v1/documents/{document_id}").json["current_version"] == 1


def test_a_stale_etag_is_412_and_nothing_changes(api, pdf):
    """On SQLite and PostgreSQL, whose locks differ."""
    document_id = filed(api, pdf(2))
    read = api.get(f"/api/v1/documents/{document_id}").headers["ETag"]
    url = f"/api/v1/documents/{document_id}/pages"
    first = api.post(url, json={"rotate": {"1": 90}}, headers={"If-Match": read})
    assert first.status_code == 202, first.json

    stale = api.post(url, json={"rotate": {"2": 90}}, headers={"If-Match": read})

    assert stale.status_code == 412, stale.json
    assert rotations(api, document_id) == [90, 0]
    now = api.get(f"/api/v1/documents/{document_id}").headers["ETag"]
    again = api.post(url, json={"rotate": {"2": 90}}, headers={"If-Match": now})
    assert again.status_code == 202 and rotations(api, document_id) == [90, 90]


def test_who_may_edit_extract_and_merge(sqlite_api, pdf):
    document_id = filed(sqlite_api, pdf(2))
    grants = [
        {"principal": "user:agent", "permission": "manage"},
        {"principal": "user:outsider", "permission": "read"},
    ]
    shared = sqlite_api.client.put(
        f"/api/v1/documents/{document_id}/acl",
        json={"inherit": True, "grants": grants},
        headers=sqlite_api.headers("agent"),
    )
    assert shared.status_code == 200, shared.json
    edit = f"/api/v1/documents/{document_id}/pages"
    extract = f"/api/v1/documents/{document_id}/extract"

    # a reader may not edit, nor file an extract into a unit they may not file into
    assert sqlite_api.post(edit, "outsider", json={"delete": [1]}).status_code == 403
    refused = sqlite_api.post(extract, "outsider", json={"pages": [1]})
    assert refused.status_code == 403 and "Urbanisme" in refused.json["detail"]
    # who may not read it does not learn it exists
    assert sqlite_api.post(edit, "auditor", json={"delete": [1]}).status_code == 404
    merge = {"documents": [document_id, filed(sqlite_api, pdf(1))]}
    assert sqlite_api.post("/api/v1/documents/merge", "auditor", json=merge).status_code == 404
    assert sqlite_api.get(f"/api/v1/documents/{document_id}").json["current_version"] == 1


def test_deleted_held_and_image_documents(sqlite_api, pdf):
    deleted = filed(sqlite_api, pdf(2))
    assert sqlite_api.delete(f"/api/v1/documents/{deleted}").status_code == 204
    refused = sqlite_api.post(
        f"/api/v1/documents/{deleted}/pages", "archivist", json={"delete": [1]}
    )
    assert refused.status_code == 409 and "restore it" in refused.json["detail"]

    # A legal hold keeps what is: a page edit removes nothing, it adds a version, as
    # adding a version does on a held document.
    held = filed(sqlite_api, pdf(2))
    placed = sqlite_api.post(
        "/api/v1/holds", "archivist", json={"reason": "contentieux", "selection": {"ids": [held]}}
    )
    assert placed.status_code == 201, placed.json
    edited = sqlite_api.post(f"/api/v1/documents/{held}/pages", json={"delete": [2]})
    assert edited.status_code == 202, edited.json
    assert rotations(sqlite_api, held, 1) == [0, 0], "its first version is kept"

    picture = io.BytesIO()
    Image.new("L", (200, 100), 255).save(picture, "PNG")
    image = filed(sqlite_api, picture.getvalue(), filename="scan.png")
    refused = sqlite_api.post(f"/api/v1/documents/{image}/pages", json={"rotate": {"1": 90}})
    assert refused.status_code == 422 and "image/png, not a PDF" in refused.json["detail"]


def test_extract_and_merge_answer_201_with_the_new_document(sqlite_api, pdf):
    three, two = filed(sqlite_api, pdf(3, "Pièce"), "Dossier"), filed(sqlite_api, pdf(2, "Annexe"))
    url = f"/api/v1/documents/{three}/extract"

    extracted = sqlite_api.post(url, json={"pages": [3, 2], "title": "Annexes du dossier"})

    assert extracted.status_code == 201, extracted.json
    new = extracted.json["id"]
    assert extracted.headers["Location"].endswith(f"/api/v1/documents/{new}")
    assert sqlite_api.get(f"/api/v1/documents/{new}").json["title"] == "Annexes du dossier"
    assert len(rotations(sqlite_api, new)) == 2
    assert len(rotations(sqlite_api, three)) == 3, "the source keeps its pages"
    bad = sqlite_api.post(url, json={"pages": [4]})
    assert bad.status_code == 422 and bad.json["field"] == "pages"
    assert sqlite_api.post(url, json={"pages": []}).json["field"] == "pages"

    merged = sqlite_api.post("/api/v1/documents/merge", json={"documents": [two, three]})

    assert merged.status_code == 201, merged.json
    assert len(rotations(sqlite_api, merged.json["id"])) == 5
    assert sqlite_api.get(f"/api/v1/documents/{merged.json['id']}").json["title"] == (
        "Dossier (fusion)"
    )
    versions = sqlite_api.get(f"/api/v1/documents/{merged.json['id']}/versions").json
    assert versions["versions"][0]["comment"] == f"fusionné depuis les documents n° {two}, {three}"
    long = filed(sqlite_api, pdf(1, "Long"), "T" * 500)
    cut = sqlite_api.post(f"/api/v1/documents/{long}/extract", json={"pages": [1]}).json["id"]
    assert sqlite_api.get(f"/api/v1/documents/{cut}").json["title"] == "T" * 490 + " (pages 1)"
    lonely = sqlite_api.post("/api/v1/documents/merge", json={"documents": [two]})
    assert lonely.status_code == 400 and lonely.json["field"] == "documents"
