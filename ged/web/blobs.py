"""Serving a version's bytes: ETag = sha256, conditional GET and Range, never sniffed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import PurePath

from flask import Response, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from ged.models import Rendition, Version
from ged.web.context import close_uow, runtime

#: how long a browser keeps a picture whose URL names its digest: a year, as for any
#: content-addressed resource
IMMUTABLE_SECONDS = 365 * 24 * 3600


def send_version(
    version: Version, *, attachment: bool, headers: Mapping[str, str] | None = None
) -> Response:
    """The version's bytes as a download (attachment) or for an inline preview."""
    return _send(
        version.blob_sha256,
        version.size,
        version.mime_type,
        version.filename,
        attachment=attachment,
        headers=headers,
    )


def send_rendition(version: Version, rendition: Rendition) -> Response:
    """A rendition as a download, named after the original ("scan.tiff" → "scan.pdfa.pdf",
    "scan.thumbnail.webp")."""
    stem = PurePath(version.filename).stem or "document"
    extension = "webp" if rendition.mime_type == "image/webp" else "pdf"
    return _send(
        rendition.blob_sha256,
        rendition.size,
        rendition.mime_type,
        f"{stem}.{rendition.kind}.{extension}",
        attachment=True,
    )


def _send(
    sha256: str,
    size: int,
    mime_type: str,
    filename: str,
    *,
    attachment: bool,
    headers: Mapping[str, str] | None = None,
) -> Response:
    close_uow()  # a download may last minutes; do not hold a database connection meanwhile
    handle = runtime().adapters.blobs.open(sha256)
    response = send_file(
        handle,
        mimetype=mime_type,
        as_attachment=attachment,
        download_name=filename,
        etag=sha256,
        conditional=False,
        max_age=0,
    )
    response.content_length = size
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.update(headers or {})
    try:
        # send_file only knows the length of a path, so conditional GET and Range are done here.
        return response.make_conditional(request, accept_ranges=True, complete_length=size)
    except RequestedRangeNotSatisfiable:
        handle.close()
        raise


def send_thumbnail(rendition: Rendition, *, immutable: bool) -> Response:
    """A thumbnail to show in a page: its digest is its strong ETag, kept by the browser
    (privately) and validated again at each view, answered 304 while it is the same;
    ``immutable``: asked for by a URL naming its digest, which no other bytes answer, so
    kept without asking again."""
    response = _send(
        rendition.blob_sha256,
        rendition.size,
        rendition.mime_type,
        f"{rendition.kind}.webp",
        attachment=False,
    )
    if immutable:
        response.cache_control.no_cache = None
        response.cache_control.max_age = IMMUTABLE_SECONDS
        response.cache_control.immutable = True
    return response


def send_picture(etag: str, render: Callable[[], bytes], mime_type: str) -> Response:
    """An image made on demand, unless the browser has it already (If-None-Match: 304,
    without rendering it again); strong ETag, private cache."""
    response = Response(mimetype=mime_type)
    response.set_etag(etag)
    response.cache_control.private = True
    response.cache_control.max_age = 0
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.if_none_match.contains(etag):
        response.status_code = 304
        return response
    response.set_data(render())
    return response
