"""The journal as a record: each day's sealed segment of the lifecycle journal transferred
to the archives as a SEDA package of its own, so that they hold the proof chain too.

The segment of UTC day D is the run of lifecycle-journal events that the checkpoints
sealed on D cover: from the event after the last checkpoint sealed before D to the one
the last checkpoint of D seals. Every event is thus in exactly one day's segment, and
every segment ends on a signed (and, with a TSA, time-stamped) checkpoint. Its package
holds one ArchiveUnit and one file: the audit bundle of that range (ged.audit.export:
the events, the checkpoints from the one before it, the public key, the time-stamps and
the TSA's CAs), which anyone verifies offline with ``ged audit verify --file``.

The access log is not transferred: it is personal data kept for security only, purged
after [audit] access_retention_days (ged.audit.streams).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ged.access import Principal, authorize
from ged.audit.export import bundle_chunks, read_bundle_manifest
from ged.audit.offline import verify_file
from ged.audit.query import EventFilters
from ged.audit.seal import load_public_key
from ged.audit.tsa import load_roots
from ged.errors import Conflict, InvalidInput
from ged.models import LIFECYCLE, AuditCheckpoint, AuditEvent, AuditTimestamp, Transfer
from ged.services.transfer_contents import BuildFailed, PackageContents
from ged.services.transfers import add_transfer, record_proposal, require_proposer
from ged.timeutil import aware, today
from ged.uow import UnitOfWork
from seda.model import AccessRule, Agency, AppraisalRule, ArchiveUnit, BinaryObject, Management

#: a day whose journal is on one of these transfers is not proposed again: it is being
#: built, waits for the archives' reply, or the archives hold it
TAKEN_STATUSES = ("building", "ready", "accepted")


@dataclass(frozen=True)
class JournalSegment:
    """Events first_seq to last_seq of the lifecycle journal (none when first > last)."""

    day: date
    first_seq: int
    last_seq: int

    @property
    def empty(self) -> bool:
        return self.first_seq > self.last_seq


def journal_segment(session: Session, day: date) -> JournalSegment | None:
    """The segment of ``day`` (UTC); None when no checkpoint of the journal was sealed then."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    sealed = select(func.max(AuditCheckpoint.seq)).where(AuditCheckpoint.stream == LIFECYCLE)
    last = session.scalar(
        sealed.where(AuditCheckpoint.ts >= start, AuditCheckpoint.ts < start + timedelta(days=1))
    )
    if last is None:
        return None
    before = session.scalar(sealed.where(AuditCheckpoint.ts < start)) or 0
    return JournalSegment(day, before + 1, last)


def journal_days_to_transfer(session: Session, on: date | None = None) -> list[date]:
    """The days before ``on`` (default: today, UTC) whose segment holds events and is on
    no transfer building, ready or accepted, oldest first."""
    on = on or today()
    rows = session.execute(
        select(AuditCheckpoint.ts, AuditCheckpoint.seq)
        .where(AuditCheckpoint.stream == LIFECYCLE)
        .order_by(AuditCheckpoint.ts, AuditCheckpoint.id)
    )
    # One checkpoint an hour is under 10,000 a year: read them all, as verification does.
    covered, days = 0, list[date]()
    for ts, seq in rows:
        day = aware(ts).astimezone(UTC).date()
        if seq > covered and day < on and (not days or days[-1] != day):
            days.append(day)
        covered = max(covered, seq)
    taken = set(_taken_days(session))
    return [day for day in days if day not in taken]


def pending_journal_days(uow: UnitOfWork, principal: Principal) -> list[date]:
    """journal_days_to_transfer, for those who may propose a transfer (unaudited: dates only)."""
    authorize(principal, "transfer.prepare")
    return journal_days_to_transfer(uow.session)


def propose_journal_transfer(
    uow: UnitOfWork, principal: Principal, day: date, comment: str = "", *, enqueue: bool = True
) -> Transfer:
    """A transfer of the journal of ``day``, "building", its package queued for a worker
    (unless ``enqueue`` is false: the caller builds it, ged.services.transfer_build);
    audited ``transfer.propose``. InvalidInput for a day not over, not sealed or empty;
    Conflict while its time-stamps are pending or when it is already transferred."""
    require_proposer(uow, principal)
    now = aware(uow.clock.now()).astimezone(UTC)
    if day >= now.date():
        raise InvalidInput(
            f"the journal of {day} cannot be transferred yet: a day's journal is transferred "
            f"once the day is over (UTC), from {now.date() + timedelta(days=1)} for today's",
            field="day",
        )
    segment = _sealed_segment(uow.session, day)
    transfer = add_transfer(
        uow,
        principal,
        Transfer(
            kind="journal", journal_day=day, title=journal_title(day), comment=comment.strip()
        ),
    )
    record_proposal(
        uow,
        principal,
        transfer,
        journal_day=day.isoformat(),
        seq_from=segment.first_seq,
        seq_to=segment.last_seq,
    )
    # Checked after record(), which holds the audit chains' lock until the commit: two
    # archivists proposing the same day at once are serialised, and the second sees the
    # first's transfer.
    _refuse_taken(uow.session, day, transfer.id)
    transfer_id = transfer.id
    if enqueue:
        uow.after_commit(lambda: uow.jobs.enqueue_transfer(transfer_id))
    uow.commit()
    return transfer


def journal_title(day: date) -> str:
    return f"Journal du cycle de vie — {day.isoformat()}"


def journal_contents(uow: UnitOfWork, transfer: Transfer, bundle_path: Path) -> PackageContents:
    """What the package of a journal transfer holds: the bundle of its day's segment,
    written to ``bundle_path`` (removed once the package is written) and verified first,
    and the one ArchiveUnit describing it. BuildFailed says why it cannot be built."""
    assert transfer.journal_day is not None, "a journal transfer names its day"
    day = transfer.journal_day
    segment = journal_segment(uow.session, day)
    if segment is None or segment.empty:
        raise BuildFailed(f"the lifecycle journal holds no sealed event for {day}")
    audit = uow.settings.audit
    public_key = load_public_key(audit.key_file)
    if public_key is None:
        raise BuildFailed(
            f"the audit public key ({audit.key_file}.pub) is missing: the journal's "
            "checkpoints could not be verified without it"
        )
    roots = load_roots(audit.tsa_ca_file) if audit.tsa_ca_file is not None else None
    filters = EventFilters(stream=LIFECYCLE, seq_from=segment.first_seq, seq_to=segment.last_seq)
    bundle_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with bundle_path.open("wb") as out:
            out.writelines(bundle_chunks(uow.session, filters, public_key, roots))
        # The archives must receive a proof that holds: ged checks it as any verifier will.
        verified = verify_file(bundle_path, public_key, roots)
        if not verified.ok:
            raise BuildFailed(f"the journal of {day} does not verify: {verified.detail}")
        with zipfile.ZipFile(bundle_path) as written:
            held = read_bundle_manifest(written)["streams"][LIFECYCLE]
    except BaseException:
        bundle_path.unlink(missing_ok=True)
        raise
    first_ts, last_ts = uow.session.execute(
        select(func.min(AuditEvent.ts), func.max(AuditEvent.ts)).where(
            AuditEvent.stream == LIFECYCLE,
            AuditEvent.seq.between(segment.first_seq, segment.last_seq),
        )
    ).one()
    key = f"journal-{day.isoformat()}"
    settings = uow.settings.archives
    producer = Agency(settings.transferring_agency.identifier, settings.transferring_agency.name)
    unit = ArchiveUnit(
        id=f"AU-{key}",
        title=transfer.title,
        level="Item",
        description=(
            f"Événements {segment.first_seq} à {segment.last_seq} du journal du cycle de vie "
            f"de ged, scellés par les points de contrôle du {day.isoformat()} : les événements, "
            "les points de contrôle signés (Ed25519), la clé publique, les horodatages RFC 3161 "
            "et les certificats de l'autorité d'horodatage. Vérifiable hors ligne par "
            "« ged audit verify --file »."
        ),
        system_id=key,
        document_type="Journal",
        keywords=("journal du cycle de vie", "piste d'audit"),
        originating_agency=producer,
        created_date=day,
        start_date=aware(first_ts).astimezone(UTC).date(),
        end_date=aware(last_ts).astimezone(UTC).date(),
        # The journal is never purged (ged.audit.streams): the archives keep it.
        management=Management(
            appraisal=AppraisalRule("", None, "Keep"),
            access=AccessRule(settings.access_rule, day) if settings.access_rule else None,
        ),
        data_object_group=f"DOG-{key}",
    )
    bundle = BinaryObject(
        id=f"BDO-{key}",
        usage="BinaryMaster_1",
        filename=f"{key}.zip",
        mime_type="application/zip",
        open=lambda: bundle_path.open("rb"),
    )
    return PackageContents(
        groups=[(f"DOG-{key}", [bundle])],
        units=[unit],
        details={
            "journal_day": day.isoformat(),
            "seq_from": segment.first_seq,
            "seq_to": segment.last_seq,
            "events": held["events"],
            "checkpoints": held["checkpoints"],
            "timestamps": held["timestamps"],
        },
        scratch=[bundle_path],
    )


def _sealed_segment(session: Session, day: date) -> JournalSegment:
    segment = journal_segment(session, day)
    if segment is None:
        raise InvalidInput(
            f"no checkpoint of the lifecycle journal was sealed on {day}: nothing was recorded "
            "that day, or the checkpoints were not sealed (is a worker running? ged audit seal)",
            field="day",
        )
    if segment.empty:
        raise InvalidInput(
            f"the journal of {day} is empty: no event was recorded since the checkpoint "
            "sealed before it, so there is nothing to transfer",
            field="day",
        )
    start = datetime.combine(day, time(), tzinfo=UTC)
    pending = session.scalar(
        select(func.count())
        .select_from(AuditTimestamp)
        .join(AuditCheckpoint, AuditCheckpoint.id == AuditTimestamp.checkpoint_id)
        .where(
            AuditCheckpoint.stream == LIFECYCLE,
            AuditCheckpoint.ts >= start,
            AuditCheckpoint.ts < start + timedelta(days=1),
            AuditTimestamp.status == "pending",
        )
    )
    if pending:
        raise Conflict(
            f"{pending} checkpoint(s) of the journal of {day} still wait for their time-stamp "
            "(the TSA has not answered yet): the archives would get it without; propose it "
            "once `ged audit verify` reports nothing pending (or run `ged audit stamp`)"
        )
    return segment


def _taken_days(session: Session) -> list[date]:
    query = select(Transfer.journal_day).where(
        Transfer.kind == "journal", Transfer.status.in_(TAKEN_STATUSES)
    )
    return [day for day in session.scalars(query) if day is not None]


def _refuse_taken(session: Session, day: date, transfer_id: int) -> None:
    other = session.execute(
        select(Transfer.id, Transfer.status)
        .where(
            Transfer.kind == "journal",
            Transfer.journal_day == day,
            Transfer.status.in_(TAKEN_STATUSES),
            Transfer.id != transfer_id,
        )
        .order_by(Transfer.id)
        .limit(1)
    ).first()
    if other is None:
        return
    said = {"accepted": "the archives accepted it"}.get(other.status, f"it is {other.status}")
    raise Conflict(
        f"the journal of {day} is already on transfer {other.id} ({said}): a day's journal "
        "is transferred once (again only if the archives rejected it)"
    )
