"""/api/v1/audit: events, export and verification of the audit trail (auditors, administrators):
both streams, the access log and the lifecycle journal, or one (``stream``).

Every call is itself audited: the services record what was read, and refuse callers
whose role may not (PermissionDenied naming the rule), which the app's one error
handler records as denied.
"""

from __future__ import annotations

from collections.abc import Iterator

from apiflask import APIBlueprint
from flask import Response, stream_with_context

from ged.audit.query import filters_from
from ged.services import audit as audit_service
from ged.services.paging import PageOf
from ged.web.api.contract import errors
from ged.web.api.paging import LINKS, paged
from ged.web.api.schemas.audit import EventPage, EventQuery, ExportQuery, Verification
from ged.web.context import principal, runtime, uow

bp = APIBlueprint("audit", __name__, url_prefix="/api/v1/audit", tag="Audit")

_EXPORTS = {
    "text/csv": {"schema": {"type": "string"}},
    "application/jsonl": {"schema": {"type": "string"}},
    "application/zip": {"schema": {"type": "string", "format": "binary"}},
}


@bp.get("/events")
@bp.input(EventQuery, location="query")
@bp.output(EventPage, description="one page of events, newest first", headers=LINKS)
@bp.doc(summary="Audit events, newest first", responses=errors(400, 403))
def list_events(query_data: EventQuery):
    filters = filters_from(query_data.raw(), strict=False)
    found = audit_service.search_events(
        uow(), principal(), filters, query_data.page, query_data.size
    )
    return paged(PageOf(found.events, found.total, found.page, found.size), "events", found.events)


@bp.get("/export")
@bp.input(ExportQuery, location="query")
@bp.doc(
    summary="Export audit events, streamed, in chain order",
    description="Each row carries its stream, seq, hash and previous hash. One stream comes "
    "in chain order, both in the order they were recorded.",
    responses={
        200: {"description": "the export, as a download", "content": _EXPORTS},
        **errors(400, 403),
    },
)
def export(query_data: ExportQuery):
    filters = filters_from(query_data.raw(), strict=False)
    started = audit_service.start_export(uow(), principal(), filters, query_data.format)

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
@bp.output(Verification, description="ok, or the first broken event and why")
@bp.doc(
    summary="Verify both streams' chains and their checkpoints",
    description="`ok`, and otherwise the `stream` that broke, its `first_broken_seq` and "
    "`reason` with a `detail` for people; `streams` holds each stream's own result.",
    responses=errors(403),
)
def verify():
    return audit_service.verify_log(uow(), principal()).as_dict()
