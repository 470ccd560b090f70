"""Retention rules (the tableau de gestion), documents' events, and what the document
answer says of its retention."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictInt, model_validator
from pydantic.json_schema import SkipJsonSchema

from ged.models import Document, DocumentEvent, RetentionRule
from ged.services.retention import MAX_REFERENCE, MAX_YEARS
from ged.timeutil import iso
from ged.web.api.schemas.common import (
    Absent,
    Day,
    Input,
    IsoDate,
    Name,
    Output,
    Paged,
    PageQuery,
    Timestamp,
)

StartEvent = Literal["document_date", "created", "event"]
FinalAction = Literal["keep", "transfer", "destroy", "sort"]
EventName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


def _whole(value: Any) -> Any:
    # JSON Schema counts 5.0 as an integer; pydantic's strict int does not
    return int(value) if isinstance(value, float) and value.is_integer() else value


Years = Annotated[StrictInt, Field(ge=0, le=MAX_YEARS), BeforeValidator(_whole)]
Months = Annotated[StrictInt, Field(ge=0, le=11), BeforeValidator(_whole)]
Reference = Annotated[str, Field(max_length=MAX_REFERENCE)]

_RULE_EXAMPLE = {
    "document_type": "contrat",
    "unit": None,
    "duration_years": 5,
    "duration_months": 0,
    "start_event": "event",
    "event_name": "contract_ended",
    "final_action": "sort",
    "reference": "Contrats et marchés : 5 ans après leur fin, tri",
}


class NewRule(Input):
    model_config = Input.model_config | {"json_schema_extra": {"examples": [_RULE_EXAMPLE]}}

    document_type: Name = Field(description="the type's code, e.g. facture")
    unit: Name | None = Field(None, description="a unit's name; null: every unit")
    duration_years: Years = 0
    duration_months: Months = 0
    start_event: StartEvent = Field(
        "document_date",
        description="the document's date, the day it was filed, or an event recorded later",
    )
    event_name: EventName | None = Field(None, description='required when start_event is "event"')
    final_action: FinalAction = Field(description="keep never falls due; the others do")
    reference: Reference = Field("", description="the line of the tableau de gestion")


class RuleEdit(Input):
    """The terms to change; the rule in force is superseded by a new version."""

    model_config = Input.model_config | {
        "json_schema_extra": {"minProperties": 1, "examples": [{"duration_years": 6}]}
    }

    duration_years: Years | SkipJsonSchema[None] = Absent()
    duration_months: Months | SkipJsonSchema[None] = Absent()
    start_event: StartEvent | SkipJsonSchema[None] = Absent()
    event_name: EventName | None = Field(None, description='null unless start_event is "event"')
    final_action: FinalAction | SkipJsonSchema[None] = Absent()
    reference: Reference | SkipJsonSchema[None] = Absent()

    @model_validator(mode="after")
    def _something(self) -> RuleEdit:
        if not self.model_fields_set:
            raise ValueError("send a JSON object with the terms to change")
        for name in self.model_fields_set - {"event_name"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class RuleQuery(PageQuery):
    document_type: Name | None = Field(None, description="only this type's rules")


class RuleOut(Output):
    id: int
    version: int
    document_type: str
    unit: str | None
    duration_years: int
    duration_months: int
    start_event: StartEvent
    event_name: str | None
    final_action: FinalAction
    reference: str
    created_at: Timestamp
    created_by: str | None
    in_force: bool
    superseded_at: Timestamp | None

    @classmethod
    def of(cls, rule: RetentionRule) -> RuleOut:
        return cls(
            id=rule.id,
            version=rule.version,
            document_type=rule.document_type.code,
            unit=rule.unit.name if rule.unit else None,
            duration_years=rule.duration_years,
            duration_months=rule.duration_months,
            start_event=rule.start_event,  # type: ignore[arg-type]
            event_name=rule.event_name,
            final_action=rule.final_action,  # type: ignore[arg-type]
            reference=rule.reference,
            created_at=iso(rule.created_at),
            created_by=rule.created_by.username if rule.created_by else None,
            in_force=rule.superseded_at is None,
            superseded_at=iso(rule.superseded_at),
        )


class RulePage(Paged):
    rules: list[RuleOut]


class DocumentRetention(Output):
    """The rule a document follows and when its period ends."""

    rule_id: int | None = Field(description="the exact rule row applied; null: no rule applies")
    rule_version: int | None
    final_action: FinalAction | None
    reference: str | None
    due_date: Day | None = Field(
        description="null without a rule, for a rule that keeps, or while the start is unknown"
    )

    @classmethod
    def of(cls, document: Document) -> DocumentRetention:
        rule = document.retention_rule
        return cls(
            rule_id=rule.id if rule else None,
            rule_version=rule.version if rule else None,
            final_action=rule.final_action if rule else None,  # type: ignore[arg-type]
            reference=rule.reference if rule else None,
            due_date=document.due_date.isoformat() if document.due_date else None,
        )


class UnruledDocument(Output):
    id: int
    title: str
    document_type: str | None
    unit: str | None
    document_date: Day | None

    @classmethod
    def of(cls, document: Document) -> UnruledDocument:
        return cls(
            id=document.id,
            title=document.title,
            document_type=document.document_type.code if document.document_type else None,
            unit=document.unit.name if document.unit else None,
            document_date=document.document_date.isoformat() if document.document_date else None,
        )


class UnruledPage(Paged):
    documents: list[UnruledDocument]


class EventIn(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {"examples": [{"date": "2026-06-30"}]}
    }

    date: IsoDate = Field(description="YYYY-MM-DD")


class EventOut(Output):
    name: str
    date: Day
    recorded_at: Timestamp

    @classmethod
    def of(cls, event: DocumentEvent) -> EventOut:
        return cls(name=event.name, date=event.date.isoformat(), recorded_at=iso(event.recorded_at))


class EventList(Output):
    events: list[EventOut]
