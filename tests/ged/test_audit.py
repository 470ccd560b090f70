"""record(): one hash-chained event per call, in its stream, in the caller's transaction,
never forked."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from ged.access import Principal
from ged.audit.chain import GENESIS, event_dict, event_hash, record
from ged.audit.verify import verify_chain
from ged.config import Settings
from ged.db import make_engine, make_session_factory
from ged.models import ACCESS, LIFECYCLE, AuditCheckpoint, AuditEvent, Unit
from tests.migrated import migrate

CLAIRE = Principal(
    user_id=7,
    username="claire",
    role="agent",
    group_ids=frozenset({1}),
    token_label="scanner accueil",
    ip="192.0.2.10",
    user_agent="curl/8.5",
)


def all_events(session, stream: str | None = None) -> list[dict]:
    """Events as recorded (by id), or one stream's in chain order."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if stream is not None:
        query = select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)
    return [event_dict(event) for event in session.scalars(query)]


def test_events_chain_from_genesis_and_verify(db_session):
    first = record(db_session, CLAIRE, "document.view", object_type="document", object_id=12)
    second = record(
        db_session,
        None,
        "login.failed",
        actor="mallory",
        outcome="denied",
        ip="198.51.100.4",
        details={"reason": "wrong password"},
    )
    db_session.commit()

    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    events = all_events(db_session)
    assert events[0]["actor"] == "claire" and events[0]["actor_token"] == "scanner accueil"
    assert events[0]["ip"] == "192.0.2.10" and events[0]["object_id"] == "12"
    assert events[1]["actor"] == "mallory" and events[1]["actor_token"] is None
    assert verify_chain(events, [], None).ok


def test_hash_is_sha256_of_prev_hash_and_canonical_json(db_session):
    record(
        db_session,
        CLAIRE,
        "search",
        details={"q": "arrêté", "hits": 3, "filters": {"b": 1, "a": 2}},
    )
    db_session.commit()
    event = all_events(db_session)[0]

    assert event["ts"].endswith("Z") and len(event["ts"]) == len("2026-01-01T00:00:00.000000Z")
    body = {key: value for key, value in event.items() if key != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "arrêté" in canonical  # UTF-8, not \u escapes
    expected = hashlib.sha256((GENESIS + canonical).encode("utf-8")).hexdigest()
    assert event["hash"] == expected == event_hash(event)


def test_the_lifecycle_journal_hashes_as_the_one_chain_did_the_access_log_names_its_stream(
    db_session,
):
    record(db_session, CLAIRE, "document.update", object_type="document", object_id=3)
    record(db_session, CLAIRE, "document.view", object_type="document", object_id=3)
    db_session.commit()
    lifecycle, access = all_events(db_session)
    assert (lifecycle["stream"], access["stream"]) == (LIFECYCLE, ACCESS)
    for event, left_out in ((lifecycle, {"hash", "stream"}), (access, {"hash"})):
        body = {key: value for key, value in event.items() if key not in left_out}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256((GENESIS + canonical).encode()).hexdigest() == event["hash"]
    # relabelled into the other stream, neither matches its hash any more
    assert event_hash({**lifecycle, "stream": ACCESS}) != lifecycle["hash"]
    assert event_hash({**access, "stream": LIFECYCLE}) != access["hash"]


def test_each_stream_is_a_chain_of_its_own_and_id_orders_both(db_session):
    actions = ["document.upload", "document.view", "search", "acl.change", "login", "logout"]
    recorded = [record(db_session, CLAIRE, action) for action in actions]
    db_session.commit()
    assert [(e.id, e.stream, e.seq) for e in recorded] == [
        (1, LIFECYCLE, 1),
        (2, ACCESS, 1),
        (3, ACCESS, 2),
        (4, LIFECYCLE, 2),
        (5, ACCESS, 3),
        (6, ACCESS, 4),
    ]
    assert recorded[3].prev_hash == recorded[0].hash and recorded[1].prev_hash == GENESIS
    assert [e["action"] for e in all_events(db_session)] == actions
    for stream in (ACCESS, LIFECYCLE):
        assert verify_chain(all_events(db_session, stream), [], None, stream=stream).ok


def test_details_are_stored_exactly_as_hashed(db_session):
    record(db_session, CLAIRE, "acl.change", details={"before": ("a", "b"), "pages": {3: None}})
    db_session.commit()
    db_session.expire_all()
    event = all_events(db_session)[0]
    assert event["details"] == {"before": ["a", "b"], "pages": {"3": None}}
    assert event_hash(event) == event["hash"]


def test_empty_and_overlong_client_values_are_normalised(db_session):
    caller = Principal(1, "claire", "agent", frozenset(), None, "", "x" * 5000)
    record(db_session, caller, "document.view")
    db_session.commit()
    event = all_events(db_session)[0]
    assert event["ip"] is None  # "" and None must not differ: CSV cannot tell them apart
    assert len(event["user_agent"]) == 512
    assert event_hash(event) == event["hash"]


def test_details_that_json_cannot_say_are_refused(db_session):
    with pytest.raises(ValueError):
        record(db_session, CLAIRE, "search", details={"score": float("nan")})
    with pytest.raises(ValueError, match="outcome"):
        record(db_session, CLAIRE, "search", outcome="maybe")


def test_event_commits_and_rolls_back_with_the_action(db_session):
    db_session.add(Unit(name="Urbanisme"))
    record(db_session, CLAIRE, "unit.create", object_type="unit", object_id="Urbanisme")
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert db_session.scalar(select(func.count()).select_from(Unit)) == 0

    db_session.add(Unit(name="Urbanisme"))
    record(db_session, CLAIRE, "unit.create", object_type="unit", object_id="Urbanisme")
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert db_session.scalar(select(AuditEvent.seq)) == 1  # the rolled-back seq is reused


# --- concurrency -------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def committing_url(request, settings: Settings) -> str:
    """A database whose sessions really commit (no outer savepoint), for concurrent writers."""
    if request.param == "postgresql":
        return request.getfixturevalue("fresh_postgres_url")
    migrate(settings.database.url)
    return settings.database.url


def run_concurrently(count: int, work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_fifty_concurrent_writers_give_a_gap_free_valid_chain(committing_url):
    from ged.config import DatabaseSettings

    engine = make_engine(DatabaseSettings(url=committing_url))
    factory = make_session_factory(engine)

    def act(index: int) -> None:
        with factory() as session:
            # Reads only before the audit write (as a document view does): nothing has
            # locked the database yet, and the head must still not be read stale.
            session.scalar(select(func.count()).select_from(AuditEvent))
            # Half in each stream: the chains share one lock, and neither may fork.
            action = "unit.create" if index % 2 else "acl.view"
            record(session, CLAIRE, action, object_type="unit", object_id=index)
            session.add(Unit(name=f"Unité {index}"))
            session.commit()

    try:
        errors = run_concurrently(50, act)
        assert errors == []
        with factory() as session:
            events = all_events(session)
            ids = list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
            streams = {stream: all_events(session, stream) for stream in (ACCESS, LIFECYCLE)}
            units = session.scalar(select(func.count()).select_from(Unit))
    finally:
        engine.dispose()
    assert ids == list(range(1, 51))
    assert sorted(int(event["object_id"]) for event in events) == list(range(50))
    assert units == 50
    for stream, chain in streams.items():
        assert [event["seq"] for event in chain] == list(range(1, 26))
        result = verify_chain(chain, [], None, stream=stream)
        assert result.ok and result.checked == 25
    # ts never goes backwards in the order of commits, across both streams
    assert [event["ts"] for event in events] == sorted(event["ts"] for event in events)


# --- append-only on PostgreSQL ----------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'someone else'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE audit_checkpoints SET seq = 0",
        "DELETE FROM audit_checkpoints",
    ],
)
def test_postgresql_refuses_to_change_or_delete_audit_rows(db_session, statement):
    record(db_session, CLAIRE, "document.view", object_type="document", object_id=1)
    db_session.add(
        AuditCheckpoint(
            stream=ACCESS, seq=1, head_hash="0" * 64, ts=func.now(), signature="00", key_id="k"
        )
    )
    db_session.commit()
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text(statement))
    assert db_session.scalar(select(AuditEvent.actor)) == "claire"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_lets_only_the_purge_setting_delete_access_events(db_session):
    record(db_session, CLAIRE, "document.view")
    record(db_session, CLAIRE, "document.update")
    db_session.commit()
    with db_session.begin_nested():
        db_session.execute(text("SET LOCAL ged.audit.purge = 'on'"))
        db_session.execute(text("DELETE FROM audit_events WHERE stream = 'access'"))
    # not even the purge may delete the lifecycle journal
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text("SET LOCAL ged.audit.purge = 'on'"))
        db_session.execute(text("DELETE FROM audit_events"))
    assert list(db_session.scalars(select(AuditEvent.action))) == ["document.update"]
