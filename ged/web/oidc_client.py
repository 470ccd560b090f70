"""ged as an OpenID Connect client of the ``[oidc]`` provider, through Authlib's Flask
integration: discovery from the issuer URL, the authorization redirect with state, nonce
and PKCE (S256) kept in the signed session cookie, the token request, the provider's keys
and userinfo. The checks of what comes back are ged.services.oidc_tokens's.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, session

from ged.config import OidcSettings
from ged.services.oidc_tokens import OidcRefused, Provider, userinfo_claims, verify_id_token

_NAME = "oidc"
_EXTENSION = "ged.oidc"
#: what the provider's answers can fail with, besides a refusal in OAuth terms
_UNREACHABLE = (requests.RequestException, OAuthError, ValueError, KeyError, RuntimeError)


def init_app(app: Any, settings: OidcSettings) -> None:
    """Register the provider when single sign-on is configured (nothing is fetched yet:
    discovery happens at the first login, so ged starts while the provider is down)."""
    if not settings.enabled:
        return
    registry = OAuth(app)
    registry.register(
        _NAME,
        client_id=settings.client_id,
        client_secret=settings.secret(),
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": " ".join(settings.scopes),
            "code_challenge_method": "S256",
            "default_timeout": settings.timeout,
        },
    )
    app.extensions[_EXTENSION] = settings


def settings() -> OidcSettings | None:
    """The ``[oidc]`` settings when single sign-on is on, else None."""
    return current_app.extensions.get(_EXTENSION)


def _client() -> Any:
    return current_app.extensions["authlib.integrations.flask_client"].create_client(_NAME)


def _metadata() -> dict[str, Any]:
    """The discovery document, whose issuer must be the configured one (no mix-up)."""
    config = settings()
    assert config is not None
    try:
        metadata = _client().load_server_metadata()
    except _UNREACHABLE as error:
        raise OidcRefused(
            "provider_error", f"the provider's discovery document could not be read ({error})"
        ) from None
    if metadata.get("issuer") != config.issuer:
        raise OidcRefused(
            "unknown_issuer",
            f"the discovery document names the issuer {metadata.get('issuer')!r}, "
            f"not {config.issuer!r}",
        )
    return metadata


def provider() -> Provider:
    config = settings()
    assert config is not None
    client = _client()
    _metadata()

    def keys(refresh: bool) -> dict[str, Any]:
        try:
            return client.fetch_jwk_set(force=refresh)
        except _UNREACHABLE as error:
            raise OidcRefused(
                "provider_error", f"the provider's keys could not be read ({error})"
            ) from None

    return Provider(issuer=config.issuer, client_id=config.client_id, keys=keys)


def authorization_redirect(redirect_uri: str) -> Any:
    """The redirect to the provider's login; its state, nonce and PKCE verifier are kept
    in the session cookie (Authlib) until the provider sends the browser back."""
    _metadata()
    try:
        return _client().authorize_redirect(redirect_uri)
    except _UNREACHABLE as error:
        raise OidcRefused("provider_error", f"the login could not be started ({error})") from None


def complete_login(args: Any) -> tuple[dict[str, Any], str]:
    """Check the provider's answer to a login (the callback's query ``args``): its state,
    then its code exchanged for tokens, then the ID token; returns the claims (completed by
    userinfo if configured) and the raw ID token."""
    config = settings()
    assert config is not None
    client = _client()
    state = args.get("state") or ""
    data = client.framework.get_state_data(session, state)
    if not data:
        raise OidcRefused(
            "replayed_state",
            "this answer of the provider was already used, or answers no login started here",
        )
    client.framework.clear_state_data(session, state)
    if args.get("error"):
        raise OidcRefused(
            "provider_error",
            f"the provider refused the login: {args.get('error')} "
            f"{args.get('error_description') or ''}".strip(),
        )
    if args.get("iss") and args["iss"] != config.issuer:  # RFC 9207: another provider's answer
        raise OidcRefused("unknown_issuer", f"the answer comes from {args['iss']!r}")
    checked = provider()
    try:
        token = client.fetch_access_token(
            redirect_uri=data["redirect_uri"],
            code=args.get("code") or "",
            code_verifier=data["code_verifier"],
        )
    except _UNREACHABLE as error:
        raise OidcRefused("provider_error", f"the provider gave no token ({error})") from None
    raw = token.get("id_token")
    if not raw:
        raise OidcRefused("provider_error", "the provider's answer holds no ID token")
    claims = verify_id_token(
        raw,
        checked,
        nonce=data["nonce"],
        leeway=config.leeway_seconds,
        access_token=token.get("access_token"),
    )
    endpoint = _metadata().get("userinfo_endpoint")
    if config.userinfo and endpoint:
        try:
            answer = client.get(endpoint, token=token)
            answer.raise_for_status()
        except _UNREACHABLE as error:
            raise OidcRefused("provider_error", f"userinfo could not be read ({error})") from None
        claims = userinfo_claims(
            answer.content, answer.headers.get("Content-Type", ""), checked, claims
        )
    return claims, raw


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end_session_endpoint with the session's ID token as hint, or None
    when the provider has none or cannot be reached (the ged session ends all the same)."""
    try:
        metadata = _metadata()
        if not metadata.get("end_session_endpoint"):
            return None
        config = settings()
        assert config is not None
        return _client().create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri,
            id_token_hint=id_token,
            client_id=config.client_id,
        )["url"]
    except OidcRefused:
        return None
