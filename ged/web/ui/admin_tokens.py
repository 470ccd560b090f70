"""Administration: API tokens (the value is shown once) and watched folders' counters."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ged.errors import InvalidInput, NotFound, ServiceUnavailable
from ged.models import ApiToken
from ged.services import tokens
from ged.watching import read_counters
from ged.web.context import db, principal, settings
from ged.web.ui import queries
from ged.web.ui.admin_pages import only_administrators
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("admin_tokens", __name__, url_prefix="/admin", enable_openapi=False)
bp.before_request(only_administrators)


@bp.get("/jetons")
def page(created: tuple[ApiToken, str] | None = None, error: str | None = None, status=200):
    session = db()
    found = session.scalars(select(ApiToken).order_by(ApiToken.id.desc()))
    return render_template(
        "ui/admin/tokens.html",
        tokens=found,
        usernames=queries.user_names(session),
        created=created,
        error=error,
    ), status


@bp.post("/jetons")
def create():
    form = request.form
    try:
        created = tokens.create_token(
            db(), form.get("username", ""), form.get("label", ""), actor=principal()
        )
    except NotFound:
        return page(error=_("Choisissez un compte existant."), status=400)
    except InvalidInput:
        return page(error=_("Le libellé est obligatoire (200 caractères au plus)."), status=400)
    # Drawn in this very response, never stored: the value cannot be shown again.
    return page(created=created, status=201)


@bp.post("/jetons/<int:token_id>/revoquer")
def revoke(token_id: int):
    tokens.revoke_token(db(), token_id, actor=principal())
    flash(_("Jeton révoqué : il est refusé dès maintenant."), "success")
    return redirect(url_for("ui.admin_tokens.page"))


@bp.get("/dossiers")
def folders():
    try:
        counters, unavailable = read_counters(settings()), False
    except ServiceUnavailable:
        counters, unavailable = {}, True
    return render_template(
        "ui/admin/folders.html",
        folders=settings().watch.folders,
        counters=counters,
        unavailable=unavailable,
    )
