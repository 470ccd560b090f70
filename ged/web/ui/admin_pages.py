"""Administration: accounts, groups and units (units: archivists too).

Who may use each page is the services' decision (ged.access.RULES), as in the API.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for

from ged.errors import Conflict, InvalidInput
from ged.models import ROLES
from ged.passwords import MIN_LENGTH
from ged.services import second_factor, sessions, users
from ged.web.context import principal, uow
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("admin", __name__, url_prefix="/admin", enable_openapi=False)


@bp.get("/utilisateurs")
def users_page(errors=None, values=None, status: int = 200):
    return render_template(
        "ui/admin/users.html",
        users=users.list_users(uow(), principal()).items,
        roles=ROLES,
        groups=_group_names(),
        errors=errors or {},
        values=values or {},
    ), status


@bp.post("/utilisateurs")
def create_user():
    form = request.form
    username, role = form.get("username", "").strip(), form.get("role", "")
    password = form.get("password") or None
    errors = {}
    if not username or any(char.isspace() for char in username):
        errors["username"] = _("Un identifiant, sans espace, est obligatoire.")
    if role not in ROLES:
        errors["role"] = _("Choisissez un rôle.")
    if role != "station" and (password is None or len(password) < MIN_LENGTH):
        errors["password"] = _(
            "Le mot de passe doit compter au moins {n} caractères.", n=MIN_LENGTH
        )
    if not errors:
        try:
            groups = tuple(form.getlist("groups"))
            users.create_user(uow(), principal(), username, role, password, groups)
        except Conflict:
            errors["username"] = _("Ce nom d'utilisateur existe déjà.")
        except InvalidInput as refused:
            errors["username"] = reason(refused)
        else:
            flash(_("Compte « {name} » créé.", name=username), "success")
            return redirect(url_for("ui.admin.users_page"))
    return users_page(errors, {"username": username, "role": role}, 400)


@bp.route("/utilisateurs/<username>", methods=["GET", "POST"])
def user_page(username: str):
    user = users.user_named(uow(), principal(), username)
    if request.method == "POST":
        form = request.form
        if user.id == principal().user_id and form.get("role") != "admin":
            flash(_("Vous ne pouvez pas retirer votre propre rôle d'administrateur."), "error")
        else:
            users.update_user(
                uow(),
                principal(),
                username,
                role=form.get("role"),
                is_active="is_active" in form,
                groups=tuple(form.getlist("groups")),
                display_name=form.get("display_name", ""),
            )
            flash(_("Compte « {name} » modifié.", name=username), "success")
            return redirect(url_for("ui.admin.users_page"))
    return render_template(
        "ui/admin/user.html",
        user=user,
        roles=ROLES,
        groups=_group_names(),
        member_of={group.name for group in user.groups},
        sessions=sessions.list_sessions(uow(), principal(), username),
        current=principal().session_id,
    )


@bp.post("/utilisateurs/<username>/double-authentification")
def reset_second_factor(username: str):
    try:
        second_factor.reset(uow(), principal(), username)
    except Conflict:  # one's own: another administrator, or the command line, does it
        flash(
            _(
                "Vous ne pouvez pas réinitialiser votre propre double authentification : demandez-le à un autre administrateur."
            ),
            "error",
        )
    else:
        flash(_("Double authentification de « {name} » réinitialisée.", name=username), "success")
    return redirect(url_for("ui.admin.user_page", username=username))


@bp.get("/groupes")
def groups_page(error: str | None = None, status: int = 200):
    found = users.list_groups(uow(), principal()).items
    return render_template("ui/admin/groups.html", groups=found, error=error), status


@bp.post("/groupes")
def create_group():
    name = request.form.get("name", "")
    try:
        users.create_group(uow(), principal(), name)
    except Conflict:
        return groups_page(_("Ce groupe existe déjà."), 400)
    except InvalidInput:
        return groups_page(_("Le nom d'un groupe compte de 1 à 150 caractères."), 400)
    flash(_("Groupe « {name} » créé.", name=name.strip()), "success")
    return redirect(url_for("ui.admin.groups_page"))


@bp.get("/services")
def units(error: str | None = None, status: int = 200):
    names = [unit.name for unit in users.list_units(uow(), principal()).items]
    return render_template("ui/admin/units.html", units=names, error=error), status


@bp.post("/services")
def create_unit():
    name = request.form.get("name", "")
    try:
        users.create_unit(uow(), principal(), name)
    except Conflict:
        return units(_("Ce service existe déjà."), 400)
    except InvalidInput:
        return units(_("Le nom d'un service compte de 1 à 200 caractères."), 400)
    flash(_("Service « {name} » créé.", name=" ".join(name.split())), "success")
    return redirect(url_for("ui.admin.units"))


def _group_names() -> list[str]:
    return [group.name for group in users.list_groups(uow(), principal()).items]
