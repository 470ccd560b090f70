"""Notes (avis) on a document, and the answers to them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from ged.models import Note
from ged.services.notes import MAX_BODY
from ged.timeutil import iso
from ged.web.api.schemas.common import Input, Output, StrictId, Timestamp, integral

Body = Annotated[str, Field(min_length=1, max_length=MAX_BODY, description="the note's text")]


class NewNote(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [{"body": "Avis favorable du service voirie, sous réserve du plan."}]
        }
    }

    body: Body
    reply_to_id: StrictId | None = Field(
        None, description="the note of this document it answers; null: a new thread"
    )

    @field_validator("reply_to_id", mode="before")
    @classmethod
    def _integral_id(cls, value: object) -> object:
        return integral([value])[0]


class NoteEdit(Input):
    body: Body


class NoteOut(Output):
    id: int
    document_id: int
    author: str | None = Field(description="the author's username")
    reply_to_id: int | None
    body: str
    created_at: Timestamp
    edited_at: Timestamp | None = Field(description="when its author last changed it")

    @classmethod
    def of(cls, note: Note) -> NoteOut:
        return cls(
            id=note.id,
            document_id=note.document_id,
            author=note.author.username if note.author else None,
            reply_to_id=note.reply_to_id,
            body=note.body,
            created_at=iso(note.created_at),
            edited_at=iso(note.edited_at),
        )


class NoteList(Output):
    notes: list[NoteOut] = Field(description="oldest first; answers name the note they answer")
