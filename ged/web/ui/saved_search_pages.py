"""Saved searches in the web UI: the form that saves the search on screen, and the list on
the home page (the search page with no search yet), each with its count for the viewer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from apiflask import APIBlueprint
from flask import flash, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from ged.errors import Conflict, InvalidInput, PermissionDenied
from ged.services import saved_searches as service
from ged.services.saved_searches import Search, Shown, search_of
from ged.web.context import principal, uow
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint(
    "saved_searches", __name__, url_prefix="/recherches-enregistrees", enable_openapi=False
)

#: the search page's parameters a saved search keeps: lists, then single values
LIST_PARAMS = ("document_type", "unit", "tag", "mime_type")
DAY_PARAMS = ("date_from", "date_to")


def search_from_args(args: MultiDict) -> Search:
    filters: dict[str, Any] = {name: args.getlist(name) for name in LIST_PARAMS}
    filters.update({name: args.get(name) for name in DAY_PARAMS})
    sort = args.get("sort") or "relevance"
    return Search(args.get("q", "").strip(), {k: v for k, v in filters.items() if v}, sort)


def search_url(search: Search) -> str:
    """The search page showing ``search`` (as short as the search page keeps its URLs)."""
    pairs: list[tuple[str, str]] = [("q", search.q)] if search.q else []
    for name, value in (search.filters or {}).items():
        pairs += [(name, item) for item in ([value] if isinstance(value, str) else value)]
    if search.sort != "relevance":
        pairs.append(("sort", search.sort))
    return url_for("ui.search.page") + (f"?{urlencode(pairs)}" if pairs else "")


def page_context(args: MultiDict) -> dict[str, Any]:
    """What search.html needs for its saved-search blocks: on the home page (no search
    yet) the list, on a search the form that saves it."""
    search = search_from_args(args)
    home = not search.q and not search.filters
    context: dict[str, Any] = {
        "saved_searches": None,
        "save_search": None if home else search,
        "caller_groups": service.shareable_groups(uow(), principal()),
        "saved_search_url": search_url,
        "saved_search_of": search_of,
    }
    if home:
        context["saved_searches"] = service.list_saved_searches(uow(), principal())
    return context


@bp.post("")
def save():
    search = search_from_args(request.form)
    back = search_url(search)
    try:
        shown = service.create_saved_search(
            uow(), principal(), request.form.get("name", ""), search, request.form.get("group")
        )
    except (InvalidInput, Conflict, PermissionDenied) as refused:
        flash(_("Recherche non enregistrée : {reason}", reason=reason(refused)), "error")
        return redirect(back)
    flash(_message(shown), "success")
    return redirect(back)


@bp.post("/<int:saved_id>")
def update(saved_id: int):
    form = request.form
    try:
        service.update_saved_search(
            uow(),
            principal(),
            saved_id,
            name=form.get("name", ""),
            group=form.get("group") or None,
            fields=frozenset({"name", "group"}),
        )
    except (InvalidInput, Conflict, PermissionDenied) as refused:
        flash(_("Recherche non modifiée : {reason}", reason=reason(refused)), "error")
    else:
        flash(_("Recherche enregistrée modifiée."), "success")
    return redirect(_home())


@bp.post("/<int:saved_id>/supprimer")
def delete(saved_id: int):
    service.delete_saved_search(uow(), principal(), saved_id)
    flash(_("Recherche enregistrée supprimée."), "success")
    return redirect(_home())


def _message(shown: Shown) -> str:
    if shown.search.group is not None:
        return _(
            "Recherche « {name} » enregistrée et partagée avec le groupe {group}.",
            name=shown.search.name,
            group=shown.search.group.name,
        )
    return _("Recherche « {name} » enregistrée.", name=shown.search.name)


def _home() -> str:
    return url_for("ui.search.page") + "#recherches-enregistrees"
