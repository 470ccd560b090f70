"""Auditor pages: the audit log filtered, its export, and the verification of its chain.

Who may see them is the services' decision (rules audit.events and audit.verify); a
refusal is recorded by the UI's error handler, as the API's is.
"""

from __future__ import annotations

from urllib.parse import urlencode

from apiflask import APIBlueprint
from flask import render_template, request

from ged.audit.query import filters_from
from ged.errors import InvalidInput
from ged.models import OUTCOMES
from ged.services import audit as audit_service
from ged.web.context import principal, uow
from ged.web.ui.i18n import reason

bp = APIBlueprint("audit", __name__, url_prefix="/audit", enable_openapi=False)

FILTERS = ("stream", "date_from", "date_to", "actor", "action", "document", "outcome")
PAGE_SIZE = 50
#: what each verification failure means, for people
REASONS = {
    "altered": "un événement a été modifié après coup",
    "missing": "un ou plusieurs événements ont disparu",
    "reordered": "des événements ont été déplacés",
    "truncated": "la fin du journal a été coupée",
    "bad signature": "un point de contrôle n'est pas signé par la clé du journal",
    "bad time-stamp": "l'horodatage d'un point de contrôle n'est pas valide",
    "not time-stamped": "des points de contrôle ne sont pas horodatés",
}


@bp.get("")
def events():
    args = request.args
    page = max(args.get("page", 1, type=int), 1)
    found, error = None, None
    try:
        filters = filters_from(args, strict=False)
        found = audit_service.search_events(uow(), principal(), filters, page, PAGE_SIZE)
    except InvalidInput as refused:
        error = reason(refused)
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
    result = audit_service.verify_log(uow(), principal())
    return render_template("ui/verify.html", result=result, reasons=REASONS)
