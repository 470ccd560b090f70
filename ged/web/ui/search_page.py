"""The search page: one box, facets to click, date range, sorting, pages.

Everything is in the query string, so a search can be bookmarked or shared, and
the back button works. The index is asked with the caller's ACL, like the API.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from apiflask import APIBlueprint
from flask import redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ged.errors import InvalidInput, ServiceUnavailable
from ged.services.catalog import type_labels
from ged.services.retrieval import search
from ged.services.thumbnails import thumbnailed
from ged.web.context import principal, uow
from ged.web.ui import bulk_pages
from ged.web.ui.document_pictures import thumbnail_url
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _
from ged.web.ui.saved_search_pages import page_context as saved_search_context
from search.query import MAX_RESULT_WINDOW

bp = APIBlueprint("search", __name__, enable_openapi=False)

PAGE_SIZE = 20
#: the hits whose thumbnails are in view when the page opens: fetched at once, the others
#: when scrolled to (lazy loading, which waits for the layout, would delay those in view)
EAGER_THUMBNAILS = 4
#: query-string parameter -> facet it filters, in the order the facets are shown
FACET_PARAMS = {
    "document_type": "document_type",
    "unit": "unit",
    "tag": "tags",
    "mime_type": "mime_type",
}
#: the file types ged reads (ingest.detect), as people name them; any other shows as is
MIME_LABELS = {
    "application/pdf": "PDF",
    "image/png": "Image PNG",
    "image/jpeg": "Image JPEG",
    "image/tiff": "Image TIFF",
    "text/plain": "Texte",
}
SORTS = {"relevance": "Pertinence", "date": "Date du document (récents d'abord)"}
#: how a filter in force is named above the results
FILTER_NAMES = {
    "document_type": "Type",
    "unit": "Service",
    "tag": "Étiquette",
    "mime_type": "Format",
    "date_from": "Depuis le",
    "date_to": "Jusqu'au",
}


@bp.get("/")
def home():
    return redirect(url_for("ui.search.page"))


@bp.get("/recherche")
def page():
    args = request.args
    if any(value == "" for value in args.values()) or args.get("sort") == "relevance":
        # The form sends its empty fields too: keep the URL as short as the search it is.
        return redirect(_url_with())
    q = args.get("q", "").strip()
    sort = args.get("sort") if args.get("sort") in SORTS else "relevance"
    number = _page_number(args.get("page"))
    errors = _date_errors(args)
    results, unavailable = None, False
    if not errors:
        filters = {name: args.getlist(name) for name in FACET_PARAMS}
        filters.update(date_from=args.get("date_from"), date_to=args.get("date_to"))
        try:
            results = search(
                uow(),
                principal(),
                q=q,
                filters=filters,
                sort=sort,
                page=number,
                size=PAGE_SIZE,
            )
        except InvalidInput as refused:
            # Shown next to the field when the page has it, else under the search box.
            field = refused.field if refused.field in ("date_from", "date_to") else "q"
            errors[field] = reason(refused)
        except ServiceUnavailable:
            unavailable = True
    labels = type_labels(uow(), principal())
    page_count = 0
    if results:
        page_count = min(-(-results["total"] // PAGE_SIZE), MAX_RESULT_WINDOW // PAGE_SIZE)
    return render_template(
        "ui/search.html",
        q=q,
        args=args,
        sort=sort,
        sorts=SORTS,
        results=results,
        errors=errors,
        unavailable=unavailable,
        type_labels=labels,
        facet_params=FACET_PARAMS,
        active=_active_filters(args, labels),
        page_count=page_count,
        url_with=_url_with,
        thumbnails=thumbnailed(uow(), [hit["id"] for hit in results["hits"]]) if results else {},
        thumbnail_url=thumbnail_url,
        eager_thumbnails=EAGER_THUMBNAILS,
        # saved searches (issue 20): the list on the home page, the form on a search
        **saved_search_context(args),
        mime_label=mime_label,
        bulk=bulk_pages.form_choices() if results and results["total"] else None,
    ), 503 if unavailable else 200


def _page_number(value: str | None) -> int:
    number = int(value) if value and value.isdigit() else 1
    return max(1, min(number, MAX_RESULT_WINDOW // PAGE_SIZE))


def _date_errors(args: MultiDict) -> dict[str, str]:
    errors, days = {}, {}
    for name in ("date_from", "date_to"):
        value = args.get(name, "")
        if value:
            try:
                days[name] = date.fromisoformat(value)
            except ValueError:
                errors[name] = _("Date invalide : utilisez le format AAAA-MM-JJ.")
    if len(days) == 2 and days["date_from"] > days["date_to"]:
        errors["date_from"] = _("La date de début est postérieure à la date de fin.")
    return errors


def _url_with(remove: tuple[str, ...] = (), drop: tuple[str, str] | None = None, **changes) -> str:
    """This search's URL with some parameters changed; any change but the page number
    goes back to page 1, since the results before it are no longer the same."""
    args = MultiDict(request.args)
    if "page" not in changes:
        args.pop("page", None)
    for name in remove:
        args.pop(name, None)
    if drop is not None:
        name, value = drop
        args.setlist(name, [kept for kept in args.getlist(name) if kept != value])
    for name, value in changes.items():
        if name in FACET_PARAMS:
            if value not in args.getlist(name):
                args.add(name, value)
        else:
            args[name] = str(value)
    kept = [
        (name, value)
        for name, value in args.items(multi=True)
        if value != "" and (name, value) != ("sort", "relevance")
    ]
    query = urlencode(kept)
    return url_for("ui.search.page") + (f"?{query}" if query else "")


def mime_label(mime_type: str) -> str:
    known = MIME_LABELS.get(mime_type)
    return _(known) if known else mime_type


def _active_filters(args: MultiDict, labels: dict[str, str]) -> list[tuple[str, str]]:
    """(what is shown, URL without it) for each filter in force."""
    active = []
    for name in FACET_PARAMS:
        for value in args.getlist(name):
            shown = value
            if name == "document_type":
                shown = labels.get(value, value)
            elif name == "mime_type":
                shown = mime_label(value)
            active.append((f"{_(FILTER_NAMES[name])} : {shown}", _url_with(drop=(name, value))))
    for name in ("date_from", "date_to"):
        if args.get(name):
            active.append((f"{_(FILTER_NAMES[name])} {args[name]}", _url_with(remove=(name,))))
    return active
