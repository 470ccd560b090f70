"""Two audit streams: which action goes where, the retention setting, the migration of the one
chain there was into the lifecycle journal, and exports of each stream verified offline."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import select

from ged.access import Principal
from ged.audit.chain import event_hash, format_ts, record
from ged.audit.export import jsonl_chunks
from ged.audit.offline import verify_file
from ged.audit.query import EventFilters, iter_events
from ged.audit.seal import checkpoint_message, generate_key, key_id, load_private_key
from ged.audit.streams import ACCESS_ACTIONS, stream_of
from ged.audit.verify import verify_database
from ged.cli.audit import audit
from ged.config import DatabaseSettings, load_settings
from ged.db import make_engine, make_session_factory
from ged.errors import ConfigError
from ged.migrate import upgrade
from ged.models import ACCESS, LIFECYCLE, AuditEvent
from tests.ged.test_audit_export import insert_chain
from tests.migrated import migrate

AGENT = Principal(3, "agent", "agent", frozenset(), None, "192.0.2.1", "Firefox")
BEFORE_STREAMS = "bcc2fe651427"


@pytest.mark.parametrize(
    "action", ["document.view", "document.download", "search", "login", "login.failed", "logout"]
)
def test_reads_searches_and_logins_are_the_access_log(action):
    assert stream_of(action) == ACCESS


@pytest.mark.parametrize(
    "action",
    [
        "document.upload",
        "document.version.add",
        "document.update",
        "acl.change",
        "document.delete",
        "user.create",
        "audit.purge",
        "hold.place",
        "disposal.approve",
        "something.new",
    ],
)
def test_changes_administration_and_any_unknown_action_are_the_lifecycle_journal(action):
    assert stream_of(action) == LIFECYCLE


def test_every_access_action_is_one_ged_records():
    assert all(action.islower() and " " not in action for action in ACCESS_ACTIONS)
    assert "audit.purge" not in ACCESS_ACTIONS  # the proof of a purge must outlive purges


def write_config(tmp_path: Path, audit_section: str) -> Path:
    path = tmp_path / "ged.toml"
    path.write_text(f"[audit]\n{audit_section}\n", encoding="utf-8")
    return path


def test_the_access_log_is_kept_a_year_by_default_and_at_least_six_months():
    assert load_settings(environ={}).audit.access_retention_days == 365
    for days in (0, 180, 366, 3650):
        env = {"GED_AUDIT__ACCESS_RETENTION_DAYS": str(days)}
        assert load_settings(environ=env).audit.access_retention_days == days
    with pytest.raises(ConfigError, match="at least 180 days.*CNIL"):
        load_settings(environ={"GED_AUDIT__ACCESS_RETENTION_DAYS": "30"})


def test_the_former_retention_key_says_what_it_became(tmp_path):
    path = write_config(tmp_path, "retention_days = 365")
    with pytest.raises(ConfigError, match="retention_days is now access_retention_days"):
        load_settings(path, environ={})


# --- migration of the one chain there was ----------------------------------------------------


def old_chain(count: int) -> list[dict]:
    """Events as ged hashed them before there were two streams (no stream anywhere)."""
    events, prev = [], "0" * 64
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    for seq in range(1, count + 1):
        event = {
            "seq": seq,
            "ts": format_ts(start + timedelta(minutes=seq)),
            "actor": "agent",
            "actor_token": None,
            "action": "document.view" if seq % 2 else "document.update",
            "object_type": "document",
            "object_id": str(seq),
            "outcome": "allowed",
            "ip": "192.0.2.1",
            "user_agent": None,
            "details": {"n": seq},
            "prev_hash": prev,
        }
        event["hash"] = prev = event_hash(event)
        events.append(event)
    return events


def old_checkpoint(private_key, event: dict) -> dict:
    ts = format_ts(datetime(2026, 3, 3, tzinfo=UTC))
    signature = private_key.sign(checkpoint_message(event["seq"], event["hash"], ts))
    return {
        "seq": event["seq"],
        "head_hash": event["hash"],
        "ts": ts,
        "signature": signature.hex(),
        "key_id": key_id(private_key.public_key()),
    }


def as_row(values: dict) -> dict:
    return {**values, "ts": datetime.fromisoformat(values["ts"].replace("Z", "+00:00"))}


def test_the_chain_before_streams_becomes_the_lifecycle_journal_as_it_was(
    empty_database_url, make_settings, tmp_path
):
    settings = make_settings(
        database={"url": empty_database_url}, audit={"key_file": tmp_path / "audit.key"}
    )
    generate_key(settings.audit.key_file)
    private_key = load_private_key(settings.audit.key_file)
    upgrade(empty_database_url, BEFORE_STREAMS)
    events = old_chain(8)
    columns = [*events[0]]
    old_events = sa.table(
        "audit_events",
        *(sa.column(name) for name in columns if name not in ("ts", "details")),
        sa.column("ts", sa.DateTime(timezone=True)),
        sa.column("details", sa.JSON),
    )
    old_checkpoints = sa.table(
        "audit_checkpoints",
        *(sa.column(name) for name in ("seq", "head_hash", "signature", "key_id")),
        sa.column("ts", sa.DateTime(timezone=True)),
    )
    engine = make_engine(DatabaseSettings(url=empty_database_url))
    try:
        with engine.begin() as connection:
            # a purge had removed events 1 to 3, sealing event 3; event 6 was sealed too
            connection.execute(sa.insert(old_events), [as_row(e) for e in events[3:]])
            sealed = [old_checkpoint(private_key, events[index]) for index in (2, 5)]
            connection.execute(sa.insert(old_checkpoints), [as_row(cp) for cp in sealed])

        upgrade(empty_database_url)

        with make_session_factory(engine)() as session:
            migrated = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
            assert [(e.id, e.stream, e.seq) for e in migrated] == [
                (seq, LIFECYCLE, seq) for seq in range(4, 9)
            ]
            assert [e.hash for e in migrated] == [e["hash"] for e in events[3:]]
            result = verify_database(session, settings)
            assert result.ok, result.detail
            journal = result.of(LIFECYCLE)
            assert (journal.first_seq, journal.last_seq, journal.sealed_seq) == (4, 8, 6)
            assert journal.checkpoints_checked == 2

            # and both chains go on from there
            view = record(session, AGENT, "document.view", object_type="document", object_id=1)
            edit = record(session, AGENT, "document.update", object_type="document", object_id=1)
            session.commit()
            assert [(e.id, e.stream, e.seq) for e in (view, edit)] == [
                (9, ACCESS, 1),
                (10, LIFECYCLE, 9),
            ]
            assert edit.prev_hash == events[-1]["hash"]
            assert verify_database(session, settings).ok
    finally:
        engine.dispose()


def test_a_bundle_made_before_streams_still_verifies_offline(tmp_path):
    key_file = tmp_path / "audit.key"
    generate_key(key_file)
    private_key = load_private_key(key_file)
    events = old_chain(5)
    files = {
        "events.jsonl": "".join(json.dumps(e) + "\n" for e in events).encode(),
        "checkpoints.jsonl": (json.dumps(old_checkpoint(private_key, events[3])) + "\n").encode(),
    }
    manifest = {
        "format": "ged-audit-bundle",
        "version": 1,
        "first_seq": 1,
        "last_seq": 5,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    path = tmp_path / "old.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
        bundle.writestr("manifest.json", json.dumps(manifest))
    result = verify_file(path, private_key.public_key())
    assert result.ok, result.detail
    assert (result.of(LIFECYCLE).checked, result.of(LIFECYCLE).sealed_seq) == (5, 4)


# --- exports of each stream, verified offline ------------------------------------------------


def record_both(session, count: int) -> None:
    for number in range(count):
        record(session, AGENT, "document.view", object_type="document", object_id=number)
        record(session, AGENT, "acl.change", object_type="document", object_id=number)
    session.commit()


def export_file(session, path: Path, filters: EventFilters) -> Path:
    path.write_text("".join(jsonl_chunks(iter_events(session, filters))), encoding="utf-8")
    return path


def replace_in_line(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line]
    lines[line] = lines[line].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    ("stream", "old", "new"),
    [
        (ACCESS, '"document.view"', '"document.vieW"'),
        (LIFECYCLE, '"acl.change"', '"acl.chanGe"'),
        (ACCESS, '"stream": "access"', '"stream": "accesz"'),
        (LIFECYCLE, '"stream": "lifecycle"', '"stream": "lifecyclf"'),
    ],
)
def test_an_export_of_each_stream_verifies_offline_and_fails_when_a_byte_changes(
    db_session, tmp_path, stream, old, new
):
    record_both(db_session, 6)
    path = export_file(db_session, tmp_path / f"{stream}.jsonl", EventFilters(stream=stream))
    result = verify_file(path)
    assert result.ok, result.detail
    assert (result.of(stream).checked, result.of(stream).last_seq) == (6, 6)
    assert len(old) == len(new)  # one byte changed
    replace_in_line(path, 2, old, new)
    broken = verify_file(path)
    assert not broken.ok
    assert broken.first_broken_seq == 3


def test_an_export_of_both_streams_verifies_each_chain_and_a_moved_event_shows(
    db_session, tmp_path
):
    record_both(db_session, 5)
    path = export_file(db_session, tmp_path / "both.jsonl", EventFilters())
    result = verify_file(path)
    assert result.ok, result.detail
    assert [(r.stream, r.checked) for r in result.streams] == [(LIFECYCLE, 5), (ACCESS, 5)]
    # the fifth line is the third view: relabelled, it is missing from the access log, and
    # it stands where the lifecycle journal's own event 3 should be
    replace_in_line(path, 4, '"stream": "access"', '"stream": "lifecycle"')
    broken = verify_file(path)
    assert [(r.stream, r.reason, r.first_broken_seq) for r in broken.streams] == [
        (LIFECYCLE, "reordered", 3),
        (ACCESS, "missing", 3),
    ]


def test_the_command_line_exports_one_stream_and_purges_only_the_access_log(
    make_settings, tmp_path
):
    settings = make_settings(audit={"key_file": tmp_path / "audit.key"})
    migrate(settings.database.url)
    generate_key(settings.audit.key_file)
    engine = make_engine(settings.database)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with make_session_factory(engine)() as session:
        insert_chain(session, 20, start=long_ago)
        insert_chain(session, 10, start=long_ago, stream=LIFECYCLE)
    runner = CliRunner()

    def ged_audit(*args: str):
        obj = {"config_path": None, "settings": settings}
        return runner.invoke(audit, list(args), obj=obj, catch_exceptions=False)

    purged = ged_audit("purge", "--yes")  # access_retention_days: 365 by default
    assert purged.exit_code == 0 and "20 access-log events purged" in purged.stderr
    journal = ged_audit("export", "--stream", "lifecycle", "-o", str(tmp_path / "j.jsonl"))
    assert journal.exit_code == 0
    exported = [json.loads(line) for line in (tmp_path / "j.jsonl").read_text().splitlines()]
    # the 400-day-old journal is whole, and the purge is in it
    assert [e["seq"] for e in exported] == list(range(1, 12))
    assert exported[-1]["action"] == "audit.purge"
    assert ged_audit("verify", "--file", str(tmp_path / "j.jsonl")).exit_code == 0
    bundle = tmp_path / "all.zip"
    assert ged_audit("export", "--bundle", str(bundle)).exit_code == 0
    verified = ged_audit("verify", "--file", str(bundle), "--json")
    assert verified.exit_code == 0, verified.stdout
    assert json.loads(verified.stdout)["streams"][ACCESS]["first_seq"] == 21
    assert ged_audit("verify").exit_code == 0
    engine.dispose()
