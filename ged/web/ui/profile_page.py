"""The caller's own account: who ged takes them for, their unit and their groups (for an
agent of single sign-on, what the provider's claims gave at the last login)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import render_template

from ged.services.profile import own_account
from ged.web.context import principal, uow

bp = APIBlueprint("profile", __name__, enable_openapi=False)


@bp.get("/compte")
def page():
    return render_template("ui/profile.html", account=own_account(uow(), principal()))
