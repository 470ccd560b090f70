"""Checkpoints and retention: the signing key, periodic sealing of each stream, and a purge
of the access log that keeps both chains verifiable."""

from __future__ import annotations

import logging
import stat
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from ged.access import Principal
from ged.audit.chain import record
from ged.audit.purge import purge
from ged.audit.seal import (
    SigningKeyMissing,
    checkpoint_dict,
    generate_key,
    key_id,
    load_public_key,
    public_key_file,
    seal_checkpoint,
    seal_if_due,
    signature_valid,
)
from ged.audit.verify import verify_database
from ged.config import Settings
from ged.errors import Conflict
from ged.models import ACCESS, LIFECYCLE, AuditCheckpoint, AuditEvent
from tests.ged.test_audit_export import insert_chain

ARCHIVIST = Principal(2, "archiviste", "archivist", frozenset(), None, None, None)


@pytest.fixture
def keyed_settings(make_settings, tmp_path) -> Settings:
    settings = make_settings(audit={"key_file": tmp_path / "keys" / "audit.key"})
    generate_key(settings.audit.key_file)
    return settings


@pytest.fixture
def keyless_settings(make_settings, tmp_path) -> Settings:
    return make_settings(audit={"key_file": tmp_path / "absent.key"})


def record_views(session, count: int) -> None:
    for number in range(count):
        record(session, ARCHIVIST, "document.view", object_type="document", object_id=number)
    session.commit()


def test_keygen_writes_a_private_key_only_we_can_read_and_never_overwrites(tmp_path):
    key_file = tmp_path / "var" / "audit.key"
    public_key = generate_key(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key_file.read_bytes()
    assert key_id(load_public_key(key_file)) == key_id(public_key)
    assert b"PUBLIC KEY" in public_key_file(key_file).read_bytes()
    with pytest.raises(Conflict, match="never replaces"):
        generate_key(key_file)


def test_a_sealed_checkpoint_signs_the_head_of_each_stream(db_session, keyed_settings):
    record_views(db_session, 3)
    record(db_session, ARCHIVIST, "document.update", object_type="document", object_id=1)
    lifecycle, access = seal_checkpoint(db_session, keyed_settings)
    assert [(c.stream, c.seq) for c in (lifecycle, access)] == [(LIFECYCLE, 1), (ACCESS, 3)]
    assert access.head_hash == db_session.scalar(
        select(AuditEvent.hash).where(AuditEvent.stream == ACCESS, AuditEvent.seq == 3)
    )
    public_key = load_public_key(keyed_settings.audit.key_file)
    for checkpoint in (lifecycle, access):
        assert signature_valid(checkpoint_dict(checkpoint), public_key)
        assert not signature_valid({**checkpoint_dict(checkpoint), "seq": 2}, public_key)
    assert not signature_valid({**checkpoint_dict(access), "stream": LIFECYCLE}, public_key)


def test_sealing_without_a_key_is_refused_and_periodic_sealing_skipped(
    db_session, keyless_settings, caplog
):
    record_views(db_session, 1)
    with pytest.raises(SigningKeyMissing, match="ged audit keygen"):
        seal_checkpoint(db_session, keyless_settings)
    with caplog.at_level(logging.WARNING, logger="ged.audit.seal"):
        assert seal_if_due(db_session, keyless_settings) == []
    assert "not sealed" in caplog.text


def sealed(checkpoints: list[AuditCheckpoint]) -> list[tuple[str, int]]:
    return [(checkpoint.stream, checkpoint.seq) for checkpoint in checkpoints]


def test_periodic_sealing_waits_for_the_interval_and_for_new_events(db_session, keyed_settings):
    assert seal_if_due(db_session, keyed_settings) == []  # nothing to seal yet
    record_views(db_session, 2)
    assert sealed(seal_if_due(db_session, keyed_settings)) == [(ACCESS, 2)]
    record_views(db_session, 1)
    record(db_session, ARCHIVIST, "document.update")
    # the lifecycle journal was never sealed; the access log was, less than 60 minutes ago
    assert sealed(seal_if_due(db_session, keyed_settings)) == [(LIFECYCLE, 1)]

    an_hour_later = datetime.now(UTC) + timedelta(minutes=61)
    assert sealed(seal_if_due(db_session, keyed_settings, now=an_hour_later)) == [(ACCESS, 3)]
    assert seal_if_due(db_session, keyed_settings, now=an_hour_later) == []  # nothing new


def stream_seqs(session, stream: str) -> list[int]:
    query = select(AuditEvent.seq).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)
    return list(session.scalars(query))


def test_purge_removes_old_access_events_keeps_the_lifecycle_and_both_verify(
    db_session, keyed_settings
):
    record_views(db_session, 5)
    for number in range(4):
        record(db_session, ARCHIVIST, "document.update", object_type="document", object_id=number)
    db_session.commit()
    cutoff = datetime.now(UTC)
    record_views(db_session, 3)

    done = purge(db_session, keyed_settings, cutoff, ARCHIVIST)

    assert (done.deleted, done.last_seq) == (5, 5)
    assert stream_seqs(db_session, ACCESS) == [6, 7, 8]
    # every lifecycle event of the purged period is kept, and the purge is one of them
    assert stream_seqs(db_session, LIFECYCLE) == [1, 2, 3, 4, 5]
    purged = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.purge")).one()
    assert (purged.actor, purged.stream) == ("archiviste", LIFECYCLE)
    assert purged.details["stream"] == ACCESS and purged.details["last_purged_seq"] == 5
    assert purged.details["last_purged_hash"] == done.last_hash == purged_anchor(db_session)
    result = verify_database(db_session, keyed_settings)
    assert result.ok, result.detail
    assert (result.of(ACCESS).first_seq, result.of(ACCESS).last_seq) == (6, 8)
    assert (result.of(LIFECYCLE).first_seq, result.of(LIFECYCLE).last_seq) == (1, 5)


def purged_anchor(session) -> str:
    return session.scalar(
        select(AuditCheckpoint.head_hash).where(
            AuditCheckpoint.stream == ACCESS, AuditCheckpoint.seq == 5
        )
    )


def test_a_purge_of_the_whole_access_log_still_verifies_and_the_chain_goes_on(
    db_session, keyed_settings
):
    record_views(db_session, 3)
    purge(db_session, keyed_settings, datetime.now(UTC))
    assert stream_seqs(db_session, ACCESS) == []
    result = verify_database(db_session, keyed_settings)
    assert result.ok, result.detail
    assert result.of(ACCESS).sealed_seq == 3
    record_views(db_session, 1)
    assert stream_seqs(db_session, ACCESS) == [4]
    assert verify_database(db_session, keyed_settings).ok
    # whereas a lifecycle journal emptied under its checkpoints was cut
    if db_session.get_bind().dialect.name == "postgresql":
        return  # the trigger would not even let it be deleted
    seal_checkpoint(db_session, keyed_settings)
    db_session.execute(text("DELETE FROM audit_events WHERE stream = 'lifecycle'"))
    db_session.commit()
    result = verify_database(db_session, keyed_settings)
    assert (result.reason, result.stream) == ("truncated", LIFECYCLE)


def test_deleting_more_than_a_purge_is_still_found(db_session, keyed_settings):
    record_views(db_session, 4)
    cutoff = datetime.now(UTC)
    record_views(db_session, 3)
    purge(db_session, keyed_settings, cutoff)
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("SET LOCAL ged.audit.purge = 'on'"))
    db_session.execute(text("DELETE FROM audit_events WHERE stream = 'access' AND seq = 5"))
    db_session.commit()
    result = verify_database(db_session, keyed_settings)
    assert (result.reason, result.stream, result.first_broken_seq) == ("missing", ACCESS, 5)


def test_purge_keeps_the_access_log_a_year_by_default_and_zero_keeps_it_forever(
    db_session, keyed_settings, make_settings
):
    long_ago = datetime.now(UTC) - timedelta(days=400)
    insert_chain(db_session, 6, start=long_ago, stream=LIFECYCLE)
    insert_chain(db_session, 3, start=long_ago)
    record_views(db_session, 2)
    forever = make_settings(
        audit={"key_file": keyed_settings.audit.key_file, "access_retention_days": 0}
    )
    assert purge(db_session, forever).deleted == 0
    assert keyed_settings.audit.access_retention_days == 365
    assert purge(db_session, keyed_settings).deleted == 3
    assert purge(db_session, keyed_settings).deleted == 0  # what is left is recent
    assert stream_seqs(db_session, ACCESS) == [4, 5]
    assert stream_seqs(db_session, LIFECYCLE) == [1, 2, 3, 4, 5, 6, 7]  # 400 days old, and kept
    assert verify_database(db_session, keyed_settings).ok


def test_purge_needs_the_signing_key(db_session, keyless_settings):
    record_views(db_session, 2)
    with pytest.raises(SigningKeyMissing):
        purge(db_session, keyless_settings, datetime.now(UTC))
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 2
