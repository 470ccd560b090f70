"""The retention rules page (tableau de gestion): the rules in force, their history, and
the documents no rule covers; archivists and administrators create, edit and remove rules.

Who may read or change them is the services' decision (retention.read, retention.manage).
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ged.errors import Conflict, InvalidInput
from ged.models import FINAL_ACTIONS, START_EVENTS
from ged.services import catalog, retention
from ged.services.paging import Page
from ged.services.retention import MAX_YEARS, RuleTerms, terms_of
from ged.web.context import principal, uow
from ged.web.ui.forms import Errors
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("retention", __name__, url_prefix="/conservation", enable_openapi=False)

#: the rules of a tableau de gestion fit on one page; the unruled documents are a sample
RULES_SHOWN, UNRULED_SHOWN = 200, 20
#: the form's fields, in the order of its error summary
FIELDS = (
    "document_type",
    "unit",
    "duration_years",
    "duration_months",
    "start_event",
    "event_name",
    "final_action",
    "reference",
)


@bp.get("/regles")
def rules(errors: Errors | None = None, values=None, status: int = 200):
    work, caller = uow(), principal()
    return render_template(
        "ui/lifecycle/rules.html",
        rules=retention.list_rules(work, caller, Page(1, RULES_SHOWN)),
        unruled=retention.unruled_documents(work, caller, Page(1, UNRULED_SHOWN)),
        type_options=[(kind.code, kind.label) for kind in catalog.document_types(work, caller)],
        unit_options=[(name, name) for name in catalog.unit_names(work, caller)],
        errors=errors or {},
        values=values or {"start_event": "document_date", "final_action": "destroy"},
    ), status


@bp.post("/regles")
def create():
    terms, errors = read_terms(request.form)
    document_type = request.form.get("document_type", "")
    unit = request.form.get("unit") or None
    if not document_type:
        errors["document_type"] = _("Choisissez le type de document.")
    if not errors:
        try:
            rule = retention.create_rule(uow(), principal(), document_type, unit, terms)
        except (InvalidInput, Conflict) as refused:
            errors[_field_of(refused)] = reason(refused)
        else:
            flash(_("Règle n° {id} en vigueur.", id=rule.id), "success")
            return redirect(url_for("ui.retention.rules"))
    return rules(errors, request.form, 400)


@bp.get("/regles/<int:rule_id>")
def rule(rule_id: int, errors: Errors | None = None, values=None, status: int = 200):
    work, caller = uow(), principal()
    found = retention.read_rule(work, caller, rule_id)
    return render_template(
        "ui/lifecycle/rule.html",
        rule=found,
        history=retention.rule_history(work, caller, rule_id, Page(1, RULES_SHOWN)).items,
        errors=errors or {},
        values=values or _values(terms_of(found)),
    ), status


@bp.post("/regles/<int:rule_id>")
def edit(rule_id: int):
    terms, errors = read_terms(request.form)
    if not errors:
        try:
            changes = {name: getattr(terms, name) for name in retention.TERMS}
            new = retention.edit_rule(uow(), principal(), rule_id, changes)
        except (InvalidInput, Conflict) as refused:
            errors[_field_of(refused)] = reason(refused)
        else:
            flash(_("Règle modifiée : la version {n} est en vigueur.", n=new.version), "success")
            return redirect(url_for("ui.retention.rule", rule_id=new.id))
    return rule(rule_id, errors, request.form, 400)


@bp.post("/regles/<int:rule_id>/supprimer")
def remove(rule_id: int):
    retention.remove_rule(uow(), principal(), rule_id)
    flash(_("Règle n° {id} retirée.", id=rule_id), "success")
    return redirect(url_for("ui.retention.rules"))


def read_terms(form: MultiDict) -> tuple[RuleTerms, Errors]:
    """The rule's terms as typed; the service checks them again and stays the authority."""
    errors: Errors = {}
    years = _number(form, "duration_years", MAX_YEARS, errors)
    months = _number(form, "duration_months", 11, errors)
    start_event = form.get("start_event", "")
    if start_event not in START_EVENTS:
        errors["start_event"] = _("Choisissez à partir de quand la durée compte.")
    event_name = form.get("event_name", "").strip() or None
    if start_event == "event" and event_name is None:
        errors["event_name"] = _("Nommez l'événement, par exemple contract_ended.")
    final_action = form.get("final_action", "")
    if final_action not in FINAL_ACTIONS:
        errors["final_action"] = _("Choisissez le sort final.")
    terms = RuleTerms(
        duration_years=years,
        duration_months=months,
        start_event=start_event,
        event_name=event_name if start_event == "event" else None,
        final_action=final_action,
        reference=form.get("reference", "").strip(),
    )
    return terms, errors


def _number(form: MultiDict, name: str, bound: int, errors: Errors) -> int:
    text = form.get(name, "").strip() or "0"
    if not text.isdigit() or int(text) > bound:
        errors[name] = _("Un nombre entier de 0 à {n}.", n=bound)
        return 0
    return int(text)


def _field_of(refused: InvalidInput | Conflict) -> str:
    field = getattr(refused, "field", None)
    return field if field in FIELDS else "document_type"


def _values(terms: RuleTerms) -> dict[str, object]:
    values = {name: getattr(terms, name) for name in retention.TERMS}
    values["event_name"] = terms.event_name or ""
    return values
