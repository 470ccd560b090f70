"""The pages page and the merge page with Flask's test client: a turn, a deletion and a
move saved as a new version, an extract, a merge in the order of the places typed, and
forms drawn again with what is wrong (a stale page, a place that is not a number)."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from tests.ingest.samples import born_digital_pdf, page_lines
from tests.processes import run_worker_burst
from tests.ui.pages import browser, csrf_token


@pytest.fixture
def filed(sqlite_api, tmp_path):
    """Two PDFs of 3 and 2 pages, read by a worker, filed by 'agent'."""
    ids = []
    for title, count in (("Dossier", 3), ("Annexes", 2)):
        lines = [page_lines(f"{title} {n}", seed=n, paragraphs=1) for n in range(1, count + 1)]
        content = born_digital_pdf(tmp_path / f"{title}.pdf", lines).read_bytes()
        ids.append(sqlite_api.upload(content, f"{title}.pdf", title=title).json["id"])
    run_worker_burst(sqlite_api.settings)
    return ids


def versions(api, document_id: int) -> list[dict]:
    return api.get(f"/api/v1/documents/{document_id}/versions").json["versions"]


def revision(client, document_id: int) -> str:
    page = client.get(f"/documents/{document_id}/pages/modifier").get_data(as_text=True)
    return re.search(r'name="revision" value="(\d+)"', page).group(1)


def test_the_pages_page_saves_turns_deletions_and_moves_as_a_new_version(sqlite_api, filed):
    dossier = filed[0]
    client = browser(sqlite_api)
    shown = client.get(f"/documents/{dossier}").get_data(as_text=True)
    assert f'href="/documents/{dossier}/pages/modifier"' in shown
    page = client.get(f"/documents/{dossier}/pages/modifier").get_data(as_text=True)
    assert page.count("<legend>Page ") == 3
    assert f'src="/documents/{dossier}/pages/3"' in page
    form = {
        "csrf_token": csrf_token(client, f"/documents/{dossier}/pages/modifier"),
        "revision": revision(client, dossier),
        "rotation-1": "90",
        "supprimer-2": "1",
        "position-1": "2",
        "position-3": "1",
        "action": "enregistrer",
    }

    saved = client.post(f"/documents/{dossier}/pages/modifier", data=form)

    assert saved.status_code == 302 and saved.location.endswith(f"/documents/{dossier}")
    comment = "page 1 tournée de 90° ; page 2 supprimée ; pages remises dans l'ordre 3, 1"
    assert versions(sqlite_api, dossier)[-1]["comment"] == comment
    assert escape(comment) in client.get(f"/documents/{dossier}").get_data(as_text=True)
    # the same form again, drawn from a revision that is no longer the document's
    stale = client.post(f"/documents/{dossier}/pages/modifier", data=form)
    assert stale.status_code == 302
    assert "Pages non modifiées" in client.get(stale.location).get_data(as_text=True)
    assert len(versions(sqlite_api, dossier)) == 2


def test_wrong_places_and_impossible_edits_are_said_beside_the_pages(sqlite_api, filed):
    dossier = filed[0]
    client = browser(sqlite_api)
    url = f"/documents/{dossier}/pages/modifier"
    token = csrf_token(client, url)
    wrong = client.post(url, data={"csrf_token": token, "position-2": "deux"})
    assert wrong.status_code == 400
    text = wrong.get_data(as_text=True)
    assert 'href="#position-2">Place de la page 2 : Donnez la place par un nombre' in text
    assert 'aria-invalid="true"' in text or "field-invalid" in text
    every = {f"supprimer-{n}": "1" for n in (1, 2, 3)}
    refused = client.post(url, data={"csrf_token": token, **every})
    assert refused.status_code == 400
    assert "supprimer les 3 page(s) ne laisserait rien" in refused.get_data(as_text=True)
    long = {"extraire-1": "1", "titre": "T" * 501, "action": "extraire"}
    titled = client.post(url, data={"csrf_token": token, **long})
    assert titled.status_code == 400
    assert 'id="titre-error"' in titled.get_data(as_text=True)


def test_extract_and_merge_from_the_pages(sqlite_api, filed):
    dossier, annexes = filed
    client = browser(sqlite_api)
    url = f"/documents/{dossier}/pages/modifier"
    token = csrf_token(client, url)
    extracted = client.post(
        url,
        data={"csrf_token": token, "extraire-3": "1", "titre": "Pièce 3", "action": "extraire"},
    )
    assert extracted.status_code == 302
    new = int(extracted.location.rsplit("/", 1)[1])
    assert sqlite_api.get(f"/api/v1/documents/{new}").json["title"] == "Pièce 3"

    merge = client.get(f"/documents/fusion?ids={dossier}&autres={annexes}")
    assert merge.status_code == 200
    assert "Dossier" in merge.get_data(as_text=True) and "Annexes" in merge.get_data(as_text=True)
    merged = client.post(
        "/documents/fusion",
        data={
            "csrf_token": token,
            "ids": [str(dossier), str(annexes)],
            f"position-{dossier}": "2",
            f"position-{annexes}": "1",
        },
    )
    assert merged.status_code == 302
    made = int(merged.location.rsplit("/", 1)[1])
    (first,) = versions(sqlite_api, made)
    assert first["comment"] == f"fusionné depuis les documents n° {annexes}, {dossier}"
    # each source's history says what was made of it, in French
    history = client.get(f"/documents/{dossier}/historique").get_data(as_text=True)
    assert f"page 3 extraite dans le document n° {new}" in history
    assert f"fusionné dans le document n° {made}" in history
    made_history = client.get(f"/documents/{made}/historique").get_data(as_text=True)
    assert f"fusionné depuis les documents n° {annexes}, {dossier}" in made_history
    typo = client.get(f"/documents/fusion?ids={dossier}&autres=12a")
    assert escape("« 12a » n'est pas un numéro de document.") in typo.get_data(as_text=True)
