"""Single sign-on pages: the login through the ``[oidc]`` provider, its answer, and the
back-channel logout the provider calls when an agent logs out there.

The logout from ged (``/deconnexion``, ged.web.ui.account) of a session opened here goes
on to the provider's end_session_endpoint, so that the agent is logged out of both.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import abort, jsonify, redirect, render_template, request, session, url_for

from ged.services import oidc
from ged.services.oidc_tokens import OidcRefused, verify_logout_token
from ged.web import oidc_client
from ged.web.auth import begin_session, public
from ged.web.context import uow
from ged.web.ui.i18n import safe_next
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("oidc", __name__, enable_openapi=False)

#: what the login page says for each reason a single sign-on was refused
_MESSAGES = {
    "expired": lambda label: _(
        "La réponse de {label} a expiré avant d'arriver. Reconnectez-vous.", label=label
    ),
    "replayed_state": lambda label: _(
        "Cette réponse de {label} a déjà servi ou ne répond à aucune connexion commencée ici. Recommencez depuis cette page.",
        label=label,
    ),
    "account_disabled": lambda label: _(
        "Votre compte est désactivé dans ged. Adressez-vous à un administrateur.", label=label
    ),
    "account_conflict": lambda label: _(
        "Un compte local de ged porte déjà votre identifiant : un administrateur doit le renommer avant que vous puissiez vous connecter avec {label}.",
        label=label,
    ),
    "missing_claim": lambda label: _(
        "{label} n'a pas transmis de quoi vous identifier (votre adresse électronique). Adressez-vous à un administrateur.",
        label=label,
    ),
    "provider_error": lambda label: _(
        "{label} n'a pas pu être joint ou a refusé la connexion. Réessayez dans quelques instants.",
        label=label,
    ),
}


def _refusal_message(reason: str, label: str) -> str:
    message = _MESSAGES.get(reason)
    if message is not None:
        return message(label)
    # A bad signature, another audience, a wrong nonce, an unknown issuer: all say that
    # the answer is not to be trusted, and the audit trail says which.
    return _(
        "La réponse de {label} n'a pas pu être vérifiée : la connexion est refusée. Réessayez ; si cela se reproduit, prévenez un administrateur.",
        label=label,
    )


def _external(endpoint: str, **values: str) -> str:
    """An absolute URL of ged, as the provider must be told it."""
    config = oidc_client.settings()
    if config is not None and config.public_url:
        return config.public_url + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _settings():
    config = oidc_client.settings()
    if config is None:
        abort(404)
    return config


def _origin() -> tuple[str | None, str | None]:
    return request.remote_addr, request.headers.get("User-Agent")


def _refused(refused: OidcRefused, actor: str | None = None):
    config = _settings()
    ip, user_agent = _origin()
    oidc.record_failure(
        uow(), refused, issuer=config.issuer, actor=actor, ip=ip, user_agent=user_agent
    )
    page = render_template(
        "ui/login.html",
        next=url_for("ui.search.page"),
        errors={},
        username="",
        oidc_error=_refusal_message(refused.reason, config.label),
    )
    return page, 400


@bp.get("/connexion/oidc")
@public
def start():
    _settings()
    session["oidc_next"] = safe_next(request.args.get("next"), url_for("ui.search.page"))
    try:
        return oidc_client.authorization_redirect(_external("ui.oidc.callback"))
    except OidcRefused as refused:
        return _refused(refused)


@bp.get("/connexion/oidc/retour")
@public
def callback():
    config = _settings()
    ip, user_agent = _origin()
    claims: dict = {}
    try:
        claims, raw = oidc_client.complete_login(request.args)
        user = oidc.sign_in(uow(), config, claims, ip=ip, user_agent=user_agent)
    except OidcRefused as refused:
        return _refused(refused, actor=claims.get(config.username_claim) or claims.get("sub"))
    target = session.pop("oidc_next", None) or url_for("ui.search.page")
    begin_session(user, method="oidc", provider_sid=claims.get("sid"), id_token=raw)
    return redirect(target)


@bp.post("/connexion/oidc/deconnexion")
@public
def backchannel_logout():
    """OpenID Connect Back-Channel Logout 1.0: the provider posts a signed logout token
    when an agent logs out there; the sessions it names end at once."""
    config = _settings()
    try:
        logout = verify_logout_token(
            request.form.get("logout_token", ""),
            oidc_client.provider(),
            leeway=config.leeway_seconds,
        )
    except OidcRefused as refused:
        ip, user_agent = _origin()
        oidc.record_failure(
            uow(),
            refused,
            issuer=config.issuer,
            actor=None,
            ip=ip,
            user_agent=user_agent,
            action="oidc.logout.failed",
        )
        answer = jsonify(error="invalid_request", error_description=str(refused))
        answer.status_code = 400
    else:
        oidc.provider_logout(uow(), config.issuer, logout)
        answer = jsonify(ended=True)
    answer.headers["Cache-Control"] = "no-store"
    return answer


def init_blueprint(parent: APIBlueprint) -> None:
    @parent.context_processor
    def single_sign_on():
        # The login page offers the provider's button only when there is one.
        config = oidc_client.settings()
        return {"sso_label": config.label if config is not None else None}


def logout_redirect(id_token: str | None) -> str | None:
    """Where ``/deconnexion`` sends a session opened by single sign-on: the provider's
    logout, back to ged's login page afterwards."""
    if id_token is None or oidc_client.settings() is None:
        return None
    return oidc_client.logout_url(id_token, _external("ui.account.login"))
