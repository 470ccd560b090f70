"""/api/v1/audit: events, export and verification of the audit trail (auditors, administrators).

Every call is itself audited: the services record what was read, and refuse callers
whose role may not (PermissionDenied naming the rule), which the app's one error
handler records as denied.
"""

from __future__ import annotations

from collections.abc import Iterator

from apiflask import APIBlueprint
from flask import Response, request, stream_with_context

from ged.audit.query import filters_from
from ged.parsing import positive_int
from ged.services import audit as audit_service
from ged.web.context import principal, runtime, uow

bp = APIBlueprint("audit", __name__, url_prefix="/api/v1/audit", tag="Audit")

_FILTER_HELP = (
    "Filters (all optional, combined): `date_from`, `date_to` (YYYY-MM-DD, whole days, or "
    "ISO 8601 times; UTC), `actor` (user name), `action`, `document` (id), `outcome` "
    "(allowed, denied), `seq_from`, `seq_to`."
)


@bp.get("/events")
@bp.doc(
    summary="Audit events, newest first",
    description=_FILTER_HELP + " Pages: `page` (from 1), `size` (1-500, default 50).",
)
def list_events():
    args = request.args
    filters = filters_from(args, strict=True, known={"page", "size"})
    page = positive_int(args.get("page"), "page") or 1
    size = positive_int(args.get("size"), "size") or 50
    found = audit_service.search_events(uow(), principal(), filters, page, size)
    return {"total": found.total, "page": found.page, "size": found.size, "events": found.events}


@bp.get("/export")
@bp.doc(
    summary="Export audit events, streamed, in chain order",
    description="`format`: csv, jsonl, or bundle (a zip that `ged audit verify --file` checks "
    "offline: an unbroken range of the chain, so filtered by period or seq only). " + _FILTER_HELP,
)
def export():
    filters = filters_from(request.args, strict=True, known={"format"})
    started = audit_service.start_export(
        uow(), principal(), filters, request.args.get("format", "")
    )

    def body() -> Iterator[str | bytes]:
        # Streams after the view has returned: a unit of work of its own, held to the end.
        with runtime().unit_of_work() as streaming:
            yield from audit_service.export_chunks(streaming, started)

    text = "" if started.format == "bundle" else "; charset=utf-8"
    return Response(
        stream_with_context(body()),
        content_type=started.media_type + text,
        headers={"Content-Disposition": f'attachment; filename="{started.filename}"'},
    )


@bp.get("/verify")
@bp.doc(
    summary="Verify the chain and its checkpoints",
    description="`ok`, and otherwise `first_broken_seq` and `reason` (altered, missing, "
    "reordered, truncated, bad signature) with a `detail` for people.",
)
def verify():
    return audit_service.verify_log(uow(), principal()).as_dict()
