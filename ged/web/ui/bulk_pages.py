"""Bulk edits from the search results: the documents ticked, or every result of the search,
given a new type or unit, tags added or removed, a grant added (the API's bulk job), or
placed under a legal hold; a confirmation that says how many, then the job's progress.

Everything travels in the form, from the search page to the confirmation (GET, so the
back button works) and from there to the start (POST). Who may do what, and which
documents each one may change, is the services' decision: a document the requester may
not change is listed in the job's errors, not silently skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ged.access import may
from ged.errors import Conflict, InvalidInput
from ged.services import bulk, catalog, holds
from ged.services.document_fields import clean_tag_names
from ged.web.context import principal, uow
from ged.web.ui import hold_pages
from ged.web.ui.formatting import PERMISSION_LABELS
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("bulk", __name__, enable_openapi=False)

#: what the search page offers to do, by the bulk operation it runs ("hold": a legal hold)
ACTIONS = {
    "set_document_type": "Changer le type",
    "set_unit": "Changer le service",
    "add_tags": "Ajouter des étiquettes",
    "remove_tags": "Retirer des étiquettes",
    "add_grants": "Donner un droit d'accès",
    "hold": "Placer sous gel",
}
#: the search page's parameters that a "whole search" selection takes, as the search does
SEARCH_LISTS = ("document_type", "unit", "tag", "mime_type")
SEARCH_VALUES = ("date_from", "date_to")
JOB_STATUSES = {
    "queued": "En attente d'un processus de traitement",
    "running": "En cours",
    "done": "Terminée",
    "failed": "Arrêtée",
}


@dataclass(frozen=True)
class Plan:
    """A bulk edit as read from the form: what to do, to which documents."""

    action: str
    selection: dict[str, Any]
    operation: dict[str, Any] | None = None
    hold_reason: str = ""


class Unfilled(Exception):
    """The form lacks what the action needs: said on the search page, to fill it there."""


def form_choices() -> dict[str, Any] | None:
    """What the search page's bulk form offers the caller; None to those who may do none
    of it (the services refuse them anyway)."""
    caller = principal()
    actions = {
        name: text
        for name, text in ACTIONS.items()
        if may(caller, "hold.place" if name == "hold" else "bulk.start")
    }
    if not actions:
        return None
    work = uow()
    return {
        "actions": actions,
        "types": [(kind.code, kind.label) for kind in catalog.document_types(work, caller)],
        "units": [(name, name) for name in catalog.unit_names(work, caller)],
        "principals": catalog.grant_principals(work, caller),
        "bound": work.settings.api.bulk_max_documents,
    }


@bp.get("/recherche/modification")
def confirm():
    """How many documents, and what will be done to them: to confirm, or go back."""
    form = request.args
    try:
        plan = _plan(form)
        if plan.action == "hold":
            count, matched = holds.preview_hold(uow(), principal(), plan.selection)
            bound = uow().settings.api.bulk_max_documents
        else:
            preview = bulk.preview_bulk(uow(), principal(), _request(plan))
            count, matched, bound = preview.count, preview.matched, preview.bound
    except Unfilled as missing:
        flash(str(missing), "error")
        return redirect(_search_url(form))
    except InvalidInput as refused:
        flash(_("Modification refusée : {reason}", reason=reason(refused)), "error")
        return redirect(_search_url(form))
    return render_template(
        "ui/bulk_confirm.html",
        plan=plan,
        count=count,
        matched=matched,
        bound=bound,
        action_label=_(ACTIONS[plan.action]),
        change=_change_words(plan),
        carried=list(form.items(multi=True)),
        back=_search_url(form),
    )


@bp.post("/recherche/modification")
def start():
    form = request.form
    try:
        plan = _plan(form)
        if plan.action == "hold":
            hold = holds.place_hold(uow(), principal(), plan.hold_reason, plan.selection)
        else:
            job = bulk.start_bulk(uow(), principal(), _request(plan))
    except Unfilled as missing:
        flash(str(missing), "error")
        return redirect(_search_url(form))
    except (InvalidInput, Conflict) as refused:
        flash(_("Modification refusée : {reason}", reason=reason(refused)), "error")
        return redirect(_search_url(form))
    if plan.action == "hold":
        return hold_pages.placed(hold)
    return redirect(url_for("ui.bulk.job", job_id=job.id))


@bp.get("/travaux/<int:job_id>")
def job(job_id: int):
    """A bulk job's progress; the page polls the API's job while it runs (progress.js),
    and without JavaScript is simply reloaded."""
    found = bulk.read_job(uow(), principal(), job_id)
    operation = found.request["operation"]
    return render_template(
        "ui/bulk_job.html",
        job=found,
        action_label=_(ACTIONS.get(operation["kind"], operation["kind"])),
        change=_operation_words(operation),
        status_labels=JOB_STATUSES,
    )


def _plan(form: MultiDict) -> Plan:
    action = form.get("action", "")
    if action not in ACTIONS:
        raise Unfilled(_("Choisissez l'action à appliquer aux documents."))
    selection = _selection(form)
    if action == "hold":
        reason = form.get("hold_reason", "").strip()
        if not reason:
            raise Unfilled(_("Dites pourquoi : un contentieux, une enquête, une demande."))
        return Plan(action, selection, hold_reason=reason)
    return Plan(action, selection, operation=_operation(action, form))


def _selection(form: MultiDict) -> dict[str, Any]:
    if form.get("scope") == "search":
        filters: dict[str, Any] = {
            name: form.getlist(name) for name in SEARCH_LISTS if form.getlist(name)
        }
        filters.update({name: form[name] for name in SEARCH_VALUES if form.get(name)})
        search = {"q": form.get("q", ""), "filters": filters}
        if form.get("sort") == "date":
            search["sort"] = "date"
        return {"search": search}
    ids = [int(value) for value in form.getlist("ids") if value.isdigit()]
    if not ids:
        raise Unfilled(_("Cochez au moins un document, ou prenez tous les résultats."))
    return {"ids": list(dict.fromkeys(ids))}


def _operation(action: str, form: MultiDict) -> dict[str, Any]:
    if action == "set_document_type":
        code = form.get("document_type", "").strip()
        if not code:
            raise Unfilled(_("Choisissez le nouveau type."))
        return {"kind": action, "document_type": code}
    if action == "set_unit":
        unit = form.get("unit", "").strip()
        if not unit:
            raise Unfilled(_("Choisissez le nouveau service."))
        return {"kind": action, "unit": unit}
    if action in ("add_tags", "remove_tags"):
        tags = clean_tag_names(tuple(form.get("tags", "").split(",")))
        if not tags:
            raise Unfilled(_("Donnez au moins une étiquette."))
        return {"kind": action, "tags": list(tags)}
    who, permission = form.get("grant_principal", ""), form.get("grant_permission", "")
    if not who or not permission:
        raise Unfilled(_("Choisissez la personne ou le groupe, et le droit à donner."))
    return {"kind": action, "grants": [{"principal": who, "permission": permission}]}


def _request(plan: Plan) -> dict[str, Any]:
    return {"operation": plan.operation, "selection": plan.selection}


def _change_words(plan: Plan) -> str:
    if plan.action == "hold":
        return plan.hold_reason
    return _operation_words(plan.operation or {})


def _operation_words(operation: dict[str, Any]) -> str:
    """The operation's value, as the confirmation and the job's page say it."""
    kind = operation.get("kind")
    if kind == "set_document_type":
        code = operation.get("document_type") or ""
        return catalog.type_labels(uow(), principal()).get(code, code)
    if kind == "set_unit":
        return operation.get("unit") or ""
    if kind in ("add_tags", "remove_tags", "replace_tags"):
        return ", ".join(operation.get("tags", []))
    grants = operation.get("grants", [])
    return ", ".join(
        f"{grant['principal']} ({_(PERMISSION_LABELS.get(grant['permission'], grant['permission']))})"
        for grant in grants
    )


def _search_url(form: MultiDict) -> str:
    """Back to the search the form came from, with its query and filters."""
    kept = [
        (name, value)
        for name, value in form.items(multi=True)
        if name in ("q", "sort", *SEARCH_LISTS, *SEARCH_VALUES) and value
    ]
    return url_for("ui.search.page") + (f"?{urlencode(kept)}" if kept else "")
