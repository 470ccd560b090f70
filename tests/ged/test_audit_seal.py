"""Checkpoints and retention: the signing key, periodic sealing, and a purge that keeps the
chain verifiable."""

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
from ged.models import AuditCheckpoint, AuditEvent
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


def test_a_sealed_checkpoint_signs_the_head(db_session, keyed_settings):
    record_views(db_session, 3)
    checkpoint = seal_checkpoint(db_session, keyed_settings)
    assert checkpoint.seq == 3
    assert checkpoint.head_hash == db_session.scalar(
        select(AuditEvent.hash).where(AuditEvent.seq == 3)
    )
    public_key = load_public_key(keyed_settings.audit.key_file)
    assert signature_valid(checkpoint_dict(checkpoint), public_key)
    assert not signature_valid({**checkpoint_dict(checkpoint), "seq": 2}, public_key)


def test_sealing_without_a_key_is_refused_and_periodic_sealing_skipped(
    db_session, keyless_settings, caplog
):
    record_views(db_session, 1)
    with pytest.raises(SigningKeyMissing, match="ged audit keygen"):
        seal_checkpoint(db_session, keyless_settings)
    with caplog.at_level(logging.WARNING, logger="ged.audit.seal"):
        assert seal_if_due(db_session, keyless_settings) is None
    assert "not sealed" in caplog.text


def test_periodic_sealing_waits_for_the_interval_and_for_new_events(db_session, keyed_settings):
    assert seal_if_due(db_session, keyed_settings) is None  # nothing to seal yet
    record_views(db_session, 2)
    assert seal_if_due(db_session, keyed_settings).seq == 2
    record_views(db_session, 1)
    assert seal_if_due(db_session, keyed_settings) is None  # sealed less than 60 minutes ago

    an_hour_later = datetime.now(UTC) + timedelta(minutes=61)
    assert seal_if_due(db_session, keyed_settings, now=an_hour_later).seq == 3
    assert seal_if_due(db_session, keyed_settings, now=an_hour_later) is None  # nothing new


def test_purge_removes_old_events_and_the_rest_still_verifies(db_session, keyed_settings):
    record_views(db_session, 5)
    cutoff = datetime.now(UTC)
    record_views(db_session, 3)

    done = purge(db_session, keyed_settings, cutoff, ARCHIVIST)

    assert (done.deleted, done.last_seq) == (5, 5)
    seqs = list(db_session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
    assert seqs == [6, 7, 8, 9]
    purged = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.purge")).one()
    assert purged.actor == "archiviste"
    assert purged.details["last_purged_seq"] == 5
    assert purged.details["last_purged_hash"] == done.last_hash == purged_anchor(db_session)
    result = verify_database(db_session, keyed_settings)
    assert result.ok, result.detail
    assert (result.first_seq, result.last_seq) == (6, 9)


def purged_anchor(session) -> str:
    return session.scalar(select(AuditCheckpoint.head_hash).where(AuditCheckpoint.seq == 5))


def test_deleting_more_than_a_purge_is_still_found(db_session, keyed_settings):
    record_views(db_session, 4)
    cutoff = datetime.now(UTC)
    record_views(db_session, 3)
    purge(db_session, keyed_settings, cutoff)
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("SET LOCAL ged.audit.purge = 'on'"))
    db_session.execute(text("DELETE FROM audit_events WHERE seq = 5"))
    db_session.commit()
    result = verify_database(db_session, keyed_settings)
    assert (result.reason, result.first_broken_seq) == ("missing", 5)


def test_purge_follows_retention_days_and_keeps_forever_by_default(
    db_session, keyed_settings, make_settings
):
    insert_chain(db_session, 3, start=datetime.now(UTC) - timedelta(days=400))
    record_views(db_session, 2)
    assert purge(db_session, keyed_settings).deleted == 0  # retention_days = 0: forever
    kept_a_year = make_settings(
        audit={"key_file": keyed_settings.audit.key_file, "retention_days": 365}
    )
    assert purge(db_session, kept_a_year).deleted == 3
    assert purge(db_session, kept_a_year).deleted == 0  # what is left is recent
    assert verify_database(db_session, kept_a_year).ok


def test_purge_needs_the_signing_key(db_session, keyless_settings):
    record_views(db_session, 2)
    with pytest.raises(SigningKeyMissing):
        purge(db_session, keyless_settings, datetime.now(UTC))
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 2
