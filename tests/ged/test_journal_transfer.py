"""The journal as a record: a past day's sealed segment of the lifecycle journal, proposed
as a transfer and built as a SEDA 2.2 package that holds the audit bundle of exactly that
segment, which verifies offline with its signatures and RFC 3161 time-stamps; the days
that may not go (not over, not sealed, empty, already sent, stamps pending) are refused
with the reason; the archives' reply decides it like any transfer."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import update

from ged.access import Principal, command_line, principal_for
from ged.audit.offline import verify_file
from ged.audit.seal import generate_key, load_public_key
from ged.audit.timestamp import stamp_pending
from ged.audit.tsa import load_roots
from ged.bootstrap import Runtime, build
from ged.errors import Conflict, InvalidInput
from ged.models import AuditCheckpoint, AuditEvent, AuditTimestamp
from ged.services.journal_transfer import (
    journal_days_to_transfer,
    journal_segment,
    propose_journal_transfer,
)
from ged.services.transfer_build import build_transfer
from ged.services.transfer_replies import record_reply
from ged.services.transfers import package_path
from ged.services.users import create_user
from seda.check import check_package
from seda.manifest import q
from tests.ged.disposal_setup import PASSWORD
from tests.ged.journal_setup import at, days_ago, event_at, seal_at
from tests.ged.test_transfers import ARCHIVES
from tests.ged.transfer_setup import reply_xml
from tests.migrated import migrate

DAY1, DAY2, EMPTY_DAY, UNSEALED_DAY = days_ago(4), days_ago(3), days_ago(2), days_ago(5)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, make_settings, tmp_path, service_urls) -> Iterator[Runtime]:
    sections: dict = {
        "archives": ARCHIVES,
        "audit": {
            "key_file": tmp_path / "audit.key",
            "tsa_url": service_urls["tsa_url"],
            "tsa_ca_file": service_urls["tsa_ca_file"],
            "tsa_timeout": 5,
        },
    }
    if request.param == "postgresql":
        sections["database"] = {"url": request.getfixturevalue("fresh_postgres_url")}
    settings = make_settings(**sections)
    generate_key(settings.audit.key_file)
    migrate(settings.database.url)
    runtime = build(settings)
    write_history(runtime)
    yield runtime
    runtime.close()


def write_history(runtime: Runtime) -> None:
    """Day 1: events 1-4 under two checkpoints, and event 5 at 23:30, after its last one;
    day 2: events 6-7, so its checkpoint seals 5-7; a later day sealed with nothing new."""
    with runtime.unit_of_work() as uow:
        session, settings = uow.session, uow.settings
        for minute in (0, 10, 50):
            event_at(session, at(DAY1, 9, minute), "document.create", minute)
        seal_at(session, settings, at(DAY1, 12))
        event_at(session, at(DAY1, 13), "document.update", 1)
        seal_at(session, settings, at(DAY1, 23))
        event_at(session, at(DAY1, 23, 30), "acl.change", 1)
        event_at(session, at(DAY2, 9), "document.update", 2)
        event_at(session, at(DAY2, 9, 5), "hold.place", 2)
        seal_at(session, settings, at(DAY2, 10))
        seal_at(session, settings, at(EMPTY_DAY, 8))
        uow.commit()
        assert stamp_pending(session, settings).stamped == 4


@pytest.fixture
def archivist(runtime: Runtime) -> Principal:
    with runtime.unit_of_work() as uow:
        return principal_for(create_user(uow, command_line(), "archives", "archivist", PASSWORD))


def propose(runtime: Runtime, who: Principal, day: date) -> int:
    with runtime.unit_of_work() as uow:
        return propose_journal_transfer(uow, who, day, "Journal scellé", enqueue=False).id


def built_package(runtime: Runtime, transfer_id: int) -> Path:
    built = build_transfer(runtime, transfer_id)
    assert built.status == "ready", built.error
    return package_path(runtime.settings.archives.packages_dir, built.message_identifier)


def bundle_of(package: Path, into: Path) -> Path:
    """The one data object of a journal package, extracted."""
    with zipfile.ZipFile(package) as archive:
        (member,) = [name for name in archive.namelist() if name.startswith("Content/")]
        into.write_bytes(archive.read(member))
    return into


def bundled_seqs(bundle: Path) -> tuple[list[int], list[int]]:
    with zipfile.ZipFile(bundle) as archive:
        events = archive.read("lifecycle-events.jsonl").decode().splitlines()
        checkpoints = archive.read("lifecycle-checkpoints.jsonl").decode().splitlines()
        assert "access-events.jsonl" not in archive.namelist()  # the access log is not archived
    return [json.loads(line)["seq"] for line in events], [
        json.loads(line)["seq"] for line in checkpoints
    ]


def test_a_days_journal_is_a_valid_package_holding_exactly_its_sealed_segment(
    runtime: Runtime, archivist: Principal, tmp_path: Path
) -> None:
    with runtime.unit_of_work() as uow:
        assert journal_days_to_transfer(uow.session) == [DAY1, DAY2]
    transfer_id = propose(runtime, archivist, DAY1)
    with runtime.unit_of_work() as uow:
        assert journal_days_to_transfer(uow.session) == [DAY2]
        proposed = uow.session.query(AuditEvent).filter_by(action="transfer.propose").one()
        assert proposed.details["journal_day"] == DAY1.isoformat()
        assert (proposed.details["seq_from"], proposed.details["seq_to"]) == (1, 4)

    package = built_package(runtime, transfer_id)

    assert check_package(package) == []
    with zipfile.ZipFile(package) as archive:
        manifest = etree.fromstring(archive.read("manifest.xml"))
    (unit,) = manifest.iter(q("ArchiveUnit"))
    content = unit.find(q("Content"))
    assert content.findtext(q("Title")) == f"Journal du cycle de vie — {DAY1.isoformat()}"
    assert content.findtext(q("DescriptionLevel")) == "Item"
    assert content.findtext(q("StartDate")) == content.findtext(q("EndDate")) == DAY1.isoformat()
    assert content.find(q("OriginatingAgency")).findtext(q("Identifier")) == "21750001600019"
    appraisal = unit.find(f"{q('Management')}/{q('AppraisalRule')}")
    assert appraisal.findtext(q("FinalAction")) == "Keep"
    (data_object,) = manifest.iter(q("BinaryDataObject"))
    assert data_object.findtext(f"{q('FormatIdentification')}/{q('FormatId')}") == "x-fmt/263"
    bundle = bundle_of(package, tmp_path / "journal.zip")
    assert bundled_seqs(bundle) == ([1, 2, 3, 4], [3, 4])
    result = verify_file(
        bundle,
        load_public_key(runtime.settings.audit.key_file),
        load_roots(runtime.settings.audit.tsa_ca_file),
        require_timestamps=True,
    )
    assert result.ok, result.detail
    assert result.timestamps_checked == 2
    assert list((runtime.settings.archives.packages_dir / ".building").iterdir()) == []

    # Day 2 starts after day 1's last checkpoint (event 5 came at 23:30 on day 1) and is
    # anchored by it; the empty day's checkpoint seals event 7 again, and comes along.
    package = built_package(runtime, propose(runtime, archivist, DAY2))
    bundle = bundle_of(package, tmp_path / "journal-2.zip")
    assert bundled_seqs(bundle) == ([5, 6, 7], [4, 7, 7])
    assert verify_file(bundle, require_timestamps=True).ok


def test_days_that_may_not_go_are_refused_with_the_reason(
    runtime: Runtime, archivist: Principal
) -> None:
    refusals = {
        days_ago(0): "once the day is over",
        days_ago(-3): "once the day is over",
        UNSEALED_DAY: "no checkpoint of the lifecycle journal was sealed",
        EMPTY_DAY: "is empty",
    }
    for day, reason in refusals.items():
        with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
            propose_journal_transfer(uow, archivist, day, enqueue=False)
        assert reason in str(refused.value) and refused.value.field == "day"
    with runtime.unit_of_work() as uow:
        assert journal_segment(uow.session, EMPTY_DAY).empty

    propose(runtime, archivist, DAY1)
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match="already on transfer"):
        propose_journal_transfer(uow, archivist, DAY1, enqueue=False)

    with runtime.unit_of_work() as uow:  # the TSA has not answered for day 2 yet
        sealed = uow.session.query(AuditCheckpoint).filter_by(seq=7).first()
        uow.session.execute(
            update(AuditTimestamp)
            .where(AuditTimestamp.checkpoint_id == sealed.id)
            .values(status="pending", token=None)
        )
        uow.commit()
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match="wait for their time-stamp"):
        propose_journal_transfer(uow, archivist, DAY2, enqueue=False)
    with runtime.unit_of_work() as uow:
        assert uow.session.query(AuditEvent).filter_by(action="transfer.propose").count() == 1


def test_the_archives_reply_decides_a_journal_transfer(
    runtime: Runtime, archivist: Principal
) -> None:
    rejected_id = propose(runtime, archivist, DAY1)
    message = build_transfer(runtime, rejected_id).message_identifier
    with runtime.unit_of_work() as uow:
        reply = reply_xml(message, code="NOK", comment="Convention expirée", identifier="R-1")
        decided = record_reply(uow, archivist, reply).transfer
        assert (decided.status, decided.reply_comment) == ("rejected", "Convention expirée")
        assert journal_days_to_transfer(uow.session) == [DAY1, DAY2]

    accepted_id = propose(runtime, archivist, DAY1)  # rejected: it may be proposed again
    message = build_transfer(runtime, accepted_id).message_identifier
    with runtime.unit_of_work() as uow:
        decided = record_reply(uow, archivist, reply_xml(message, identifier="R-2")).transfer
        assert decided.status == "accepted" and decided.items == []
        assert journal_days_to_transfer(uow.session) == [DAY2]
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match="the archives accepted it"):
        propose_journal_transfer(uow, archivist, DAY1, enqueue=False)
