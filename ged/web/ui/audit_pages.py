"""Auditor pages: the audit log filtered, its export, and the verification of its chain."""

from __future__ import annotations

from urllib.parse import urlencode

from apiflask import APIBlueprint
from flask import render_template, request

from ged.audit.chain import record
from ged.audit.query import EventFilters, parse_moment, search_events
from ged.audit.verify import verify_log
from ged.errors import InvalidInput, PermissionDenied
from ged.models import OUTCOMES
from ged.web.context import db, principal, settings

bp = APIBlueprint("audit", __name__, url_prefix="/audit", enable_openapi=False)

READERS = frozenset({"admin", "auditor"})
FILTERS = ("date_from", "date_to", "actor", "action", "document", "outcome")
PAGE_SIZE = 50
#: what each verification failure means, for people
REASONS = {
    "altered": "un événement a été modifié après coup",
    "missing": "un ou plusieurs événements ont disparu",
    "reordered": "des événements ont été déplacés",
    "truncated": "la fin du journal a été coupée",
    "bad signature": "un point de contrôle n'est pas signé par la clé du journal",
}


@bp.before_request
def only_auditors():
    caller = principal()
    if caller is None or caller.role in READERS:
        return
    # As in the API: trying to read the audit log is itself worth knowing about.
    action = "audit.verify" if request.endpoint == "ui.audit.verify" else "audit.events"
    record(db(), caller, action, outcome="denied")
    db().commit()
    raise PermissionDenied("the audit log is reserved to auditors and administrators")


@bp.get("")
def events():
    args = request.args
    page = max(args.get("page", 1, type=int), 1)
    found, error = None, None
    try:
        found = search_events(db(), principal(), _filters(), page, PAGE_SIZE)
    except InvalidInput as refused:
        error = str(refused)
    given = [(name, args[name]) for name in FILTERS if args.get(name)]
    return render_template(
        "ui/audit.html",
        args=args,
        found=found,
        error=error,
        outcomes=OUTCOMES,
        export_query=urlencode(given),
        page_query=lambda number: urlencode([*given, ("page", number)]),
    ), 400 if error else 200


@bp.get("/verification")
def verify():
    result = verify_log(db(), settings(), principal())
    return render_template("ui/verify.html", result=result, reasons=REASONS)


def _filters() -> EventFilters:
    args = request.args
    document = args.get("document", "").strip()
    if document and not document.isdigit():
        raise InvalidInput("document must be a document number", field="document")
    return EventFilters(
        date_from=parse_moment(args.get("date_from") or None, "date_from"),
        date_to=parse_moment(args.get("date_to") or None, "date_to", end=True),
        actor=args.get("actor", "").strip() or None,
        action=args.get("action", "").strip() or None,
        document_id=int(document) if document else None,
        outcome=args.get("outcome") or None,
    )
