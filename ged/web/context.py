"""Per-request access to what create_app() built: settings, one DB session, the blob store."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from ged.access import Principal
from ged.config import Settings
from ged.storage import BlobStore


def settings() -> Settings:
    return current_app.extensions["ged"]["settings"]


def store() -> BlobStore:
    return current_app.extensions["ged"]["store"]


def db() -> Session:
    """The request's session, opened on first use and closed at teardown (rolling back
    whatever a service did not commit)."""
    if "db" not in g:
        g.db = current_app.extensions["ged"]["sessions"]()
    return g.db


def principal() -> Principal:
    """The authenticated caller; set by ged.web.auth before any protected view runs."""
    return g.principal


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
