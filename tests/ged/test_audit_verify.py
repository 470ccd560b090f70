"""Verification finds every kind of tampering in either stream, with the right stream,
sequence number and reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from ged.access import Principal
from ged.audit.chain import event_dict, event_hash, format_ts, record
from ged.audit.seal import checkpoint_message, generate_key, seal_checkpoint
from ged.audit.verify import verify_chain, verify_database
from ged.config import Settings
from ged.models import ACCESS, LIFECYCLE, STREAMS, AuditCheckpoint, AuditEvent

AGENT = Principal(3, "agent", "agent", frozenset(), None, "192.0.2.1", "Firefox")


@pytest.fixture
def keyed_settings(make_settings, tmp_path) -> Settings:
    settings = make_settings(audit={"key_file": tmp_path / "audit.key"})
    generate_key(settings.audit.key_file)
    return settings


@pytest.fixture(params=STREAMS)
def stream(request) -> str:
    """The stream tampered with (the other one, left intact, must not hide it)."""
    return request.param


def record_views(session, count: int) -> None:
    """``count`` events in each stream, taking turns: a view (access), an edit (lifecycle)."""
    for number in range(count):
        for action in ("document.view", "document.update"):
            record(session, AGENT, action, object_type="document", object_id=number)
    session.commit()


def tamper(session, *statements: str) -> None:
    """Run statements as whoever owns the database would: past the PostgreSQL trigger."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        session.execute(text("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER"))
    for statement in statements:
        session.execute(text(statement))
    if postgresql:
        session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        session.execute(text("ALTER TABLE audit_checkpoints ENABLE TRIGGER USER"))
    session.commit()


def test_an_untouched_chain_with_checkpoints_verifies(db_session, keyed_settings):
    record_views(db_session, 5)
    seal_checkpoint(db_session, keyed_settings)
    record_views(db_session, 2)
    result = verify_database(db_session, keyed_settings)
    assert result.ok, result.detail
    assert (result.checked, result.checkpoints_checked) == (14, 2)
    for stream in STREAMS:
        each = result.of(stream)
        assert (each.checked, each.first_seq, each.last_seq) == (7, 1, 7)
        assert (each.checkpoints_checked, each.sealed_seq) == (1, 5)
    assert "events after 5 are chained but not yet sealed" in result.detail


def test_altering_one_field_is_found(db_session, keyed_settings, stream):
    record_views(db_session, 10)
    tamper(
        db_session,
        f"UPDATE audit_events SET actor = 'someone' WHERE stream = '{stream}' AND seq = 6",
    )
    result = verify_database(db_session, keyed_settings)
    assert (result.ok, result.reason, result.stream) == (False, "altered", stream)
    assert (result.first_broken_seq, result.checked) == (6, 5)


def test_moving_an_event_to_the_other_stream_is_found(db_session, keyed_settings, stream):
    record_views(db_session, 4)
    other = ACCESS if stream == LIFECYCLE else LIFECYCLE
    tamper(
        db_session,
        f"UPDATE audit_events SET stream = '{other}', seq = 5 WHERE stream = '{stream}' "
        "AND seq = 4",
    )
    result = verify_database(db_session, keyed_settings)
    assert (result.reason, result.stream, result.first_broken_seq) == ("altered", other, 5)


def test_deleting_a_row_is_found(db_session, keyed_settings, stream):
    record_views(db_session, 10)
    tamper(db_session, f"DELETE FROM audit_events WHERE stream = '{stream}' AND seq = 4")
    result = verify_database(db_session, keyed_settings)
    assert (result.reason, result.stream, result.first_broken_seq) == ("missing", stream, 4)


def test_deleting_the_first_row_is_found(db_session, keyed_settings, stream):
    record_views(db_session, 3)
    tamper(db_session, f"DELETE FROM audit_events WHERE stream = '{stream}' AND seq = 1")
    result = verify_database(db_session, keyed_settings)
    assert (result.reason, result.stream, result.first_broken_seq) == ("missing", stream, 1)


@pytest.mark.parametrize(("first", "second"), [(4, 7), (4, 5)])
def test_swapping_two_rows_is_found(db_session, keyed_settings, stream, first, second):
    record_views(db_session, 10)
    where = f"WHERE stream = '{stream}' AND seq ="
    tamper(
        db_session,
        f"UPDATE audit_events SET seq = -1 {where} {first}",
        f"UPDATE audit_events SET seq = {first} {where} {second}",
        f"UPDATE audit_events SET seq = {second} {where} -1",
    )
    result = verify_database(db_session, keyed_settings)
    assert (result.reason, result.stream, result.first_broken_seq) == ("reordered", stream, first)
    assert f"now sits at seq {second}" in result.detail


def test_cutting_the_tail_after_a_checkpoint_is_found(db_session, keyed_settings, stream):
    record_views(db_session, 8)
    seal_checkpoint(db_session, keyed_settings)
    record_views(db_session, 2)
    tamper(db_session, f"DELETE FROM audit_events WHERE stream = '{stream}' AND seq >= 7")
    result = verify_database(db_session, keyed_settings)
    assert (result.reason, result.stream, result.first_broken_seq) == ("truncated", stream, 7)
    assert "covers events up to 8" in result.detail


def test_rewriting_and_rehashing_is_found_by_the_next_checkpoint(
    db_session, keyed_settings, stream
):
    record_views(db_session, 2)
    seal_checkpoint(db_session, keyed_settings)
    record_views(db_session, 6)
    seal_checkpoint(db_session, keyed_settings)
    # Whoever owns the database changes event 5 and recomputes every hash after it.
    query = select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)
    events = [event_dict(e) for e in db_session.scalars(query)]
    statements, prev = [], events[3]["hash"]
    for event in events[4:]:
        event = {**event, "prev_hash": prev}
        if event["seq"] == 5:
            event["object_id"] = "999"
        prev = event_hash(event)
        statements.append(
            f"UPDATE audit_events SET object_id = '{event['object_id']}', "
            f"prev_hash = '{event['prev_hash']}', hash = '{prev}' "
            f"WHERE stream = '{stream}' AND seq = {event['seq']}"
        )
    tamper(db_session, *statements)
    result = verify_database(db_session, keyed_settings)
    assert (result.reason, result.stream, result.first_broken_seq) == ("altered", stream, 3)
    assert "events 3 to 8 were rewritten" in result.detail


def test_a_checkpoint_with_a_wrong_signature_is_reported(db_session, keyed_settings, stream):
    record_views(db_session, 4)
    head = db_session.scalars(
        select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq.desc())
    ).first()
    moment = datetime.now(UTC)
    message = checkpoint_message(4, head.hash, format_ts(moment), stream)
    forged = Ed25519PrivateKey.generate().sign(message)
    db_session.add(
        AuditCheckpoint(
            stream=stream,
            seq=4,
            head_hash=head.hash,
            ts=moment,
            signature=forged.hex(),
            key_id="whoever",
        )
    )
    db_session.commit()
    result = verify_database(db_session, keyed_settings)
    assert (result.reason, result.stream, result.first_broken_seq) == ("bad signature", stream, 4)


def test_a_checkpoint_moved_to_the_other_stream_no_longer_holds(db_session, keyed_settings, stream):
    record_views(db_session, 4)
    seal_checkpoint(db_session, keyed_settings)
    other = ACCESS if stream == LIFECYCLE else LIFECYCLE
    tamper(db_session, f"UPDATE audit_checkpoints SET stream = '{other}' WHERE stream = '{stream}'")
    result = verify_database(db_session, keyed_settings)
    # its signature named its stream (or, the lifecycle journal's, the format that means it)
    assert (result.reason, result.stream, result.first_broken_seq) == ("bad signature", other, 4)


def test_without_a_key_verification_says_checkpoints_are_not_configured(
    db_session, make_settings, tmp_path
):
    record_views(db_session, 3)
    result = verify_database(db_session, make_settings(audit={"key_file": tmp_path / "none"}))
    assert result.ok and result.key_id is None
    assert "checkpoints are not configured" in result.detail


# --- pure logic: lines of an exported file --------------------------------------------------


def exported_chain(count: int) -> list[dict]:
    events, prev = [], "0" * 64
    for seq in range(1, count + 1):
        event = {
            "seq": seq,
            "ts": f"2026-01-01T00:00:{seq:02d}.000000Z",
            "actor": "agent",
            "actor_token": None,
            "action": "search",
            "object_type": None,
            "object_id": None,
            "outcome": "allowed",
            "ip": None,
            "user_agent": None,
            "details": {"q": f"requête {seq}"},
            "prev_hash": prev,
        }
        event["hash"] = prev = event_hash(event)
        events.append(event)
    return events


def test_lines_out_of_order_in_a_file_are_reordered():
    events = exported_chain(6)
    events[2], events[3] = events[3], events[2]
    result = verify_chain(events, [], None, complete=False)
    assert (result.reason, result.first_broken_seq) == ("reordered", 3)


def test_a_range_starts_from_its_first_prev_hash_and_must_reach_its_end():
    events = exported_chain(10)[4:]
    assert verify_chain(events, [], None, complete=False, seq_range=(5, 10)).ok
    assert not verify_chain(events, [], None, complete=True).ok  # the database must start at 1
    cut = verify_chain(events[:-2], [], None, complete=False, seq_range=(5, 10))
    assert (cut.reason, cut.first_broken_seq) == ("truncated", 9)
