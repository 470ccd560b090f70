"""Pictures of documents: the thumbnail of a version's first page (a rendition, made once
by the pipeline's extract step, or by the backfill for versions read before), and the
page images of the document page's viewer (rendered on demand).

Page images are not stored: a viewer shows a few pages of a few documents, and pdfium
renders a page at screen size in tens of milliseconds, where keeping an image of every
page of every version would add a rendition per page to the store for pages nobody
looks at. The browser keeps what it was sent (strong ETag, private cache), so a page
seen again costs a 304.

Who sees a picture: whoever may read the document (``find_version``). A thumbnail is
shown in search results, whose query and hit count are audited already, and is too
small to be read: its views are not audited one by one (twenty events a results page
would drown the trail). A page image is the content at a legible size: each is
audited as a preview, like the inline preview of the file itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from io import BytesIO

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ged.access import Principal, allowed, authorize
from ged.audit.chain import record
from ged.errors import NotFound
from ged.models import Document, Page, Rendition, Version
from ged.ports import BlobStore, Progress
from ged.services.documents import find_version
from ged.services.renditions import NewRendition, save_rendition
from ged.uow import UnitOfWork
from ingest.pages import Extraction, ImageKind
from ingest.thumbnails import MIME_TYPE, PAGE_WIDTH, THUMBNAIL_WIDTH, producer, render_isolated

log = logging.getLogger(__name__)

THUMBNAIL = "thumbnail"
#: the formats whose pages can be pictured, and how
PICTURED: dict[str, ImageKind] = {
    "application/pdf": "pdf",
    "image/png": "image",
    "image/jpeg": "image",
    "image/tiff": "image",
}


@dataclass(frozen=True)
class PagePicture:
    """A page to picture: its version, its row, and the strong validator of its image
    (the version's digest, the page and the width: the same bytes while those are)."""

    version: Version
    page: Page
    etag: str


# ---------------------------------------------------------------- thumbnails


def thumbnail_rendition(blobs: BlobStore, extraction: Extraction) -> NewRendition | None:
    """The extraction's thumbnail stored in the blob store, its row still to be written."""
    if extraction.thumbnail is None:
        return None
    stored = blobs.put(BytesIO(extraction.thumbnail))
    return NewRendition(THUMBNAIL, stored, MIME_TYPE, producer())


def read_thumbnail(uow: UnitOfWork, principal: Principal, document_id: int) -> Rendition:
    """The thumbnail of a readable document's current version (not audited: see above).
    NotFound when it has none yet (the workers make it); DocumentNotFound when the
    document cannot be read. A results page asks for twenty at once: the answer is one
    query, the ACL's filter in it; only a refusal looks further, to say why."""
    rendition = uow.session.scalars(
        select(Rendition)
        .join(Version, Version.id == Rendition.version_id)
        .join(
            Document,
            and_(Document.id == Version.document_id, Document.current_version == Version.number),
        )
        .where(
            Document.id == document_id,
            Document.status != "destroyed",
            Rendition.kind == THUMBNAIL,
            allowed(principal, "read"),
        )
    ).one_or_none()
    if rendition is not None:
        return rendition
    find_version(uow, principal, document_id)  # DocumentNotFound, unless it may be read
    raise NotFound(f"document {document_id} has no thumbnail yet")


def thumbnailed(uow: UnitOfWork, document_ids: list[int]) -> dict[int, str]:
    """The digest of the thumbnail of each of these documents' current version, for those
    that have one: the search page names it in the picture's URL, so that the browser may
    keep it as long as it likes (another thumbnail is another URL), and shows a
    placeholder for the others instead of asking for an image that is not there."""
    if not document_ids:
        return {}
    query = (
        select(Document.id, Rendition.blob_sha256)
        .join(
            Version,
            and_(Version.document_id == Document.id, Version.number == Document.current_version),
        )
        .join(Rendition, and_(Rendition.version_id == Version.id, Rendition.kind == THUMBNAIL))
        .where(Document.id.in_(document_ids))
    )
    return {document_id: sha256 for document_id, sha256 in uow.session.execute(query)}


def missing_thumbnails(session: Session, limit: int | None = None) -> list[int]:
    """Finished current versions of pictured formats that have no thumbnail, oldest first."""
    has_one = select(Rendition.version_id).where(
        Rendition.version_id == Version.id, Rendition.kind == THUMBNAIL
    )
    query = (
        select(Version.id)
        .join(Document, Document.id == Version.document_id)
        .where(
            Version.number == Document.current_version,
            Version.status == "done",
            Version.mime_type.in_(PICTURED),
            Document.status != "destroyed",
            ~has_one.exists(),
        )
        .order_by(Version.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def backfill_thumbnails(
    uow: UnitOfWork,
    principal: Principal,
    limit: int | None = None,
    progress: Progress | None = None,
) -> Backfill:
    """Render and store the thumbnails missing from current versions, those read before
    thumbnails were made (a scan is rasterised again here, once, at thumbnail size): one
    commit a version, so an interrupted run keeps what it made. Recorded as
    ``cli.thumbnails`` with its counts."""
    authorize(principal, "pipeline.reconcile")  # finishing the pipeline's work, as reconcile
    ids = missing_thumbnails(uow.session, limit)
    made = 0
    for done, version_id in enumerate(ids, start=1):
        made += _backfill_one(uow, version_id)
        if progress is not None:
            progress(done, len(ids))
    result = Backfill(len(ids), made)
    record(
        uow.session, principal, "cli.thumbnails", details={"missing": result.missing, "made": made}
    )
    uow.commit()
    return result


@dataclass(frozen=True)
class Backfill:
    #: versions that had no thumbnail, and those that got one (a damaged file gets none)
    missing: int
    made: int


def _backfill_one(uow: UnitOfWork, version_id: int) -> bool:
    version = uow.session.get_one(Version, version_id)
    sha256, kind = version.blob_sha256, PICTURED[version.mime_type]
    uow.commit()  # no transaction open while the page is rendered
    with uow.blobs.local_file(sha256) as path:
        picture = render_isolated(path, kind, 0, THUMBNAIL_WIDTH, uow.settings.ocr.max_image_pixels)
    if picture is None:
        log.warning("version %s: no thumbnail could be rendered", version_id)
        return False
    stored = uow.blobs.put(BytesIO(picture))
    new = NewRendition(THUMBNAIL, stored, MIME_TYPE, producer())
    save_rendition(uow.session, version_id, THUMBNAIL, new)
    uow.commit()
    return True


# ---------------------------------------------------------------- page images of the viewer


def find_page(uow: UnitOfWork, principal: Principal, document_id: int, number: int) -> PagePicture:
    """Page ``number`` (1-based) of a readable document's current version, to picture; the
    look-up is audited as a preview of that page."""
    version = find_version(uow, principal, document_id)
    if version.mime_type not in PICTURED:
        raise NotFound(f"document {document_id} is a {version.mime_type}: it has no page images")
    page = uow.session.scalars(
        select(Page).where(Page.version_id == version.id, Page.number == number)
    ).one_or_none()
    if page is None:
        raise NotFound(
            f"document {document_id} has {version.page_count or 0} page(s), not a page {number}"
        )
    record(
        uow.session,
        principal,
        "document.preview",
        object_type="document",
        object_id=document_id,
        details={"version": version.number, "page": number},
    )
    uow.commit()
    return PagePicture(version, page, f"{version.blob_sha256}.{number}.{PAGE_WIDTH}")


def render_page_image(uow: UnitOfWork, picture: PagePicture) -> bytes:
    """The page's image, rendered now from the stored version."""
    version = picture.version
    with uow.blobs.local_file(version.blob_sha256) as path:
        image = render_isolated(
            path,
            PICTURED[version.mime_type],
            picture.page.number - 1,
            PAGE_WIDTH,
            uow.settings.ocr.max_image_pixels,
        )
    if image is None:
        raise NotFound(f"page {picture.page.number} of this document cannot be pictured")
    return image
