"""Administration: API tokens (the value is shown once), and the counters of watched folders
and functional mailboxes."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for

from ged.errors import InvalidInput, NotFound, ServiceUnavailable
from ged.models import ApiToken
from ged.services import catalog, tokens, users
from ged.web.context import principal, settings, uow
from ged.web.ui.forms import parse_day
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("admin_tokens", __name__, url_prefix="/admin", enable_openapi=False)


@bp.get("/jetons")
def page(created: tuple[ApiToken, str] | None = None, error: str | None = None, status=200):
    found = tokens.list_tokens(uow(), principal()).items
    return render_template(
        "ui/admin/tokens.html",
        tokens=list(reversed(found)),  # newest first: the one just made is on top
        usernames=[user.username for user in users.list_users(uow(), principal()).items],
        created=created,
        error=error,
    ), status


@bp.post("/jetons")
def create():
    form = request.form
    errors: dict[str, str] = {}
    last_day = parse_day(form.get("valid_through", ""), "valid_through", errors)
    if errors:
        return page(error=errors["valid_through"], status=400)
    try:
        created = tokens.create_token(
            uow(),
            principal(),
            form.get("username", ""),
            form.get("label", ""),
            scope=form.get("scope", "full"),
            expires_at=tokens.valid_through(last_day) if last_day else None,
        )
    except NotFound:
        return page(error=_("Choisissez un compte existant."), status=400)
    except InvalidInput as refused:
        return page(error=_refusal(refused.field), status=400)
    # Drawn in this very response, never stored: the value cannot be shown again.
    return page(created=created, status=201)


def _refusal(field: str | None) -> str:
    """The service's refusal, by the field it names, in the reader's language."""
    if field == "expires_at":
        return _("Le dernier jour de validité doit être aujourd'hui ou plus tard.")
    if field == "scope":
        return _("Choisissez une portée parmi celles proposées.")
    return _("Le libellé est obligatoire (200 caractères au plus).")


@bp.post("/jetons/<int:token_id>/revoquer")
def revoke(token_id: int):
    tokens.revoke_token(uow(), principal(), token_id)
    flash(_("Jeton révoqué : il est refusé dès maintenant."), "success")
    return redirect(url_for("ui.admin_tokens.page"))


@bp.get("/dossiers")
def folders():
    try:
        counters, unavailable = catalog.watch_counters(uow(), principal()), False
        mail_counters = catalog.mail_counters(uow(), principal())
    except ServiceUnavailable:
        counters, mail_counters, unavailable = {}, {}, True
    return render_template(
        "ui/admin/folders.html",
        folders=settings().watch.folders,
        counters=counters,
        accounts=settings().mail.accounts,
        mail_counters=mail_counters,
        unavailable=unavailable,
    )
