"""/api/v1/retention: the retention rules (tableau de gestion) and the documents no rule
covers; /api/v1/documents/{id}/events: the dated events a rule may count from."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import document_events, retention
from ged.services.paging import Page
from ged.services.retention import RuleTerms
from ged.web.api.contract import errors
from ged.web.api.paging import LINKS, paged
from ged.web.api.schemas.common import PageQuery
from ged.web.api.schemas.retention import (
    EventIn,
    EventList,
    EventOut,
    NewRule,
    RuleEdit,
    RuleOut,
    RulePage,
    RuleQuery,
    UnruledDocument,
    UnruledPage,
)
from ged.web.context import principal, uow

bp = APIBlueprint("retention", __name__, url_prefix="/api/v1", tag="Retention")


@bp.get("/retention/rules")
@bp.input(RuleQuery, location="query")
@bp.output(RulePage, description="one page of the rules in force", headers=LINKS)
@bp.doc(summary="Retention rules in force, by type then unit", responses=errors(403))
def list_rules(query_data: RuleQuery):
    page = Page(query_data.page, query_data.size)
    found = retention.list_rules(uow(), principal(), page, query_data.document_type)
    return paged(found, "rules", [RuleOut.of(rule) for rule in found.items])


@bp.post("/retention/rules")
@bp.input(NewRule, location="json")
@bp.output(RuleOut, status_code=201, description="in force; due dates of the type recomputed")
@bp.doc(
    summary="Create the retention rule of a type, in one unit or in every unit",
    responses=errors(403, 409, 415),
)
def create_rule(json_data: NewRule):
    terms = RuleTerms(
        duration_years=json_data.duration_years,
        duration_months=json_data.duration_months,
        start_event=json_data.start_event,
        event_name=json_data.event_name,
        final_action=json_data.final_action,
        reference=json_data.reference,
    )
    rule = retention.create_rule(uow(), principal(), json_data.document_type, json_data.unit, terms)
    return RuleOut.of(rule), 201


@bp.get("/retention/rules/<int:rule_id>")
@bp.output(RuleOut, description="the rule row, in force or superseded")
@bp.doc(summary="One version of a retention rule", responses=errors(403, 404))
def read_rule(rule_id: int):
    return RuleOut.of(retention.read_rule(uow(), principal(), rule_id))


@bp.patch("/retention/rules/<int:rule_id>")
@bp.input(RuleEdit, location="json")
@bp.output(RuleOut, description="the new version, in force")
@bp.doc(
    summary="Edit a rule in force: a new version supersedes it",
    description="Only the row in force may be edited (409 otherwise: read the rules again); "
    "the due dates of the type are recomputed.",
    responses=errors(403, 404, 409, 415),
)
def edit_rule(rule_id: int, json_data: RuleEdit):
    return RuleOut.of(retention.edit_rule(uow(), principal(), rule_id, json_data.changes()))


@bp.delete("/retention/rules/<int:rule_id>")
@bp.output({}, status_code=204, description="superseded without a successor")
@bp.doc(
    summary="Remove a rule: its documents fall back to the type's all-units rule, or to none",
    responses=errors(403, 404, 409),
)
def remove_rule(rule_id: int):
    retention.remove_rule(uow(), principal(), rule_id)
    return ""


@bp.get("/retention/rules/<int:rule_id>/history")
@bp.input(PageQuery, location="query")
@bp.output(RulePage, description="every version for the rule's type and unit", headers=LINKS)
@bp.doc(summary="The versions of a rule, oldest first", responses=errors(403, 404))
def rule_history(rule_id: int, query_data: PageQuery):
    page = Page(query_data.page, query_data.size)
    found = retention.rule_history(uow(), principal(), rule_id, page)
    return paged(found, "rules", [RuleOut.of(rule) for rule in found.items])


@bp.get("/retention/unruled")
@bp.input(PageQuery, location="query")
@bp.output(UnruledPage, description="one page of readable documents no rule covers")
@bp.doc(summary="Active documents without a retention rule", responses=errors(403))
def unruled(query_data: PageQuery):
    page = Page(query_data.page, query_data.size)
    found = retention.unruled_documents(uow(), principal(), page)
    return paged(found, "documents", [UnruledDocument.of(doc) for doc in found.items])


@bp.get("/documents/<int:document_id>/events")
@bp.output(EventList, description="the document's dated events")
@bp.doc(summary="Events recorded on a document, by date", responses=errors(404))
def list_events(document_id: int):
    found = document_events.list_events(uow(), principal(), document_id)
    return EventList(events=[EventOut.of(event) for event in found])


@bp.put("/documents/<int:document_id>/events/<event_name>")
@bp.input(EventIn, location="json")
@bp.output(EventOut, description="recorded; the document's due date recomputed")
@bp.doc(
    summary="Record or move a dated event of a document (e.g. contract_ended)",
    responses=errors(403, 404, 415),
)
def record_event(document_id: int, event_name: str, json_data: EventIn):
    event = document_events.record_event(
        uow(), principal(), document_id, event_name, json_data.date
    )
    return EventOut.of(event)
