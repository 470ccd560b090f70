"""Pictures of a document in the UI: its thumbnail (search results) and the page viewer
of the document page, which opens at the page of a search hit with the query's words
marked: on the page image from the OCR word boxes, or in the text of a born-digital page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from apiflask import APIBlueprint
from flask import request, url_for
from werkzeug.datastructures import MultiDict

from ged.models import Page, Version
from ged.services import thumbnails
from ged.web.blobs import send_picture, send_thumbnail
from ged.web.context import principal, uow
from ingest.thumbnails import MIME_TYPE, PAGE_WIDTH, THUMBNAIL_WIDTH
from search.matching import marked_boxes, marked_spans, query_words

bp = APIBlueprint("pictures", __name__, url_prefix="/documents", enable_openapi=False)

#: the frame kept for a picture before it arrives (A4 upright), so the page does not move
THUMBNAIL_HEIGHT = round(THUMBNAIL_WIDTH * 297 / 210)
PAGE_HEIGHT = round(PAGE_WIDTH * 297 / 210)


#: characters of a thumbnail's digest in its URL (?v=), enough to tell its versions apart
DIGEST_IN_URL = 16


@bp.get("/<int:document_id>/vignette")
def thumbnail(document_id: int):
    rendition = thumbnails.read_thumbnail(uow(), principal(), document_id)
    named = request.args.get("v", "")
    immutable = len(named) == DIGEST_IN_URL and rendition.blob_sha256.startswith(named)
    return send_thumbnail(rendition, immutable=immutable)


def thumbnail_url(document_id: int, sha256: str) -> str:
    """The thumbnail's URL naming its digest, which the browser keeps (see send_thumbnail)."""
    return url_for("ui.pictures.thumbnail", document_id=document_id, v=sha256[:DIGEST_IN_URL])


@bp.get("/<int:document_id>/pages/<int:number>")
def page_image(document_id: int, number: int):
    work = uow()
    picture = thumbnails.find_page(work, principal(), document_id, number)
    return send_picture(
        picture.etag, lambda: thumbnails.render_page_image(work, picture), MIME_TYPE
    )


@dataclass(frozen=True)
class Viewer:
    """What the document page shows of one page: its image with the words to mark, or
    its text cut into marked and unmarked pieces, and the links to its neighbours."""

    page: Page
    count: int
    image_url: str | None
    boxes: list[list]
    spans: list[tuple[str, bool]]
    previous_url: str | None
    next_url: str | None
    width: int = PAGE_WIDTH
    height: int = PAGE_HEIGHT


def page_viewer(version: Version, args: MultiDict) -> Viewer | None:
    """The viewer at ``?page=`` (the first page when absent or out of range), marking the
    words of ``?q=``; None for a version without pages (not read yet, or plain text)."""
    pages = sorted(version.pages, key=lambda page: page.number)
    if not pages or version.mime_type not in thumbnails.PICTURED:
        return None
    wanted = args.get("page", type=int) or 1
    page = next((page for page in pages if page.number == wanted), pages[0])
    q = args.get("q", "")
    words = query_words(q)
    document_id = version.document_id
    pictured = page.source != "text"  # born-digital text is marked in the text instead

    def link(number: int) -> str | None:
        if not any(other.number == number for other in pages):
            return None
        query = urlencode({"page": number, **({"q": q} if q else {})})
        return f"{url_for('ui.documents.show', document_id=document_id)}?{query}#visionneuse"

    return Viewer(
        page=page,
        count=len(pages),
        image_url=url_for("ui.pictures.page_image", document_id=document_id, number=page.number)
        if pictured
        else None,
        boxes=marked_boxes(page.word_boxes, words) if pictured else [],
        spans=[] if pictured else marked_spans(page.text, words),
        previous_url=link(page.number - 1),
        next_url=link(page.number + 1),
    )
