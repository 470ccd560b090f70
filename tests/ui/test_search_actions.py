"""The search page's actions and the missing buttons, with Flask's test client on real
services (SQLite, OpenSearch, Redis, the worker run in this process): the file-type facet,
the review count in the header, bulk edits run as the API's job, delete and restore, the
deleted documents, a unit's grants."""

from __future__ import annotations

import re

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
