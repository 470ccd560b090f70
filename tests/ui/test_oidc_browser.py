"""Single sign-on end to end: a real `ged serve` (tests/ui/conftest.py's live_ged, with its
seeded documents of unit Urbanisme that group urbanisme may read) whose [oidc] provider is
the test Keycloak, reached by Chromium through Keycloak's own login page, and by
Keycloak's back-channel logout."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from search.client import make_client
from tests.conftest import isolated_settings
from tests.oidc.provider import PASSWORD, Keycloak, unique
from tests.processes import wait_until
from tests.ui.conftest import SCREENSHOTS, WORD, LiveGed


@pytest.fixture(scope="module")
def keycloak(oidc_provider) -> Keycloak:
    return oidc_provider


@pytest.fixture(scope="module")
def sso_client(keycloak) -> Iterator[tuple[str, str]]:
    """A client of this module's own in the realm (id, secret): its back-channel logout
    URL is this module's ged."""
    client_id = unique("ged-live")
    secret = keycloak.create_client(client_id)
    yield client_id, secret
    keycloak.delete_client(client_id)


@pytest.fixture(scope="module")
def live_settings(tmp_path_factory, service_urls, redis_url, keycloak, sso_client):
    """live_ged's settings, with single sign-on: groups and unit from the claims."""
    client_id, secret = sso_client
    oidc = {
        "issuer": keycloak.issuer,
        "client_id": client_id,
        "client_secret": secret,
        "label": "ProConnect",
        "group_claims": json.dumps({"groups": {"urbanisme": ["urbanisme"]}}),
        "unit_claims": json.dumps({"organizational_unit": {"Urbanisme": "Urbanisme"}}),
    }
    directory = tmp_path_factory.mktemp("ged-live-oidc")
    settings = isolated_settings(directory, service_urls, redis_url, oidc=oidc)
    yield settings
    client = make_client(settings.opensearch.urls)
    client.indices.delete(index=f"{settings.opensearch.index_prefix}-*", ignore_unavailable=True)
    client.close()


@pytest.fixture(scope="module")
def live(live_ged: LiveGed, keycloak, sso_client) -> LiveGed:
    keycloak.update_client(
        sso_client[0], **{"backchannel.logout.url": f"{live_ged.url}/connexion/oidc/deconnexion"}
    )
    return live_ged


@pytest.fixture
def agent(keycloak) -> Iterator[tuple[str, str]]:
    name = unique("agent")
    user_id = keycloak.create_user(name, groups=("urbanisme",), unit="Urbanisme")
    yield name, user_id
    keycloak.delete_user(user_id)


def logged_in(live: LiveGed, keycloak: Keycloak, username: str) -> requests.Session:
    """A browser without a browser: logged in to ged through Keycloak's form."""
    browser = requests.Session()
    start = browser.get(f"{live.url}/connexion/oidc", allow_redirects=False)
    back = keycloak.log_in(start.headers["Location"], username, browser=browser)
    landed = browser.get(back, allow_redirects=False)
    assert (landed.status_code, landed.headers["Location"]) == (302, "/recherche")
    return browser


def found(browser: requests.Session, live: LiveGed) -> int:
    answer = browser.get(f"{live.url}/api/v1/search", params={"q": WORD}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["total"]


def test_an_agent_removed_from_a_group_loses_its_documents_at_the_next_login(live, keycloak, agent):
    name, subject = agent
    assert found(logged_in(live, keycloak, name), live) == len(live.documents)
    keycloak.remove_from_group(subject, "urbanisme")
    assert found(logged_in(live, keycloak, name), live) == 0


def test_a_logout_at_the_provider_ends_the_ged_session(live, keycloak, agent):
    name, subject = agent
    browser = logged_in(live, keycloak, name)
    assert browser.get(f"{live.url}/compte", allow_redirects=False).status_code == 200
    keycloak.logout_user(subject)  # Keycloak calls ged's back-channel logout

    def ended() -> bool:
        return browser.get(f"{live.url}/api/v1/search?q=x", timeout=30).status_code == 401

    wait_until(ended, 10, "the back-channel logout to end the session", every=0.2)
    page = browser.get(f"{live.url}/compte", allow_redirects=False)
    assert page.status_code == 302 and page.headers["Location"].startswith("/connexion")


def test_an_agent_logs_in_through_the_provider_searches_and_logs_out_everywhere(
    page, live, keycloak, agent
):
    name, _ = agent
    page.goto("/connexion")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "login-single-sign-on.png", full_page=True)
    page.get_by_role("link", name="Se connecter avec ProConnect").click()
    page.wait_for_url(f"{keycloak.url}/**")  # Keycloak's own login page
    page.locator("#username").fill(name)
    page.locator("#password").fill(PASSWORD)
    page.locator("#kc-login").click()
    page.wait_for_url("**/recherche")
    page.locator(".account .who").click()
    page.wait_for_url("**/compte")
    assert page.locator("dd.unit").inner_text() == "Urbanisme"
    assert page.locator("dd.groups").inner_text() == "urbanisme"

    page.get_by_role("link", name="Rechercher", exact=True).click()
    page.get_by_label("Rechercher dans les archives").fill(WORD)
    page.get_by_role("button", name="Rechercher", exact=True).click()
    # The seeded documents are readable by group urbanisme only: the mapped group shows them.
    assert page.get_by_role("heading", name=f"{len(live.documents)} documents").is_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live.url}/connexion**")  # back from the provider's logout
    assert "Vous êtes déconnecté." in page.locator(".flashes").inner_text()
    page.get_by_role("link", name="Se connecter avec ProConnect").click()
    page.wait_for_url(f"{keycloak.url}/**")
    # Logged out at the provider too: it asks for the password again.
    assert page.locator("#password").is_visible()
