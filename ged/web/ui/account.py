"""Logging in and out with a password, and changing it: the browser session of the UI.

The cookie holds what /api/v1/session puts there (the key of the server-side session),
so the UI's pages and its scripts' API calls share one login.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, session, url_for

from ged.errors import InvalidInput
from ged.passwords import MIN_LENGTH
from ged.services import logins
from ged.services.logins import AccountLocked, LoginRefused, SecondFactorNeeded
from ged.web.auth import csrf, log_in, public, session_id_token
from ged.web.context import principal, uow
from ged.web.ui.i18n import safe_next
from ged.web.ui.i18n import translate as _
from ged.web.ui.oidc_login import logout_redirect
from ged.web.ui.second_factor_pages import start_pending

bp = APIBlueprint("account", __name__, enable_openapi=False)


@bp.route("/connexion", methods=["GET", "POST"])
@public
def login():
    target = safe_next(request.values.get("next"), url_for("ui.search.page"))
    if request.method == "GET":
        return render_template("ui/login.html", next=target, errors={}, username="")
    # Nobody is logged in yet, so authentication did not check the token: a forged
    # login would otherwise sign the victim into the attacker's account.
    csrf.protect()
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    errors = {}
    if not username:
        errors["username"] = _("Saisissez votre identifiant.")
    if not password:
        errors["password"] = _("Saisissez votre mot de passe.")
    if not errors:
        try:
            log_in(username, password)
        except LoginRefused:
            errors["password"] = _("Identifiant ou mot de passe incorrect.")
        except AccountLocked as locked:
            errors["password"] = _(
                "Trop d'échecs : ce compte est verrouillé jusqu'à {time} UTC. Réessayez ensuite ou contactez un administrateur.",
                time=f"{locked.until:%H:%M}",
            )
        except SecondFactorNeeded as needed:
            return start_pending(needed, target)
        else:
            return redirect(target)
    return render_template("ui/login.html", next=target, errors=errors, username=username), 400


@bp.post("/deconnexion")
def logout():
    # Read before the session ends: a single sign-on session logs out at the provider too.
    at_provider = logout_redirect(session_id_token())
    logins.log_out(uow(), principal())
    session.clear()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(at_provider or url_for("ui.account.login"))


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
def password():
    if request.method == "GET":
        return render_template("ui/password.html", errors={}, min_length=MIN_LENGTH)
    form = request.form
    current, new = form.get("current_password", ""), form.get("new_password", "")
    errors = {}
    if len(new) < MIN_LENGTH:
        errors["new_password"] = _(
            "Le nouveau mot de passe doit compter au moins {n} caractères.", n=MIN_LENGTH
        )
    elif new != form.get("confirm_password", ""):
        errors["confirm_password"] = _("La confirmation ne correspond pas au nouveau mot de passe.")
    elif new == current:
        errors["new_password"] = _("Le nouveau mot de passe doit différer de l'actuel.")
    if not errors:
        try:
            logins.change_password(uow(), principal(), current, new)
        except InvalidInput as refused:
            # The service checks the current password; the other fields were checked above.
            errors[refused.field or "current_password"] = _("Le mot de passe actuel est incorrect.")
        else:
            flash(_("Mot de passe modifié. Vos autres sessions sont fermées."), "success")
            return redirect(url_for("ui.search.page"))
    return render_template("ui/password.html", errors=errors, min_length=MIN_LENGTH), 400
