"""The audit trail's use cases: consulting, exporting, verifying, sealing and purging it.

Each takes the unit of work and the caller's Principal and is allowed by its line of
ged.access.RULES: ``audit.events``, ``audit.export`` and ``audit.verify`` for auditors
and administrators, ``audit.seal`` (which time-stamping falls under) and ``audit.purge``
for administrators. A refusal
raises PermissionDenied naming the rule, and the entry point's one error handler
records it; reading the log is itself recorded, as before, in its own commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from ged.access import Principal, authorize
from ged.audit import purge as retention
from ged.audit import query
from ged.audit.chain import record
from ged.audit.export import MEDIA_TYPES, bundle_chunks, check_export, csv_chunks, jsonl_chunks
from ged.audit.query import EventFilters, EventPage, iter_events
from ged.audit.seal import load_public_key, seal_checkpoint
from ged.audit.timestamp import StampRound, stamp_pending
from ged.audit.tsa import load_roots
from ged.audit.verify import VerifyResult, verify_database
from ged.models import AuditCheckpoint
from ged.uow import UnitOfWork


def search_events(
    uow: UnitOfWork, principal: Principal, filters: EventFilters, page: int, size: int
) -> EventPage:
    """One page of the matching events, newest first; the consultation is recorded."""
    authorize(principal, "audit.events")
    return query.search_events(uow.session, principal, filters, page, size)


@dataclass(frozen=True)
class AuditExport:
    """An export that was allowed and recorded: what export_chunks streams."""

    filters: EventFilters
    format: str
    #: what a download is named, after the moment it was asked for
    filename: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def start_export(
    uow: UnitOfWork, principal: Principal, filters: EventFilters, fmt: str
) -> AuditExport:
    """Check the request and record the export, committed before a single row leaves:
    an export that fails half-way has still been recorded."""
    authorize(principal, "audit.export")
    check_export(filters, fmt)
    record(uow.session, principal, "audit.export", details={"format": fmt, **filters.as_details()})
    uow.commit()
    extension = {"bundle": "zip"}.get(fmt, fmt)
    return AuditExport(filters, fmt, f"audit-{uow.clock.now():%Y%m%dT%H%M%SZ}.{extension}")


def export_chunks(uow: UnitOfWork, export: AuditExport) -> Iterator[str] | Iterator[bytes]:
    """The content of a started export, streamed: text chunks for CSV and JSON Lines, zip
    bytes for a bundle. A web answer streams after its view has returned, so give it a
    unit of work of its own, held open until the last chunk."""
    if export.format == "bundle":
        public_key = load_public_key(uow.settings.audit.key_file)
        ca_file = uow.settings.audit.tsa_ca_file
        tsa_roots = load_roots(ca_file) if ca_file is not None else None
        return bundle_chunks(uow.session, export.filters, public_key, tsa_roots)
    chunks = csv_chunks if export.format == "csv" else jsonl_chunks
    return chunks(iter_events(uow.session, export.filters))


def verify_log(
    uow: UnitOfWork, principal: Principal, require_timestamps: bool = False
) -> VerifyResult:
    """Verify both streams' chains, checkpoints and time-stamps (``require_timestamps``: a
    checkpoint without one fails it), then record that they were verified and how."""
    authorize(principal, "audit.verify")
    result = verify_database(uow.session, uow.settings, require_timestamps)
    record(
        uow.session,
        principal,
        "audit.verify",
        details={
            "ok": result.ok,
            "checked": result.checked,
            "stream": result.stream,
            "first_broken_seq": result.first_broken_seq,
            "reason": result.reason,
        },
    )
    uow.commit()
    return result


def seal(uow: UnitOfWork, principal: Principal) -> list[AuditCheckpoint]:
    """Sign a checkpoint over the current head of each stream's chain now (committed)."""
    authorize(principal, "audit.seal")
    return seal_checkpoint(uow.session, uow.settings)


def stamp(uow: UnitOfWork, principal: Principal) -> StampRound:
    """Ask the TSA now for the checkpoints' time-stamps still pending (the workers do it
    every sweep); committed one by one. Not recorded: a time-stamp is no event (see
    ged.audit.timestamp)."""
    authorize(principal, "audit.seal")
    return stamp_pending(uow.session, uow.settings)


def purge(uow: UnitOfWork, principal: Principal, before: datetime | None) -> retention.Purge:
    """Delete the access-log events recorded before ``before`` (default:
    ``access_retention_days`` ago), sealing the last one removed; recorded as
    ``audit.purge`` in the lifecycle journal, which is never purged (committed).

    ged.audit.purge commits by itself because the workers' daily purge calls it too."""
    authorize(principal, "audit.purge")
    return retention.purge(uow.session, uow.settings, before, principal)
