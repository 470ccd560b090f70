"""One's browser sessions ("Mes sessions"), and ending one: one's own, or anyone's for an
administrator (from the account's admin page). Who may is the services' decision."""

from __future__ import annotations

import re

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for

from ged.services import sessions
from ged.web.context import principal, settings, uow
from ged.web.ui.i18n import safe_next
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("sessions", __name__, url_prefix="/compte/sessions", enable_openapi=False)

#: the browser and the system a User-Agent names, in the order they must be looked for
#: (Edge and Opera also say Chrome, Chrome also says Safari, Android also says Linux)
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"))
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
_SAFARI = re.compile(r"Version/[\d.]+ .*Safari/")


def browser_name(user_agent: str | None) -> str:
    """A name such as "Firefox (Linux)"; the page shows the whole User-Agent on hover."""
    if not user_agent:
        return ""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    if browser is None and _SAFARI.search(user_agent):
        browser = "Safari"
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser is None:
        return user_agent[:40]
    return f"{browser} ({system})" if system else browser


bp.add_app_template_filter(browser_name, "browser")


@bp.get("")
def page():
    return render_template(
        "ui/sessions.html",
        sessions=sessions.list_sessions(uow(), principal()),
        current=principal().session_id,
        web=settings().web,
    )


@bp.post("/<int:session_id>/fermer")
def end(session_id: int):
    sessions.end_session(uow(), principal(), session_id)
    flash(_("Session fermée : son navigateur est déconnecté dès sa prochaine action."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("ui.sessions.page")))
