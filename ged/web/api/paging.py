"""Pages of a list: the body says total, page and size; the ``Link`` header (RFC 8288)
points to the first, previous, next and last pages, with the request's other parameters."""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from ged.services.paging import PageOf

#: the ``Link`` header, as the OpenAPI description declares it
LINKS = {
    "Link": {
        "description": "the first, previous, next and last pages (RFC 8288)",
        "schema": {"type": "string"},
    }
}


def paged(found: PageOf[Any], key: str, items: list[Any]) -> tuple[dict[str, Any], int, dict]:
    """The answer for one page: ``{total, page, size, <key>: items}`` and its links."""
    body = {"total": found.total, "page": found.page, "size": found.size, key: items}
    return body, 200, {"Link": link_header(found.page, found.size, found.total)}


def link_header(page: int, size: int, total: int) -> str:
    last = max(1, -(-total // size))
    targets = {"first": 1, "last": last}
    if page > 1:
        targets["prev"] = min(page - 1, last)
    if page < last:
        targets["next"] = page + 1
    return ", ".join(f'<{_page_url(number)}>; rel="{rel}"' for rel, number in targets.items())


def _page_url(number: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return url_for(request.endpoint or "", **(request.view_args or {}), **args)
