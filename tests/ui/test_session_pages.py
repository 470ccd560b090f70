"""The sessions' and tokens' pages with Flask's test client (one app for the module): "Mes
sessions" ends another browser's session, which is sent to the login page with a
message; an administrator ends an account's session from its page; the token page makes
scoped tokens with a last day."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.apiclient import Api, serve
from tests.migrated import migrate
from tests.ui.pages import browser, csrf_token


@pytest.fixture(scope="module")
def app_api(live_settings) -> Iterator[Api]:
    migrate(live_settings.database.url)
    yield from serve(live_settings)


def end_buttons(page: str) -> list[str]:
    return re.findall(r'action="(/compte/sessions/\d+/fermer)"', page)


def test_my_sessions_ends_another_browser_which_is_sent_to_the_login_page(app_api: Api):
    here, there = browser(app_api, "agent"), browser(app_api, "agent")
    page = here.get("/compte/sessions", headers={"User-Agent": "Mozilla/5.0"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Mes sessions" in text and "30 minutes sans activité" in text
    assert text.count("Cette session") == 1
    [other] = end_buttons(text)
    ended = here.post(other, data={"csrf_token": csrf_token(here, "/compte/sessions")})
    assert ended.status_code == 302
    assert ended.headers["Location"] == "/compte/sessions"
    assert "Session fermée" in here.get("/compte/sessions").get_data(as_text=True)

    sent = there.get("/deposer")
    assert sent.status_code == 302
    assert sent.headers["Location"].startswith("/connexion?next=")
    login_page = there.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Votre session a expiré ou a été fermée : reconnectez-vous." in login_page


def test_the_account_menu_links_to_my_sessions(app_api: Api):
    page = browser(app_api, "auditor").get("/compte/mot-de-passe").get_data(as_text=True)
    assert 'href="/compte/sessions"' in page


def test_an_admin_ends_an_accounts_session_from_its_page(app_api: Api):
    outsider = browser(app_api, "outsider")
    admin = browser(app_api, "admin")
    page = admin.get("/admin/utilisateurs/outsider").get_data(as_text=True)
    assert "Sessions ouvertes" in page
    [button] = end_buttons(page)
    back = "/admin/utilisateurs/outsider"
    token = csrf_token(admin, back)
    ended = admin.post(button, data={"csrf_token": token, "next": back})
    assert ended.status_code == 302 and ended.headers["Location"] == back
    assert end_buttons(admin.get(back).get_data(as_text=True)) == []
    assert outsider.get("/deposer").status_code == 302
    # a user ends only their own
    agent = browser(app_api, "agent")
    refused = agent.post(button, data={"csrf_token": csrf_token(agent, "/compte/sessions")})
    assert refused.status_code == 403


def test_the_token_page_makes_scoped_tokens_with_a_last_day(app_api: Api):
    admin = browser(app_api, "admin")
    form = {
        "username": "station",
        "label": "scanner accueil",
        "scope": "upload",
        "valid_through": "2999-12-31",
    }
    created = admin.post("/admin/jetons", data={**form, "csrf_token": csrf_token(admin)})
    page = created.get_data(as_text=True)
    assert created.status_code == 201, page
    assert "Dépôt seulement" in page and "01/01/3000 00:00 UTC" in page
    for value, message in [
        ("2000-01-01", "Le dernier jour de validité doit être aujourd&#39;hui ou plus tard."),
        ("31/12/2999", "Date invalide : utilisez le format AAAA-MM-JJ."),
    ]:
        refused = admin.post(
            "/admin/jetons",
            data={**form, "valid_through": value, "csrf_token": csrf_token(admin)},
        )
        assert refused.status_code == 400
        assert message in refused.get_data(as_text=True)
