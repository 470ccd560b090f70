"""Exports carry every hashed field exactly, and bundles verify offline, tampering included."""

from __future__ import annotations

import getpass
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ged.access import Principal
from ged.audit.chain import event_hash, format_ts, head, record
from ged.audit.export import (
    bundle_chunks,
    csv_chunks,
    jsonl_chunks,
    read_csv,
    read_jsonl,
)
from ged.audit.offline import verify_file
from ged.audit.query import EventFilters, iter_events
from ged.audit.seal import generate_key, load_public_key, seal_checkpoint
from ged.audit.verify import verify_chain
from ged.cli.audit import audit
from ged.config import Settings
from ged.db import make_engine, make_session_factory
from ged.models import ACCESS, LIFECYCLE, AuditEvent
from tests.migrated import migrate

AUDITOR = Principal(5, "auditrice", "auditor", frozenset(), None, "192.0.2.8", "Firefox")
#: actions of each stream that insert_chain takes turns with
ACTIONS = {
    ACCESS: ("document.view", "document.download", "search", "acl.view"),
    LIFECYCLE: ("document.upload", "document.update", "document.version.add", "acl.change"),
}


def insert_chain(
    session: Session, count: int, start: datetime | None = None, stream: str = ACCESS
) -> None:
    """Append ``count`` events to ``stream`` fast: hashes computed here, one multi-row INSERT
    per 5,000."""
    seq, prev = head(session, stream)
    last_id = session.scalar(select(func.max(AuditEvent.id))) or 0
    actions = ACTIONS[stream]
    start = start or datetime.now(UTC)
    batch = []
    for number in range(count):
        seq += 1
        moment = start + timedelta(milliseconds=number)
        event = {
            "stream": stream,
            "seq": seq,
            "ts": format_ts(moment),
            "actor": f"agent{number % 40}",
            "actor_token": None,
            "action": actions[number % len(actions)],
            "object_type": "document",
            "object_id": str(number % 1000),
            "outcome": "denied" if number % 17 == 0 else "allowed",
            "ip": "192.0.2.7",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "details": {"version": 1 + number % 3, "q": "délibération du conseil municipal"},
            "prev_hash": prev,
        }
        event["hash"] = prev = event_hash(event)
        batch.append({**event, "ts": moment, "id": last_id + number + 1})
        if len(batch) == 5000:
            session.execute(insert(AuditEvent), batch)
            batch.clear()
    if batch:
        session.execute(insert(AuditEvent), batch)
    session.commit()


def awkward_events(session: Session) -> list[dict]:
    """Events whose values trip CSV and spreadsheets up; read back from the database."""
    odd = Principal(9, "=cmd|' /C calc'!A0", "agent", frozenset(), "-token", "::1", '"quoted",\nUA')
    record(session, odd, "search", details={"q": 'a,b\n"c"', "nested": {"é": [1, 2.5, None]}})
    record(session, None, "login.failed", actor="'apostrophe", outcome="denied")
    record(session, AUDITOR, "document.view", object_type="document", object_id="@12")
    session.commit()
    return list(iter_events(session, EventFilters()))


def test_csv_and_jsonl_give_back_exactly_what_was_hashed(db_session):
    events = awkward_events(db_session)
    from_csv = list(read_csv(io.StringIO("".join(csv_chunks(events)).lstrip("\ufeff"))))
    from_jsonl = list(read_jsonl(io.StringIO("".join(jsonl_chunks(events)))))
    assert from_csv == events
    assert from_jsonl == events
    assert verify_chain(from_csv, [], None).ok


def test_csv_cells_a_spreadsheet_would_run_start_with_a_quote(db_session):
    text = "".join(csv_chunks(awkward_events(db_session)))
    assert text.startswith("\ufeffstream,seq,ts,actor,")
    assert ",'=cmd|' /C calc'!A0,'-token," in text
    assert "''apostrophe" in text
    assert ",'@12," in text


def bundle(session: Session, settings: Settings, path: Path, filters: EventFilters) -> Path:
    public_key = load_public_key(settings.audit.key_file)
    with path.open("wb") as out:
        for chunk in bundle_chunks(session, filters, public_key):
            out.write(chunk)
    return path


@pytest.fixture
def keyed_settings(make_settings, tmp_path) -> Settings:
    settings = make_settings(audit={"key_file": tmp_path / "audit.key"})
    generate_key(settings.audit.key_file)
    return settings


def rewrite_member(path: Path, name: str, change, fix_manifest: bool) -> None:
    """Change one file of a bundle, and (as a careful forger would) its manifest sum."""
    with zipfile.ZipFile(path) as original:
        files = {member: original.read(member) for member in original.namelist()}
    files[name] = change(files[name])
    if fix_manifest:
        import hashlib

        manifest = json.loads(files["manifest.json"])
        manifest["files"][name] = hashlib.sha256(files[name]).hexdigest()
        files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as forged:
        for member, data in files.items():
            forged.writestr(member, data)


def test_a_bundle_verifies_offline_and_shows_tampering(db_session, keyed_settings, tmp_path):
    insert_chain(db_session, 300)
    seal_checkpoint(db_session, keyed_settings)
    insert_chain(db_session, 20)
    path = bundle(db_session, keyed_settings, tmp_path / "audit.zip", EventFilters())

    result = verify_file(path)
    assert result.ok, result.detail
    access = result.of(ACCESS)
    assert (access.checked, access.sealed_seq, access.checkpoints_checked) == (320, 300, 1)
    with zipfile.ZipFile(path) as opened:
        assert sorted(opened.namelist()) == [
            "access-checkpoints.jsonl",
            "access-events.jsonl",
            "lifecycle-checkpoints.jsonl",
            "lifecycle-events.jsonl",
            "manifest.json",
            "public-key.pem",
        ]

    def alter_line_42(data: bytes) -> bytes:
        lines = data.decode().splitlines(keepends=True)
        lines[41] = lines[41].replace('"agent', '"intrus', 1)
        return "".join(lines).encode()

    rewrite_member(path, "access-events.jsonl", alter_line_42, fix_manifest=False)
    assert verify_file(path).reason == "altered"  # the manifest sum no longer matches
    path = bundle(db_session, keyed_settings, tmp_path / "again.zip", EventFilters())
    rewrite_member(path, "access-events.jsonl", alter_line_42, fix_manifest=True)
    result = verify_file(path)
    assert (result.reason, result.stream, result.first_broken_seq) == ("altered", ACCESS, 42)


def test_a_bundle_cut_before_its_checkpoint_is_truncated(db_session, keyed_settings, tmp_path):
    insert_chain(db_session, 50)
    seal_checkpoint(db_session, keyed_settings)
    path = bundle(db_session, keyed_settings, tmp_path / "audit.zip", EventFilters())

    def cut(data: bytes) -> bytes:
        return b"".join(data.splitlines(keepends=True)[:40])

    rewrite_member(path, "access-events.jsonl", cut, fix_manifest=True)
    result = verify_file(path)
    assert (result.reason, result.first_broken_seq) == ("truncated", 41)


def test_a_bundle_checkpoint_signed_by_another_key_is_reported(
    db_session, keyed_settings, make_settings, tmp_path
):
    insert_chain(db_session, 10)
    seal_checkpoint(db_session, keyed_settings)
    path = bundle(db_session, keyed_settings, tmp_path / "audit.zip", EventFilters())
    other = make_settings(audit={"key_file": tmp_path / "other.key"})
    trusted = generate_key(other.audit.key_file)
    result = verify_file(path, trusted)
    assert (result.reason, result.first_broken_seq) == ("bad signature", 10)


def test_a_period_bundle_is_a_range_anchored_by_the_checkpoint_before_it(
    db_session, keyed_settings, tmp_path
):
    monday = datetime(2026, 3, 2, 8, tzinfo=UTC)
    insert_chain(db_session, 100, start=monday)
    seal_checkpoint(db_session, keyed_settings)
    insert_chain(db_session, 100, start=monday + timedelta(days=1))
    tuesday = EventFilters(date_from=monday + timedelta(days=1), date_to=monday + timedelta(days=2))
    path = bundle(db_session, keyed_settings, tmp_path / "tuesday.zip", tuesday)
    result = verify_file(path)
    assert result.ok, result.detail
    access = result.of(ACCESS)
    assert (access.first_seq, access.last_seq, access.sealed_seq) == (101, 200, 100)


def test_the_command_line_keygen_seal_export_verify_and_purge(make_settings, tmp_path):
    settings = make_settings(audit={"key_file": tmp_path / "audit.key"})
    migrate(settings.database.url)
    runner = CliRunner()

    def ged_audit(*args: str, input: str | None = None):
        obj = {"config_path": None, "settings": settings}
        return runner.invoke(audit, list(args), obj=obj, input=input, catch_exceptions=False)

    keygen = ged_audit("keygen")
    assert keygen.exit_code == 0 and "BEGIN PUBLIC KEY" in keygen.stdout
    engine = make_engine(settings.database)
    with make_session_factory(engine)() as session:
        insert_chain(session, 30, start=datetime.now(UTC) - timedelta(days=10))
        insert_chain(session, 5)
    assert ged_audit("seal").exit_code == 0

    assert ged_audit("export", "--format", "csv", "-o", str(tmp_path / "a.csv")).exit_code == 0
    assert ged_audit("export", "--bundle", str(tmp_path / "a.zip")).exit_code == 0
    stdout = ged_audit("export", "--actor", "agent1", "--outcome", "allowed").stdout
    assert {json.loads(line)["actor"] for line in stdout.splitlines()} == {"agent1"}
    assert ged_audit("verify", "--file", str(tmp_path / "a.csv")).exit_code == 0
    verified = ged_audit("verify", "--file", str(tmp_path / "a.zip"), "--json")
    assert verified.exit_code == 0 and json.loads(verified.stdout)["ok"] is True

    purged = ged_audit(
        "purge", "--before", (datetime.now(UTC) - timedelta(days=1)).isoformat(), "--yes"
    )
    assert purged.exit_code == 0 and "30 access-log events purged" in purged.stderr
    verified = ged_audit("verify")
    assert verified.exit_code == 0, verified.stdout
    with make_session_factory(engine)() as session:
        operator = AuditEvent.actor == f"cli:{getpass.getuser()}"
        query = select(AuditEvent.action).where(operator).order_by(AuditEvent.id)
        actions = list(session.scalars(query))
    engine.dispose()
    # the command line's exports, purge and verification are audited under the operating
    # system's account (offline checks of a file touch no database)
    assert actions == ["audit.export"] * 3 + ["audit.purge", "audit.verify"]
