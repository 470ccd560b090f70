"""Notes (avis) on the document page, with Flask's test client: write, answer, edit one's own."""

from __future__ import annotations

import html
import re

from tests.ui.pages import browser, csrf_token
from tests.ui.test_pages import upload


def notes_section(page: str) -> str:
    return page[page.index('id="avis"') : page.index('id="versions-title"')]


def test_a_writer_adds_and_answers_notes_and_edits_only_their_own(sqlite_api):
    document_id = upload(sqlite_api, title="Arrêté de voirie", unit="Urbanisme")
    path = f"/documents/{document_id}"
    agent = browser(sqlite_api)
    page = agent.get(path).get_data(as_text=True)
    assert "Aucun avis pour l&#39;instant." in page and 'for="body">Ajouter un avis' in page

    token = csrf_token(agent, path)
    empty = agent.post(f"{path}/avis", data={"csrf_token": token, "body": "  "})
    assert empty.status_code == 400
    assert 'id="body-error"' in empty.get_data(as_text=True)
    added = agent.post(f"{path}/avis", data={"csrf_token": token, "body": "Avis favorable"})
    assert added.status_code == 302 and added.location.endswith(f"{path}#avis")
    [note] = sqlite_api.get(f"/api/v1/documents/{document_id}/notes").json["notes"]

    archivist = browser(sqlite_api, "archivist")
    section = notes_section(archivist.get(path).get_data(as_text=True))
    assert "Avis favorable" in section and "<strong>agent</strong>" in section
    assert f"/avis/{note['id']}" not in section  # someone else's: no edit form
    assert f'name="reply_to" value="{note["id"]}"' in section
    token = csrf_token(archivist, path)
    answered = archivist.post(
        f"{path}/avis",
        data={"csrf_token": token, "body": "Vu, à compléter", "reply_to": str(note["id"])},
    )
    assert answered.status_code == 302
    # posting an edit of another's note anyway is refused
    forged = archivist.post(f"{path}/avis/{note['id']}", data={"csrf_token": token, "body": "x"})
    assert forged.status_code == 403

    token = csrf_token(agent, path)
    agent.post(f"{path}/avis/{note['id']}", data={"csrf_token": token, "body": "Avis réservé"})
    section = notes_section(agent.get(path).get_data(as_text=True))
    assert "Avis réservé" in section and "modifié le" in section
    # the answer is listed under the note it answers, with its author
    thread, answers = section.split('class="note-answers"')
    assert "Avis réservé" in thread and "Vu, à compléter" not in html.unescape(thread)
    assert "Vu, à compléter" in html.unescape(answers) and "<strong>archivist</strong>" in answers
    assert len(re.findall(r'<article class="note"', section)) == 2


def test_a_reader_sees_the_notes_but_no_form(sqlite_api):
    document_id = upload(sqlite_api, unit="Urbanisme")
    path = f"/documents/{document_id}"
    sqlite_api.post(f"/api/v1/documents/{document_id}/notes", "agent", json={"body": "Avis lu"})
    agent = browser(sqlite_api)
    agent.post(
        f"{path}/acces",
        data={
            "csrf_token": csrf_token(agent, path),
            "inherit": "1",
            "principal": ["user:agent", "user:auditor"],
            "permission": ["manage", "read"],
        },
    )
    section = notes_section(browser(sqlite_api, "auditor").get(path).get_data(as_text=True))
    assert "Avis lu" in section
    assert "<form" not in section
