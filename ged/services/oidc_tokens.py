"""What an OpenID provider sends ged, checked: the ID token of a login, the claims of its
userinfo endpoint, the logout token of a back-channel logout.

Signatures and claims are checked with joserfc and Authlib's ID token rules (OpenID
Connect Core 1.0 §3.1.3.7, Back-Channel Logout 1.0 §2.6). No HTTP here: the caller passes
the provider's keys (``Provider.keys``), fetched from its ``jwks_uri``. Every refusal is an
``OidcRefused`` whose ``reason`` is what the audit trail records.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc import jws, jwt
from joserfc.errors import (
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from ged.errors import GedError

#: signatures with the provider's published public keys only: never "none", and never a
#: secret shared with ged (HS256), which anyone holding the client secret could forge
SIGNING_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: claims about the token itself: a userinfo answer never overrides the ID token's
PROTOCOL_CLAIMS = frozenset(
    {"iss", "sub", "aud", "exp", "iat", "nbf", "nonce", "azp", "at_hash", "sid", "auth_time"}
)


class OidcRefused(GedError):
    """A single sign-on refused; ``reason`` is one word for the audit trail
    (bad_signature, wrong_nonce, wrong_audience, expired, unknown_issuer, replayed_state,
    account_disabled, provider_error…), the message says what happened."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Provider:
    """The provider as ged knows it: its issuer, ged's client id there, and its keys."""

    issuer: str
    client_id: str
    #: the provider's JWK set; called with True after a key id was not found in it,
    #: to fetch it again (the provider rotated its keys)
    keys: Callable[[bool], Any]
    algorithms: tuple[str, ...] = SIGNING_ALGORITHMS


@dataclass(frozen=True)
class LogoutToken:
    """What a back-channel logout names: a provider session, a user, or both."""

    sid: str | None
    subject: str | None


def verify_id_token(
    raw: str,
    provider: Provider,
    *,
    nonce: str,
    leeway: int,
    access_token: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """The claims of an ID token from the token endpoint, once its signature, issuer,
    audience, dates and nonce are checked (and at_hash, given the access token)."""
    token = _decode(raw, provider, "ID token")
    claims = CodeIDToken(
        token.claims,
        token.header,
        {
            "iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": provider.client_id},
            "sub": {"essential": True},
        },
        {"nonce": nonce, "client_id": provider.client_id, "access_token": access_token},
    )
    try:
        claims.validate(now=now, leeway=leeway)
    except ClaimError as error:
        raise _claim_refusal(error, "ID token") from None
    return dict(claims)


def userinfo_claims(
    body: bytes, content_type: str, provider: Provider, id_claims: Mapping[str, Any]
) -> dict[str, Any]:
    """The ID token's claims completed by the userinfo endpoint's answer: JSON, or a JWT
    signed by the provider (ProConnect), whose issuer and audience are then checked. The
    answer must be about the ID token's subject (OpenID Connect Core §5.3.2)."""
    if content_type.split(";")[0].strip().lower() == "application/jwt":
        token = _decode(body.decode("ascii", "replace").strip(), provider, "userinfo")
        registry = JWTClaimsRegistry(
            leeway=0,
            iss={"essential": False, "value": provider.issuer},
            aud={"essential": False, "value": provider.client_id},
        )
        try:
            registry.validate(token.claims)
        except ClaimError as error:
            raise _claim_refusal(error, "userinfo answer") from None
        info = dict(token.claims)
    else:
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise OidcRefused("provider_error", "the userinfo endpoint did not answer JSON")
        info = answer
    if info.get("sub") != id_claims.get("sub"):
        raise OidcRefused(
            "invalid_token", "the userinfo endpoint answered about another user than the ID token"
        )
    extra = {key: value for key, value in info.items() if key not in PROTOCOL_CLAIMS}
    return {**id_claims, **extra}


def verify_logout_token(
    raw: str, provider: Provider, *, leeway: int, now: int | None = None
) -> LogoutToken:
    """A back-channel logout token checked: signature, issuer, audience, iat, jti, the
    back-channel logout event, a sid or a sub, and no nonce (so that an ID token cannot
    be passed off as one)."""
    token = _decode(raw, provider, "logout token")
    registry = JWTClaimsRegistry(
        now=now,
        leeway=leeway,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        iat={"essential": True},
        jti={"essential": True},
    )
    claims = token.claims
    try:
        registry.validate(claims)
    except ClaimError as error:
        raise _claim_refusal(error, "logout token") from None
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise OidcRefused("invalid_token", "the logout token carries no back-channel logout event")
    if "nonce" in claims:
        raise OidcRefused("invalid_token", "a logout token never carries a nonce")
    sid, subject = claims.get("sid"), claims.get("sub")
    if not isinstance(sid, str) and not isinstance(subject, str):
        raise OidcRefused("invalid_token", "the logout token names neither a session nor a user")
    return LogoutToken(
        sid=sid if isinstance(sid, str) else None,
        subject=subject if isinstance(subject, str) else None,
    )


def _decode(raw: str, provider: Provider, what: str) -> jwt.Token:
    """The token's signature checked with the provider's keys (fetched again once when
    its key id is unknown), after its issuer: a token from another provider is refused as
    such, whatever its signature."""
    issuer = _unverified_issuer(raw, what)
    if issuer != provider.issuer:
        raise OidcRefused(
            "unknown_issuer",
            f"the {what} comes from {issuer!r}, not from the provider ged trusts "
            f"({provider.issuer})",
        )
    algorithms = list(provider.algorithms)
    try:
        try:
            return jwt.decode(raw, KeySet.import_key_set(provider.keys(False)), algorithms)
        except InvalidKeyIdError:
            return jwt.decode(raw, KeySet.import_key_set(provider.keys(True)), algorithms)
    except InvalidKeyIdError:
        raise OidcRefused(
            "bad_signature", f"the {what} is signed with a key the provider does not publish"
        ) from None
    except (JoseError, ValueError) as error:
        raise OidcRefused(
            "bad_signature", f"the {what}'s signature does not verify ({error})"
        ) from None


def _unverified_issuer(raw: str, what: str) -> object:
    try:
        return json.loads(jws.extract_compact(raw.encode("ascii")).payload).get("iss")
    except (JoseError, ValueError, AttributeError, UnicodeError):
        raise OidcRefused("bad_signature", f"the {what} is not a signed JWT") from None


def _claim_refusal(error: ClaimError, what: str) -> OidcRefused:
    if isinstance(error, ExpiredTokenError):
        return OidcRefused("expired", f"the {what} has expired")
    reason = {
        "iss": "unknown_issuer",
        "aud": "wrong_audience",
        "azp": "wrong_audience",
        "nonce": "wrong_nonce",
    }.get(error.claim, "invalid_token")
    messages = {
        "unknown_issuer": f"the {what} names another issuer than the provider ged trusts",
        "wrong_audience": f"the {what} was issued to another application than ged",
        "wrong_nonce": f"the {what} answers another login request than this one (nonce)",
        "invalid_token": f"the {what} is not valid: {error.description}",
    }
    return OidcRefused(reason, messages[reason])
