"""Per-request access to what create_app() built: one unit of work per request.

Views hand ``uow()`` and ``principal()`` to a service; the service commits. Whatever it
did not commit is rolled back at the end of the request (teardown).
"""

from __future__ import annotations

from flask import Flask, current_app, g

from ged.access import Principal
from ged.bootstrap import Runtime
from ged.config import Settings
from ged.uow import UnitOfWork


def runtime() -> Runtime:
    return current_app.extensions["ged"]


def settings() -> Settings:
    return runtime().settings


def uow() -> UnitOfWork:
    """The request's unit of work, opened on first use and closed at teardown."""
    if "uow" not in g:
        g.uow = runtime().unit_of_work()
    return g.uow


def principal() -> Principal:
    """The authenticated caller; set by ged.web.auth before any protected view runs."""
    return g.principal


def close_uow(_exc: BaseException | None = None) -> None:
    unit = g.pop("uow", None)
    if unit is not None:
        unit.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_uow)
