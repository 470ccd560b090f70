"""Saved searches in the web UI: saved from a search, listed on the home page with the
viewer's own count, renamed, shared and deleted by their owner."""

from __future__ import annotations

import html
import re

from tests.ged.web.api.test_search_api import indexed  # noqa: F401 - the fixture
from tests.ui.pages import browser, csrf_token

SAVE = "/recherches-enregistrees"


def saved_list(client) -> str:
    page = client.get("/recherche").get_data(as_text=True)
    start = page.index('id="recherches-enregistrees"')
    return html.unescape(page[start : page.index("</section>", start)])


def test_a_search_saved_and_shared_is_listed_with_each_viewer_s_count(indexed):  # noqa: F811
    assert (
        indexed.patch(
            "/api/v1/admin/users/admin", "admin", json={"groups": ["urbanisme"]}
        ).status_code
        == 200
    )
    admin = browser(indexed, "admin")
    page = admin.get("/recherche?q=stationnement").get_data(as_text=True)
    assert "Enregistrer cette recherche" in page and 'name="q" value="stationnement"' in page
    assert 'id="recherches-enregistrees"' not in page  # the list is the home page's
    saved = admin.post(
        SAVE,
        data={
            "csrf_token": csrf_token(admin, "/recherche?q=stationnement"),
            "name": "Stationnement",
            "q": "stationnement",
            "group": "urbanisme",
        },
    )
    assert saved.status_code == 302 and saved.location.endswith("/recherche?q=stationnement")

    mine = saved_list(admin)
    assert "Stationnement" in mine and "(8 documents)" in mine and "partagée avec urbanisme" in mine
    agent = browser(indexed)
    theirs = saved_list(agent)
    # the agent reads 1 of the 8: its count, as its own search would say
    assert "(1 document)" in theirs and "partagée par admin avec urbanisme" in theirs
    assert indexed.get("/api/v1/search?q=stationnement", "agent").json["total"] == 1
    assert 'href="/recherche?q=stationnement"' in theirs
    assert "Modifier" not in theirs  # not theirs to change
    assert "Mes recherches enregistrées" in browser(indexed, "outsider").get("/recherche").get_data(
        as_text=True
    )
    assert "Stationnement" not in saved_list(browser(indexed, "outsider"))

    token = csrf_token(agent, "/recherche")
    form = {"csrf_token": token, "name": "Voirie", "tag": "voirie"}
    agent.post(SAVE, data=form)
    again = agent.post(SAVE, data=form, follow_redirects=True).get_data(as_text=True)
    assert "Recherche non enregistrée" in html.unescape(again)
    [own] = [s for s in indexed.get("/api/v1/saved-searches").json["saved_searches"] if s["own"]]
    assert own["search"]["tag"] == ["voirie"] and own["count"] == 3
    assert "Voirie" in saved_list(agent) and "(3 documents)" in saved_list(agent)
    renamed = agent.post(
        f"{SAVE}/{own['id']}",
        data={"csrf_token": token, "name": "Voirie 2026", "group": "urbanisme"},
    )
    assert renamed.status_code == 302
    # shared now: the admin, a member, sees it with its own count (the same 3 here)
    shown = re.sub(r"<[^>]+>", "", " ".join(saved_list(admin).split()))
    assert "Voirie 2026 (3 documents) partagée par agent avec urbanisme" in " ".join(shown.split())
    assert indexed.get(f"/api/v1/saved-searches/{own['id']}").json["group"] == "urbanisme"
    assert (
        agent.post(f"{SAVE}/{own['id']}/supprimer", data={"csrf_token": token}).status_code == 302
    )
    assert "Voirie 2026" not in saved_list(agent)
