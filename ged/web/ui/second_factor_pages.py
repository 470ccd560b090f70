"""The second factor in the web UI: the code step of a login, the enrolment a role may
require before the login completes, and one's own second factor on the account page.

Between a right password and its code the login is pending: the signed cookie holds only
the account's id and the time the password was checked, no session. The enrolment's new
secret waits in the cookie too until a code confirms it (its owner sees it on the page
anyway); the service stores it only then.
"""

from __future__ import annotations

import base64
import io
import time
from datetime import UTC, datetime

import segno
from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from ged.errors import Conflict, InvalidInput
from ged.services import second_factor
from ged.services.logins import AccountLocked, CodeRequired, LoginRefused, SecondFactorNeeded
from ged.services.second_factor import Enrolment, LoginExpired, WrongCode
from ged.web.auth import csrf, log_in_enrolling, log_in_with_code, public
from ged.web.context import principal, uow
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("second_factor", __name__, enable_openapi=False)

_PENDING = ("pending_user_id", "pending_at", "pending_next")


def start_pending(needed: SecondFactorNeeded, target: str) -> Response:
    """The password was right: keep who and when in the cookie, and ask for the code (or
    the enrolment). Whatever session the cookie held ends here: this is a new login."""
    session.clear()
    session.update(dict(zip(_PENDING, (needed.user_id, time.time(), target), strict=True)))
    step = "code" if isinstance(needed, CodeRequired) else "activation"
    return redirect(url_for(f"ui.second_factor.{step}"))


@bp.route("/connexion/code", methods=["GET", "POST"])
@public
def code():
    pending = _pending()
    if pending is None:
        return _start_again()
    user_id, started_at = pending
    errors = {}
    if request.method == "POST":
        csrf.protect()  # nobody is logged in yet: authentication did not check it
        entered = request.form.get("code", "").strip()
        if not entered:
            errors["code"] = _("Saisissez le code à 6 chiffres ou un code de secours.")
        else:
            target = session["pending_next"]
            try:
                done = log_in_with_code(user_id, entered, started_at)
            except WrongCode:
                errors["code"] = _("Code incorrect ou déjà utilisé.")
            except AccountLocked as locked:
                return _start_again(_locked(locked))
            except (LoginExpired, LoginRefused):
                return _start_again(_expired())
            else:
                if done.recovery_codes_left is not None:
                    flash(
                        _(
                            "Code de secours utilisé : il vous en reste {n}.",
                            n=done.recovery_codes_left,
                        ),
                        "info" if done.recovery_codes_left > 2 else "error",
                    )
                return redirect(target)
    return render_template("ui/login_code.html", errors=errors), 400 if errors else 200


@bp.route("/connexion/activation", methods=["GET", "POST"])
@public
def activation():
    """Forced enrolment: the role requires a second factor that the account lacks."""
    pending = _pending()
    if pending is None:
        return _start_again()
    user_id, started_at = pending
    try:
        enrolment = _enrolment(user_id)
    except Conflict:  # it has one (set up meanwhile): the code step applies
        return redirect(url_for("ui.second_factor.code"))
    errors = {}
    if request.method == "POST":
        csrf.protect()
        target = session["pending_next"]
        try:
            codes = log_in_enrolling(
                user_id, enrolment.secret, request.form.get("code", "").strip(), started_at
            )
        except InvalidInput:
            errors["code"] = _mismatch()
        except (LoginExpired, LoginRefused):
            return _start_again(_expired())
        else:
            return render_template("ui/recovery_codes.html", codes=codes, continue_to=target)
    page = render_template(
        "ui/login_activation.html", errors=errors, enrolment=enrolment, qr=_qr(enrolment)
    )
    return page, 400 if errors else 200


@bp.route("/compte/double-authentification", methods=["GET", "POST"])
def account():
    caller = principal()
    state = second_factor.status(uow(), caller)
    if state.enabled_at is not None or not state.password_login or caller.user_id is None:
        if request.method == "POST":
            return redirect(url_for("ui.second_factor.account"))
        return render_template("ui/second_factor.html", state=state, errors={})
    enrolment = _enrolment(caller.user_id)
    errors = {}
    if request.method == "POST":
        try:
            codes = second_factor.enrol(
                uow(), caller, enrolment.secret, request.form.get("code", "").strip()
            )
        except InvalidInput:
            errors["code"] = _mismatch()
        else:
            session.pop("enrol_secret", None)
            continue_to = url_for("ui.second_factor.account")
            return render_template("ui/recovery_codes.html", codes=codes, continue_to=continue_to)
    page = render_template(
        "ui/second_factor.html",
        state=state,
        errors=errors,
        enrolment=enrolment,
        qr=_qr(enrolment),
    )
    return page, 400 if errors else 200


@bp.post("/compte/double-authentification/codes")
def regenerate():
    entered = request.form.get("code", "").strip()
    try:
        codes = second_factor.regenerate_recovery_codes(uow(), principal(), entered)
    except Conflict:
        flash(_("Activez d'abord la double authentification."), "error")
        return redirect(url_for("ui.second_factor.account"))
    except (WrongCode, InvalidInput, AccountLocked):
        state = second_factor.status(uow(), principal())
        errors = {"code": _("Code incorrect ou déjà utilisé.")}
        return render_template("ui/second_factor.html", state=state, errors=errors), 400
    continue_to = url_for("ui.second_factor.account")
    return render_template("ui/recovery_codes.html", codes=codes, continue_to=continue_to)


def _pending() -> tuple[int, datetime] | None:
    """The account and the time of its right password, while the login waits for its code."""
    user_id, at = session.get("pending_user_id"), session.get("pending_at")
    if not isinstance(user_id, int) or not isinstance(at, int | float):
        return None
    started_at = datetime.fromtimestamp(at, UTC)
    return None if second_factor.pending_expired(uow(), started_at) else (user_id, started_at)


def _start_again(message: str | None = None) -> Response:
    if message is None and "pending_at" in session:
        message = _expired()
    session.clear()
    if message:
        flash(message, "error")
    return redirect(url_for("ui.account.login"))


def _enrolment(user_id: int) -> Enrolment:
    """The secret being enrolled, kept in the cookie across reloads of the page."""
    try:
        enrolment = second_factor.enrolment_for(uow(), user_id, session.get("enrol_secret"))
    except InvalidInput:  # not a secret ged made: start with a new one
        enrolment = second_factor.enrolment_for(uow(), user_id)
    session["enrol_secret"] = enrolment.secret
    return enrolment


def _qr(enrolment: Enrolment) -> str:
    """The QR code of the otpauth:// URI, as an image the CSP allows (no inline markup)."""
    svg = io.BytesIO()
    segno.make(enrolment.uri, error="m").save(svg, kind="svg", scale=5, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode()


def _expired() -> str:
    return _("Le délai pour saisir le code est dépassé : reconnectez-vous.")


def _mismatch() -> str:
    return _(
        "Ce code ne correspond pas : saisissez celui que l'application affiche maintenant (l'heure du téléphone doit être juste)."
    )


def _locked(locked: AccountLocked) -> str:
    return _(
        "Trop d'échecs : ce compte est verrouillé jusqu'à {time} UTC. Réessayez ensuite ou contactez un administrateur.",
        time=f"{locked.until:%H:%M}",
    )
