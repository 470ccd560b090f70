"""Single sign-on through the test Keycloak, with the app's own pages (Flask's test client
for ged, Keycloak's real login form for the provider): accounts created and updated from
the claims, and every refusal shown and audited."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select

from ged.access import command_line
from ged.bootstrap import build
from ged.models import AuditEvent, Group, Unit, User
from ged.services.users import create_user, update_user
from ged.web import create_app
from tests.apiclient import seed_accounts
from tests.conftest import isolated_settings
from tests.migrated import migrate
from tests.oidc.provider import CLIENTS, Keycloak, unique
from tests.ui.pages import csrf_token

MAPPINGS = {
    "group_claims": {"groups": {"urbanisme": ["urbanisme"], "etat-civil": ["etat-civil"]}},
    "unit_claims": {"organizational_unit": {"Urbanisme": "Urbanisme", "État civil": "État civil"}},
    "role_claims": {"groups": {"archivistes": "archivist"}},
}


@pytest.fixture(scope="module")
def keycloak(oidc_provider) -> Keycloak:
    return oidc_provider


@pytest.fixture(scope="module")
def app(tmp_path_factory, service_urls, redis_url, keycloak) -> Iterator:
    oidc = {
        "issuer": keycloak.issuer,
        "client_id": "ged",
        "client_secret": CLIENTS["ged"]["secret"],
        "label": "ProConnect",
        **{key: json.dumps(value) for key, value in MAPPINGS.items()},
    }
    settings = isolated_settings(
        tmp_path_factory.mktemp("oidc"), service_urls, redis_url, oidc=oidc
    )
    migrate(settings.database.url)
    seed_accounts(settings)  # groups urbanisme; unit Urbanisme
    runtime = build(settings)
    with runtime.unit_of_work() as uow:
        uow.session.add_all([Group(name="etat-civil"), Group(name="à la main")])
        uow.session.add(Unit(name="État civil"))
        uow.commit()
    runtime.close()
    app = create_app(settings)
    yield app
    app.extensions["ged"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def agent(keycloak) -> Iterator[tuple[str, str]]:
    """A user of the realm of this test's own: (name, id at the provider)."""
    name = unique("agent")
    user_id = keycloak.create_user(name, groups=("urbanisme",), unit="Urbanisme")
    yield name, user_id
    keycloak.delete_user(user_id)


def callback_url(client, keycloak: Keycloak, username: str) -> str:
    """Start a login at ged, fill Keycloak's form: the answer's URL (ged's callback)."""
    start = client.get("/connexion/oidc?next=/compte")
    assert start.status_code == 302, text(start)
    back = urlsplit(keycloak.log_in(start.headers["Location"], username))
    assert back.path == "/connexion/oidc/retour"
    return f"{back.path}?{back.query}"


def sso(client, keycloak: Keycloak, username: str):
    return client.get(callback_url(client, keycloak, username))


def account(app, username: str) -> User:
    runtime = app.extensions["ged"]
    with runtime.unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).one()
        uow.session.expunge(user)
        return user


def describe(app, username: str) -> dict:
    runtime = app.extensions["ged"]
    with runtime.unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).one()
        return {
            "display_name": user.display_name,
            "role": user.role,
            "unit": user.unit.name if user.unit else None,
            "groups": sorted(group.name for group in user.groups),
        }


def events(app, action: str) -> list[AuditEvent]:
    runtime = app.extensions["ged"]
    with runtime.unit_of_work() as uow:
        found = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        for event in found:
            uow.session.expunge(event)
        return list(found)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def email(name: str) -> str:
    return f"{name}@mairie-exemple.fr"


def test_the_login_page_offers_the_provider_and_the_local_form(client):
    page = text(client.get("/connexion"))
    assert "Se connecter avec ProConnect" in page
    assert 'href="/connexion/oidc?next=' in page
    assert 'name="password"' in page  # administrators and stations keep their form


def test_the_first_login_creates_the_account_from_the_claims(app, client, keycloak, agent):
    name, subject = agent
    answer = sso(client, keycloak, name)
    assert (answer.status_code, answer.headers["Location"]) == (302, "/compte")
    page = text(client.get("/compte"))
    assert "Urbanisme" in page and "urbanisme" in page and "ProConnect" in page
    user = account(app, email(name))
    assert (user.oidc_issuer, user.oidc_subject) == (keycloak.issuer, subject)
    assert user.password_hash is None
    assert describe(app, email(name)) == {
        "display_name": "Sacha Durand",
        "role": "agent",
        "unit": "Urbanisme",
        "groups": ["urbanisme"],
    }
    created = [e for e in events(app, "oidc.account.create") if e.object_id == email(name)]
    assert created[0].details["subject"] == subject
    login = [e for e in events(app, "login") if e.actor == email(name)]
    assert login[0].details == {"method": "oidc", "issuer": keycloak.issuer}


def test_each_login_brings_the_account_up_to_date_with_the_provider(app, client, keycloak, agent):
    name, subject = agent
    assert sso(client, keycloak, name).status_code == 302
    # An administrator adds a group no mapping names: the provider leaves it alone.
    with app.extensions["ged"].unit_of_work() as uow:
        groups = describe(app, email(name))["groups"]
        update_user(uow, command_line(), email(name), groups=(*groups, "à la main"))
    keycloak.remove_from_group(subject, "urbanisme")
    keycloak.update_user(
        subject, lastName="Durand-Lefèvre", attributes={"organizational_unit": ["État civil"]}
    )
    keycloak.add_to_group(subject, "etat-civil")
    assert sso(app.test_client(), keycloak, name).status_code == 302
    assert describe(app, email(name)) == {
        "display_name": "Sacha Durand-Lefèvre",
        "role": "agent",
        "unit": "État civil",
        "groups": ["etat-civil", "à la main"],
    }
    updated = [e for e in events(app, "oidc.account.update") if e.object_id == email(name)]
    changes = updated[-1].details
    assert (changes["before"]["groups"], changes["after"]["groups"]) == (
        ["urbanisme", "à la main"],
        ["etat-civil", "à la main"],
    )
    assert changes["after"]["unit"] == "État civil"


def test_the_role_follows_the_mapped_group(app, client, keycloak):
    assert sso(client, keycloak, "claude.petit").status_code == 302
    claude = describe(app, email("claude.petit"))
    assert (claude["role"], claude["unit"]) == ("archivist", None)  # "Archives": not mapped


def test_a_disabled_account_is_refused_and_the_refusal_audited(app, client, keycloak, agent):
    name, _ = agent
    assert sso(client, keycloak, name).status_code == 302
    with app.extensions["ged"].unit_of_work() as uow:
        update_user(uow, command_line(), email(name), is_active=False)
    other = app.test_client()
    refused = sso(other, keycloak, name)
    assert refused.status_code == 400
    assert "Votre compte est désactivé dans ged" in text(refused)
    assert other.get("/compte").status_code == 302  # no session: sent to the login page
    failed = events(app, "oidc.login.failed")[-1]
    assert (failed.actor, failed.details["reason"]) == (email(name), "account_disabled")


def test_a_local_account_of_the_same_name_is_not_taken_over(app, client, keycloak, agent):
    name, _ = agent
    with app.extensions["ged"].unit_of_work() as uow:
        create_user(uow, command_line(), email(name), "agent", "un mot de passe local")
    refused = sso(client, keycloak, name)
    assert refused.status_code == 400
    assert "Un compte local de ged porte déjà votre identifiant" in text(refused)
    assert events(app, "oidc.login.failed")[-1].details["reason"] == "account_conflict"


def test_a_replayed_answer_is_refused(app, client, keycloak):
    url = callback_url(client, keycloak, "camille.martin")
    assert client.get(url).status_code == 302
    again = client.get(url)
    assert again.status_code == 400
    assert "a déjà servi" in text(again)
    assert events(app, "oidc.login.failed")[-1].details["reason"] == "replayed_state"


def test_an_answer_to_another_login_request_is_refused(app, client, keycloak):
    url = callback_url(client, keycloak, "camille.martin")
    state = parse_qs(urlsplit(url).query)["state"][0]
    with client.session_transaction() as cookie:  # as if another login had been started
        kept = cookie[f"_state_oidc_{state}"]
        kept["data"]["nonce"] = "une-autre-connexion"
        cookie[f"_state_oidc_{state}"] = kept
    refused = client.get(url)
    assert refused.status_code == 400
    assert "n'a pas pu être vérifiée" in text(refused)
    assert events(app, "oidc.login.failed")[-1].details["reason"] == "wrong_nonce"


def test_an_answer_from_another_issuer_is_refused(app, client, keycloak):
    url = urlsplit(callback_url(client, keycloak, "camille.martin"))
    query = {**parse_qs(url.query), "iss": ["https://usurpateur.example.org"]}
    refused = client.get(f"{url.path}?{urlencode(query, doseq=True)}")
    assert refused.status_code == 400
    assert events(app, "oidc.login.failed")[-1].details["reason"] == "unknown_issuer"


def test_a_login_the_provider_refused_says_so(app, client):
    start = client.get("/connexion/oidc")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    refused = client.get(f"/connexion/oidc/retour?state={state}&error=access_denied")
    assert refused.status_code == 400
    assert "ProConnect n'a pas pu être joint ou a refusé" in text(refused)
    assert events(app, "oidc.login.failed")[-1].details["reason"] == "provider_error"


def test_logging_out_of_a_single_sign_on_session_logs_out_at_the_provider(client, keycloak):
    assert sso(client, keycloak, "dominique.bernard").status_code == 302
    answer = client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/compte")})
    target = urlsplit(answer.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == (
        f"{keycloak.issuer}/protocol/openid-connect/logout"
    )
    query = parse_qs(target.query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/connexion"]
    assert query["client_id"] == ["ged"] and query["id_token_hint"][0].count(".") == 2
    assert client.get("/compte").status_code == 302


def test_a_forged_back_channel_logout_is_refused_and_audited(app, client, keycloak):
    id_token = keycloak.tokens("ged", "camille.martin", nonce="n")["id_token"]
    for token in (id_token, "pas-un-jeton"):
        answer = client.post("/connexion/oidc/deconnexion", data={"logout_token": token})
        assert answer.status_code == 400
        assert answer.json["error"] == "invalid_request"
    reasons = [e.details["reason"] for e in events(app, "oidc.logout.failed")]
    assert reasons[-2:] == ["invalid_token", "bad_signature"]
