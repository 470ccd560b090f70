"""The legal holds page (gels): the holds in force and those released; archivists and
administrators place a hold on documents (by number or by a search) and release it, each
time saying why.

Who may see, place or release holds is the services' decision (hold.read, hold.place,
hold.release); the services also refuse what a page might let through.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for

from ged.errors import Conflict, InvalidInput
from ged.models import LegalHold
from ged.services import holds
from ged.services.paging import Page
from ged.web.context import principal, uow
from ged.web.ui.forms import Errors, parse_day, read_selection
from ged.web.ui.i18n import translate as _
from ged.web.ui.i18n import translate_plural as _n

bp = APIBlueprint("holds", __name__, url_prefix="/gels", enable_openapi=False)

PAGE_SIZE = 50


@bp.get("")
def page(errors: Errors | None = None, values=None, status: int = 200):
    work, caller = uow(), principal()
    number = max(request.args.get("page", 1, type=int), 1)
    return render_template(
        "ui/lifecycle/holds.html",
        current=holds.list_holds(work, caller, Page(1, PAGE_SIZE), current=True),
        ended=holds.list_holds(work, caller, Page(number, PAGE_SIZE), current=False),
        errors=errors or {},
        values=values or {},
    ), status


@bp.post("")
def place():
    form = request.form
    errors: Errors = {}
    reason = form.get("reason", "").strip()
    if not reason:
        errors["reason"] = _("Dites pourquoi : un contentieux, une enquête, une demande.")
    ends_on = parse_day(form.get("ends_on", ""), "ends_on", errors)
    selection = read_selection(form, errors)
    if not errors:
        try:
            hold = holds.place_hold(uow(), principal(), reason, selection, ends_on)
        except (InvalidInput, Conflict) as refused:
            field = getattr(refused, "field", None)
            errors[field if field in ("reason", "ends_on") else "ids"] = reason(refused)
        else:
            return placed(hold)
    return page(errors, form, 400)


def placed(hold: LegalHold):
    """Said once a hold is placed, on the holds' page (from this form or the search's)."""
    flash(
        _n(
            "Gel n° {id} posé sur {count} document.",
            "Gel n° {id} posé sur {count} documents.",
            hold.document_count,
            id=hold.id,
        ),
        "success",
    )
    return redirect(url_for("ui.holds.page"))


@bp.post("/<int:hold_id>/lever")
def release(hold_id: int):
    reason = request.form.get("release_reason", "").strip()
    if not reason:
        flash(_("Le gel n° {id} n'est pas levé : dites pourquoi.", id=hold_id), "error")
        return redirect(url_for("ui.holds.page"))
    holds.release_hold(uow(), principal(), hold_id, reason)
    flash(_("Gel n° {id} levé.", id=hold_id), "success")
    return redirect(url_for("ui.holds.page"))
