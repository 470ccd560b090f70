"""Checking and resolving the fields of a document as people type them: file name, title,
unit, document type and tags. Each refusal names the field, for the API and the UI."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.db import dialect_insert
from ged.errors import InvalidInput
from ged.models import DocumentType, Tag, Unit

MAX_FILENAME = 255
MAX_TITLE = 500
MAX_TAG = 100
#: what a tag may hold: no braces, brackets or angle brackets (a tag shows in URLs, facets
#: and pages, and a form field "{}" is an object sent where tags were asked), no control
#: characters
TAG_PATTERN = re.compile(r"[^{}\[\]<>\x00-\x1f\x7f]+")


def clean_filename(name: str | None) -> str:
    """The original name as a label: refuse what could be a path or hide characters."""
    if not name or not name.strip():
        raise InvalidInput("the file has no name", field="file")
    if "\ufffd" in name:
        raise InvalidInput("the file name is not valid UTF-8", field="file")
    if "/" in name or "\\" in name:
        raise InvalidInput("the file name must not contain / or \\", field="file")
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        raise InvalidInput("the file name contains control characters", field="file")
    if len(name) > MAX_FILENAME:
        raise InvalidInput(f"the file name is longer than {MAX_FILENAME} characters", field="file")
    if name in (".", ".."):
        raise InvalidInput("the file name is not a name", field="file")
    return unicodedata.normalize("NFC", name.strip())


def unit_named(session: Session, name: str | None) -> Unit | None:
    if name is None or not name.strip():
        return None
    unit = session.scalars(select(Unit).where(Unit.name == name.strip())).one_or_none()
    if unit is None:
        raise InvalidInput(f"unknown unit {name!r}", field="unit")
    return unit


def type_coded(session: Session, code: str | None) -> DocumentType | None:
    if code is None or not code.strip():
        return None
    document_type = session.scalars(
        select(DocumentType).where(DocumentType.code == code.strip())
    ).one_or_none()
    if document_type is None:
        raise InvalidInput(f"unknown document type {code!r}", field="document_type")
    return document_type


def clean_tag_names(names: tuple[str, ...]) -> list[str]:
    """The names trimmed, blanks and repeats left out, each checked for length."""
    wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    for name in wanted:
        if len(name) > MAX_TAG:
            raise InvalidInput(
                f"tag {name[:20]!r}… is longer than {MAX_TAG} characters", field="tags"
            )
        if not TAG_PATTERN.fullmatch(name):
            raise InvalidInput(
                f"tag {name[:20]!r} holds a character tags may not: {{ }} [ ] < > or a "
                "control character",
                field="tags",
            )
    return wanted


def tags_named(session: Session, names: tuple[str, ...]) -> list[Tag]:
    wanted = clean_tag_names(names)
    if not wanted:
        return []
    # Insert-if-absent, so two edits creating the same new tag at once both succeed (on
    # PostgreSQL the second waits for the first's commit, then skips the row). In name
    # order: two transactions inserting the same new tags in opposite orders could each
    # end up waiting for the other (a deadlock).
    statement = dialect_insert(session, Tag).values([{"name": name} for name in sorted(wanted)])
    session.execute(statement.on_conflict_do_nothing(index_elements=["name"]))
    found = {tag.name: tag for tag in session.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    return [found[name] for name in wanted]


def clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("the title is empty", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"the title is longer than {MAX_TITLE} characters", field="title")
    return title


def title_from(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0] if "." in filename.strip(".") else filename
    return stem[:MAX_TITLE] or filename[:MAX_TITLE]
