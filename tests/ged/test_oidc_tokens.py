"""The checks of what an OpenID provider sends, on real tokens of the test Keycloak (realm
tests/oidc/realm.json): genuine ones pass; tampered, wrong-nonce, wrong-audience, expired
and foreign ones are refused with the reason the audit trail records."""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import select

from ged.bootstrap import build
from ged.models import AuditEvent
from ged.services.oidc import record_failure
from ged.services.oidc_tokens import (
    OidcRefused,
    Provider,
    userinfo_claims,
    verify_id_token,
    verify_logout_token,
)
from tests.migrated import migrate
from tests.processes import wait_until

NONCE = "nonce-de-test-0123456789"


@pytest.fixture(scope="module")
def keycloak(oidc_provider):
    return oidc_provider


@pytest.fixture(scope="module")
def provider(keycloak) -> Provider:
    return Provider(issuer=keycloak.issuer, client_id="ged", keys=keycloak.keys)


@pytest.fixture(scope="module")
def answer(keycloak) -> dict:
    """A real login of camille.martin for ged: the token endpoint's answer."""
    return keycloak.tokens("ged", "camille.martin", nonce=NONCE)


@pytest.fixture(scope="module")
def short_lived(keycloak) -> str:
    """An ID token of the client whose tokens live one second; taken first, so that it has
    expired by the time its test runs (or soon after)."""
    return keycloak.tokens("ged-court", "camille.martin", nonce=NONCE)["id_token"]


def payload(raw: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(raw.split(".")[1] + "=="))


def encoded(claims: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()


def refusal(call) -> OidcRefused:
    with pytest.raises(OidcRefused) as refused:
        call()
    return refused.value


def test_a_genuine_id_token_gives_its_claims(provider, answer):
    claims = verify_id_token(
        answer["id_token"],
        provider,
        nonce=NONCE,
        leeway=0,
        access_token=answer["access_token"],
    )
    assert claims["email"] == "camille.martin@mairie-exemple.fr"
    assert (claims["groups"], claims["organizational_unit"]) == (["urbanisme"], "Urbanisme")
    assert claims["sid"]


def test_a_tampered_id_token_is_refused_as_a_bad_signature(provider, answer):
    header, body, signature = answer["id_token"].split(".")
    forged = {**payload(answer["id_token"]), "groups": ["urbanisme", "archivistes"]}
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    for raw in (f"{header}.{encoded(forged)}.{signature}", f"{header}.{body}.{flipped}"):
        refused = refusal(lambda raw=raw: verify_id_token(raw, provider, nonce=NONCE, leeway=0))
        assert refused.reason == "bad_signature"
    garbage = refusal(lambda: verify_id_token("pas.un.jeton", provider, nonce=NONCE, leeway=0))
    assert garbage.reason == "bad_signature"


def test_an_id_token_for_another_login_request_is_refused_as_a_wrong_nonce(provider, answer):
    refused = refusal(
        lambda: verify_id_token(answer["id_token"], provider, nonce="autre-nonce", leeway=0)
    )
    assert refused.reason == "wrong_nonce"


def test_an_id_token_issued_to_another_application_is_refused(keycloak, provider):
    other = keycloak.tokens("autre-application", "camille.martin", nonce=NONCE)["id_token"]
    assert payload(other)["aud"] == "autre-application"
    refused = refusal(lambda: verify_id_token(other, provider, nonce=NONCE, leeway=0))
    assert refused.reason == "wrong_audience"


def test_an_expired_id_token_is_refused(keycloak, short_lived):
    provider = Provider(issuer=keycloak.issuer, client_id="ged-court", keys=keycloak.keys)
    expires = payload(short_lived)["exp"]
    wait_until(lambda: time.time() > expires + 1, 5, "the one-second token to expire", 0.1)
    refused = refusal(lambda: verify_id_token(short_lived, provider, nonce=NONCE, leeway=0))
    assert refused.reason == "expired"
    # The same token within the clock leeway still passes: the leeway is what lets it.
    assert verify_id_token(short_lived, provider, nonce=NONCE, leeway=60)["sub"]


def test_a_token_of_another_issuer_is_refused_before_its_signature(keycloak, answer):
    elsewhere = Provider(
        issuer="https://auth.example.org/realms/ged", client_id="ged", keys=keycloak.keys
    )
    refused = refusal(lambda: verify_id_token(answer["id_token"], elsewhere, nonce=NONCE, leeway=0))
    assert refused.reason == "unknown_issuer"


def test_keys_are_fetched_again_when_the_token_names_an_unknown_one(keycloak, answer):
    calls = []
    retired = RSAKey.generate_key(2048, parameters={"kid": "retired", "use": "sig"})

    def keys(refresh: bool) -> dict:
        calls.append(refresh)
        # What ged had cached before the provider rotated its keys.
        return keycloak.keys() if refresh else {"keys": [retired.as_dict(private=False)]}

    provider = Provider(issuer=keycloak.issuer, client_id="ged", keys=keys)
    assert verify_id_token(answer["id_token"], provider, nonce=NONCE, leeway=0)["sub"]
    assert calls == [False, True]


def test_userinfo_completes_the_id_token_but_only_about_its_subject(provider, answer):
    claims = {"iss": provider.issuer, "sub": "abc", "email": "a@b.fr"}
    body = json.dumps({"sub": "abc", "siret": "21350238800019", "iss": "ignored"}).encode()
    completed = userinfo_claims(body, "application/json", provider, claims)
    assert completed == {**claims, "siret": "21350238800019"}
    other = json.dumps({"sub": "someone-else"}).encode()
    refused = refusal(lambda: userinfo_claims(other, "application/json", provider, claims))
    assert refused.reason == "invalid_token"
    # ProConnect signs its userinfo: a signed answer is checked like a token.
    signed = answer["id_token"].encode()
    id_claims = payload(answer["id_token"])
    assert userinfo_claims(signed, "application/jwt", provider, id_claims)["email"]
    tampered = signed[:-6] + b"AAAAAA"
    refused = refusal(lambda: userinfo_claims(tampered, "application/jwt", provider, id_claims))
    assert refused.reason == "bad_signature"


def test_an_id_token_is_no_logout_token(provider, answer):
    refused = refusal(lambda: verify_logout_token(answer["id_token"], provider, leeway=0))
    assert refused.reason == "invalid_token"


@pytest.fixture
def refusals(provider, answer, keycloak) -> dict[str, OidcRefused]:
    """One refusal of each kind, on real tokens."""
    raw = answer["id_token"]
    header, _, signature = raw.split(".")
    other = keycloak.tokens("autre-application", "camille.martin", nonce=NONCE)["id_token"]
    forged = f"{header}.{encoded({**payload(raw), 'sub': 'x'})}.{signature}"
    cases = {
        "bad_signature": lambda: verify_id_token(forged, provider, nonce=NONCE, leeway=0),
        "wrong_nonce": lambda: verify_id_token(raw, provider, nonce="x", leeway=0),
        "wrong_audience": lambda: verify_id_token(other, provider, nonce=NONCE, leeway=0),
    }
    return {reason: refusal(call) for reason, call in cases.items()}


def test_each_refusal_is_audited_with_its_reason(settings, refusals):
    migrate(settings.database.url)
    runtime = build(settings)
    try:
        for refused in refusals.values():
            with runtime.unit_of_work() as uow:
                record_failure(
                    uow,
                    refused,
                    issuer="http://idp",
                    actor="camille.martin@mairie-exemple.fr",
                    ip="192.0.2.7",
                    user_agent="Firefox",
                )
        with runtime.unit_of_work() as uow:
            events = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
            recorded = [(e.action, e.outcome, e.details["reason"], e.ip) for e in events]
    finally:
        runtime.close()
    assert recorded == [("oidc.login.failed", "denied", reason, "192.0.2.7") for reason in refusals]
