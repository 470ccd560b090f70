"""A unit's grants, which every document of the unit inherits (unless it says otherwise):
for archivists and administrators, from the units' page. The services decide who may
(rules unit.acl.read and unit.acl), audit the look and the change, and refresh the index
of every document of the unit."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for

from ged.errors import InvalidInput
from ged.services import catalog
from ged.services.acl import replace_unit_acl, unit_acl
from ged.web.context import principal, uow
from ged.web.ui.forms import Errors, read_grants
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("unit_access", __name__, url_prefix="/admin/services", enable_openapi=False)


@bp.get("/<unit_name>/acces")
def page(unit_name: str, errors: Errors | None = None, status: int = 200):
    work, caller = uow(), principal()
    acl = unit_acl(work, caller, unit_name)
    return render_template(
        "ui/admin/unit_acl.html",
        acl=acl,
        grant_principals=catalog.grant_principals(work, caller),
        errors=errors or {},
    ), status


@bp.post("/<unit_name>/acces")
def replace(unit_name: str):
    try:
        replace_unit_acl(uow(), principal(), unit_name, read_grants(request.form))
    except InvalidInput as refused:
        # Nothing was changed: the page again, its grants as they are, with the reason.
        uow().rollback()
        return page(
            unit_name, {"grants": _("Droits non modifiés : {reason}", reason=reason(refused))}, 400
        )
    flash(_("Droits du service « {unit} » enregistrés.", unit=unit_name), "success")
    return redirect(url_for("ui.unit_access.page", unit_name=unit_name))
