"""``ged retention``: the retention rules; ``ged hold``: legal holds on documents."""

from __future__ import annotations

from datetime import datetime

import click

from ged.access import command_line
from ged.cli.invocation import unit_of_work
from ged.errors import NotFound
from ged.models import FINAL_ACTIONS, START_EVENTS, LegalHold, RetentionRule
from ged.services import holds, retention
from ged.services.retention import RuleTerms


@click.group("retention")
def retention_group() -> None:
    """Retention rules (durées d'utilité administrative) per document type and unit."""


def _duration(rule: RetentionRule) -> str:
    parts = [f"{rule.duration_years} an(s)"] if rule.duration_years else []
    if rule.duration_months:
        parts.append(f"{rule.duration_months} mois")
    return " ".join(parts) or "0"


def _start(rule: RetentionRule) -> str:
    return f"event:{rule.event_name}" if rule.start_event == "event" else rule.start_event


def _rule_line(rule: RetentionRule) -> str:
    unit = rule.unit.name if rule.unit else "*"
    return (
        f"{rule.id}\tv{rule.version}\t{rule.document_type.code}\t{unit}\t{_duration(rule)}\t"
        f"{_start(rule)}\t{rule.final_action}\t{rule.reference}"
    )


@retention_group.command("list")
@click.option("--type", "document_type", help="Only this document type's rules.")
@click.pass_context
def retention_list(ctx: click.Context, document_type: str | None) -> None:
    """Print the rules in force: id, version, type, unit (* for every unit), duration,
    start, final action, reference."""
    with unit_of_work(ctx) as uow:
        for rule in retention.list_rules(uow, command_line(), None, document_type).items:
            click.echo(_rule_line(rule))


@retention_group.command("set")
@click.argument("document_type")
@click.option("--unit", help="Only in this unit (default: every unit without a rule of its own).")
@click.option("--years", type=click.IntRange(0), default=0, show_default=True)
@click.option("--months", type=click.IntRange(0), default=0, show_default=True)
@click.option(
    "--from",
    "start_event",
    type=click.Choice(START_EVENTS),
    default="document_date",
    show_default=True,
    help="What the duration counts from.",
)
@click.option("--event", "event_name", help="The event counted from, with --from event.")
@click.option("--action", "final_action", type=click.Choice(FINAL_ACTIONS), required=True)
@click.option("--reference", default="", help="The line of the tableau de gestion.")
@click.pass_context
def retention_set(
    ctx: click.Context,
    document_type: str,
    unit: str | None,
    years: int,
    months: int,
    start_event: str,
    event_name: str | None,
    final_action: str,
    reference: str,
) -> None:
    """Create the rule of DOCUMENT_TYPE (a type code), or edit the one in force (a new
    version supersedes it); the type's due dates are recomputed."""
    terms = RuleTerms(years, months, start_event, event_name, final_action, reference)
    with unit_of_work(ctx) as uow:
        rule = retention.set_rule(uow, command_line(), document_type, unit, terms)
        click.echo(_rule_line(rule))


@retention_group.command("remove")
@click.argument("document_type")
@click.option("--unit", help="The unit's own rule (default: the rule of every unit).")
@click.pass_context
def retention_remove(ctx: click.Context, document_type: str, unit: str | None) -> None:
    """Remove the rule in force of DOCUMENT_TYPE (in --unit, or in every unit)."""
    with unit_of_work(ctx) as uow:
        rule = retention.find_rule(uow, command_line(), document_type, unit)
        if rule is None:
            where = f"unit {unit!r}" if unit else "every unit"
            raise NotFound(f"no rule is in force for type {document_type!r} in {where}")
        retention.remove_rule(uow, command_line(), rule.id)
        click.echo(f"rule {rule.id} (version {rule.version}) removed", err=True)


@click.group("hold")
def hold_group() -> None:
    """Legal holds (gels): documents no one may delete while they are in force."""


def _hold_line(hold: LegalHold) -> str:
    state = "in force" if holds.is_in_force(hold) else "ended"
    until = hold.ends_on.isoformat() if hold.ends_on else "-"
    return f"{hold.id}\t{state}\t{hold.document_count} document(s)\tuntil {until}\t{hold.reason}"


@hold_group.command("place")
@click.argument("document_ids", nargs=-1, type=click.IntRange(1), required=True)
@click.option("--reason", required=True, help="Why (shown to whoever is refused a deletion).")
@click.option("--until", "ends_on", type=click.DateTime(["%Y-%m-%d"]), help="Last day it applies.")
@click.pass_context
def hold_place(
    ctx: click.Context, document_ids: tuple[int, ...], reason: str, ends_on: datetime | None
) -> None:
    """Hold the documents DOCUMENT_IDS."""
    last_day = ends_on.date() if ends_on else None
    with unit_of_work(ctx) as uow:
        hold = holds.place_hold(uow, command_line(), reason, {"ids": list(document_ids)}, last_day)
        click.echo(_hold_line(hold))


@hold_group.command("release")
@click.argument("hold_id", type=int)
@click.option("--reason", required=True, help="Why the hold ends.")
@click.pass_context
def hold_release(ctx: click.Context, hold_id: int, reason: str) -> None:
    """Release the hold HOLD_ID."""
    with unit_of_work(ctx) as uow:
        hold = holds.release_hold(uow, command_line(), hold_id, reason)
        click.echo(_hold_line(hold))


@hold_group.command("list")
@click.option("--all", "everything", is_flag=True, help="Ended holds too.")
@click.pass_context
def hold_list(ctx: click.Context, everything: bool) -> None:
    """Print the holds in force (newest first): id, state, documents, last day, reason."""
    with unit_of_work(ctx) as uow:
        found = holds.list_holds(uow, command_line(), None, None if everything else True)
        for hold in found.items:
            click.echo(_hold_line(hold))


COMMANDS = (retention_group, hold_group)
