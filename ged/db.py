"""Database engine, sessions and the declarative base.

Plain SQLAlchemy (no Flask-SQLAlchemy) so that workers and the CLI need no
application context. SQLite is the embedded default; PostgreSQL is production.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ged.config import DatabaseSettings
from ged.errors import ConcurrentChange, Conflict, ServiceUnavailable

# Stable constraint names, so that Alembic can later alter or drop them by name
# on both SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(settings: DatabaseSettings) -> Engine:
    url = make_url(settings.url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite":
        return _make_sqlite_engine(url, settings.echo)
    return create_engine(url, echo=settings.echo, pool_pre_ping=True)


def _make_sqlite_engine(url, echo: bool) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):  # pragma: no branch - runs per connection
        cursor = dbapi_connection.cursor()
        # WAL lets readers proceed while one writer commits; FULL syncs every commit,
        # so a power cut never loses a document whose scan was already moved to done/;
        # foreign keys are off by default in SQLite and must be switched on per connection.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    return engine


#: SQLSTATE integrity_constraint_violation, as the legal-hold trigger raises it
HELD_BY_TRIGGER = "23000"


class ConflictAwareSession(Session):
    """A session whose flushes (at commit, or automatic before a query) answer a row found
    changed or gone since it was read with ConcurrentChange, a Conflict: a document whose
    revision moved on (its version counter), a tag link removed meanwhile. Services lock a
    document before changing it (ged.services.revisions), so this is the net under a path
    that does not: an answer the caller can act on rather than a database error.

    The same goes for PostgreSQL's legal-hold trigger, which refuses what a hold placed
    between a service's own check and its flush forbids: a Conflict with its message."""

    def flush(self, objects=None) -> None:
        try:
            super().flush(objects)
        except StaleDataError as exc:
            raise ConcurrentChange() from exc
        except IntegrityError as exc:
            # 23000 itself (not one of its subclasses such as unique_violation) is only
            # raised by ged's own triggers
            if getattr(exc.orig, "sqlstate", None) != HELD_BY_TRIGGER:
                raise
            diagnostic = getattr(exc.orig, "diag", None)
            raise Conflict(getattr(diagnostic, "message_primary", None) or str(exc.orig)) from exc


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions are used as ``with factory() as session:``; leaving the block without
    ``session.commit()`` rolls back (closing ends the transaction), so a unit of work
    commits only what it says it commits."""
    return sessionmaker(bind=engine, class_=ConflictAwareSession, expire_on_commit=False)


def dialect_insert(session: Session, model):
    """The database's own INSERT, which knows ON CONFLICT DO NOTHING (SQLite and PostgreSQL):
    for rows several requests may create at once (a blob, a tag)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def check_database(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise ServiceUnavailable("database", _first_line(exc)) from None


def _first_line(exc: Exception) -> str:
    message = str(getattr(exc, "orig", None) or exc)
    return message.strip().splitlines()[0] if message.strip() else type(exc).__name__
