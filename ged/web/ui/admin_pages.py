"""Administration: accounts, groups and units (units: archivists too)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ged.errors import Conflict, InvalidInput, PermissionDenied
from ged.models import ROLES, Group, User
from ged.passwords import MIN_LENGTH
from ged.services import users
from ged.web.context import db, principal
from ged.web.ui import queries
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("admin", __name__, url_prefix="/admin", enable_openapi=False)

#: pages an archivist may use as well (they run the archive's units)
ARCHIVIST_ENDPOINTS = {"ui.admin.units", "ui.admin.create_unit"}


@bp.before_request
def only_administrators():
    caller = principal()
    if caller is None:
        return  # authentication sends to the login page first
    if caller.role == "admin":
        return
    if caller.role == "archivist" and request.endpoint in ARCHIVIST_ENDPOINTS:
        return
    raise PermissionDenied("this is reserved to administrators")


@bp.get("/utilisateurs")
def users_page(errors=None, values=None, status: int = 200):
    session = db()
    found = session.scalars(select(User).order_by(User.username))
    return render_template(
        "ui/admin/users.html",
        users=found,
        roles=ROLES,
        groups=queries.group_names(session),
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
            users.create_user(
                db(), username, role, password, tuple(form.getlist("groups")), actor=principal()
            )
        except Conflict:
            errors["username"] = _("Ce nom d'utilisateur existe déjà.")
        except InvalidInput as refused:
            errors["username"] = str(refused)
        else:
            flash(_("Compte « {name} » créé.", name=username), "success")
            return redirect(url_for("ui.admin.users_page"))
    return users_page(errors, {"username": username, "role": role}, 400)


@bp.route("/utilisateurs/<username>", methods=["GET", "POST"])
def user_page(username: str):
    session = db()
    user = users.user_named(session, username)
    if request.method == "POST":
        form = request.form
        if user.id == principal().user_id and form.get("role") != "admin":
            flash(_("Vous ne pouvez pas retirer votre propre rôle d'administrateur."), "error")
        else:
            users.update_user(
                session,
                username,
                role=form.get("role"),
                is_active="is_active" in form,
                groups=tuple(form.getlist("groups")),
                display_name=form.get("display_name", ""),
                actor=principal(),
            )
            flash(_("Compte « {name} » modifié.", name=username), "success")
            return redirect(url_for("ui.admin.users_page"))
    return render_template(
        "ui/admin/user.html",
        user=user,
        roles=ROLES,
        groups=queries.group_names(session),
        member_of={group.name for group in user.groups},
    )


@bp.get("/groupes")
def groups_page(error: str | None = None, status: int = 200):
    found = db().scalars(select(Group).order_by(Group.name))
    return render_template("ui/admin/groups.html", groups=found, error=error), status


@bp.post("/groupes")
def create_group():
    name = request.form.get("name", "")
    try:
        users.create_group(db(), name, actor=principal())
    except Conflict:
        return groups_page(_("Ce groupe existe déjà."), 400)
    except InvalidInput:
        return groups_page(_("Le nom d'un groupe compte de 1 à 150 caractères."), 400)
    flash(_("Groupe « {name} » créé.", name=name.strip()), "success")
    return redirect(url_for("ui.admin.groups_page"))


@bp.get("/services")
def units(error: str | None = None, status: int = 200):
    return render_template(
        "ui/admin/units.html", units=queries.unit_names(db()), error=error
    ), status


@bp.post("/services")
def create_unit():
    name = request.form.get("name", "")
    try:
        users.create_unit(db(), name, actor=principal())
    except Conflict:
        return units(_("Ce service existe déjà."), 400)
    except InvalidInput:
        return units(_("Le nom d'un service compte de 1 à 200 caractères."), 400)
    flash(_("Service « {name} » créé.", name=" ".join(name.split())), "success")
    return redirect(url_for("ui.admin.units"))
