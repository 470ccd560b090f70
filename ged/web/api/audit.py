"""/api/v1/audit: events, export and verification of the audit trail (auditors, administrators).

Every call is itself audited, refused ones too (outcome "denied").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from apiflask import APIBlueprint
from flask import Response, request, stream_with_context

from ged.audit.export import MEDIA_TYPES, bundle_chunks, csv_chunks, jsonl_chunks, start_export
from ged.audit.query import EventFilters, iter_events, parse_moment, search_events
from ged.audit.seal import load_public_key
from ged.audit.verify import verify_log
from ged.errors import InvalidInput, PermissionDenied
from ged.web.api.inputs import parse_positive_int
from ged.web.context import db, principal, settings

bp = APIBlueprint("audit", __name__, url_prefix="/api/v1/audit", tag="Audit")

READERS = frozenset({"admin", "auditor"})
#: the action each endpoint records, allowed or denied
ACTIONS = {
    "audit.list_events": "audit.events",
    "audit.export": "audit.export",
    "audit.verify": "audit.verify",
}
_FILTERS = {"date_from", "date_to", "actor", "action", "document", "outcome", "seq_from", "seq_to"}
_FILTER_HELP = (
    "Filters (all optional, combined): `date_from`, `date_to` (YYYY-MM-DD, whole days, or "
    "ISO 8601 times; UTC), `actor` (user name), `action`, `document` (id), `outcome` "
    "(allowed, denied), `seq_from`, `seq_to`."
)


@bp.before_request
def only_auditors():
    caller = principal()
    if caller is None:
        return  # authentication answers 401 first
    if caller.role in READERS:
        return
    # Trying to read the audit log is itself worth knowing about.
    # Recorded as denied by the central error handler (ged.web.problems.record_denied).
    raise PermissionDenied("the audit log is reserved to auditors and administrators")


@bp.get("/events")
@bp.doc(
    summary="Audit events, newest first",
    description=_FILTER_HELP + " Pages: `page` (from 1), `size` (1-500, default 50).",
)
def list_events():
    filters = _filters({"page", "size"})
    page = parse_positive_int(request.args.get("page"), "page") or 1
    size = parse_positive_int(request.args.get("size"), "size") or 50
    found = search_events(db(), principal(), filters, page, size)
    return {"total": found.total, "page": found.page, "size": found.size, "events": found.events}


@bp.get("/export")
@bp.doc(
    summary="Export audit events, streamed, in chain order",
    description="`format`: csv, jsonl, or bundle (a zip that `ged audit verify --file` checks "
    "offline: an unbroken range of the chain, so filtered by period or seq only). " + _FILTER_HELP,
)
def export():
    filters = _filters({"format"})
    fmt = request.args.get("format", "")
    start_export(db(), principal(), filters, fmt)

    def body() -> Iterator[str | bytes]:
        # Runs once the view's teardown has closed its session: db() here opens the
        # session that the end of the stream closes.
        if fmt == "bundle":
            yield from bundle_chunks(db(), filters, load_public_key(settings().audit.key_file))
        else:
            yield from (csv_chunks if fmt == "csv" else jsonl_chunks)(iter_events(db(), filters))

    extension = {"bundle": "zip"}.get(fmt, fmt)
    name = f"audit-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.{extension}"
    return Response(
        stream_with_context(body()),
        content_type=MEDIA_TYPES[fmt] + ("" if fmt == "bundle" else "; charset=utf-8"),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/verify")
@bp.doc(
    summary="Verify the chain and its checkpoints",
    description="`ok`, and otherwise `first_broken_seq` and `reason` (altered, missing, "
    "reordered, truncated, bad signature) with a `detail` for people.",
)
def verify():
    return verify_log(db(), settings(), principal()).as_dict()


def _filters(other: set[str]) -> EventFilters:
    unknown = set(request.args) - _FILTERS - other
    if unknown:
        # A misspelt filter silently ignored would export far more than was asked.
        raise InvalidInput(
            f"unknown parameter(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    args = request.args
    return EventFilters(
        date_from=parse_moment(args.get("date_from"), "date_from"),
        date_to=parse_moment(args.get("date_to"), "date_to", end=True),
        actor=args.get("actor") or None,
        action=args.get("action") or None,
        document_id=parse_positive_int(args.get("document"), "document"),
        outcome=args.get("outcome") or None,
        seq_from=parse_positive_int(args.get("seq_from"), "seq_from"),
        seq_to=parse_positive_int(args.get("seq_to"), "seq_to"),
    )
