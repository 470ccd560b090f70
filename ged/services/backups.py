"""Checking a restored copy before it goes into service (``ged backup verify``): the
database, the blob store and the audit key, restored from backups taken at different
moments, must still make one consistent installation.

What a restore can get wrong, and what each check sees:

- the schema: a dump from another release is not at this release's migration head
  (``ged db upgrade`` first); nothing else is checked until it is, since the queries
  below assume the current schema;
- the blobs: a blob store older than the database lacks the bytes of the versions filed
  in between (missing), a damaged copy holds other bytes (corrupt): ged.storage.fsck,
  as ``ged fsck``, re-hashes each one. A store newer than the database holds blobs no
  row names (orphans): expected, no data is at risk, so not a problem;
- the audit trail: a dump edited, cut or rewritten, as ``ged audit verify`` sees it
  (ged.audit.verify);
- a database restored from a dump older than an audit bundle exported since (an
  auditor's copy, a journal transferred to the archives): the events the bundle vouches
  for (its checkpoints' and its last, ged.audit.offline.proven_points) are not all in
  the database with the same hashes, so what happened after the dump is lost (or the
  dump was rewritten);
- the audit key, restored from its own backup (it is kept apart from the database's):
  absent while the database holds checkpoints, or not the key that signed them (the
  chain verification reports ``bad signature``), or a private key that is not the one of
  the public key beside it, which would sign new checkpoints nobody can verify.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.audit.offline import ProvenPoint, proven_points, verify_file
from ged.audit.seal import (
    key_id,
    load_private_key,
    load_public_key,
    public_key_file,
    read_public_key,
)
from ged.audit.streams import STREAM_NAMES
from ged.audit.verify import VerifyResult, verify_database
from ged.errors import InvalidInput
from ged.migrate import revisions
from ged.models import AuditCheckpoint, AuditEvent, Version
from ged.services.maintenance import referenced_blobs
from ged.storage.fsck import FsckReport, check_store
from ged.uow import UnitOfWork


@dataclass(frozen=True)
class SchemaCheck:
    current: tuple[str, ...]  # the revisions the database is at (none: never migrated)
    heads: tuple[str, ...]  # this release's

    @property
    def ok(self) -> bool:
        return self.current == self.heads


@dataclass(frozen=True)
class KeyCheck:
    #: why the key restored cannot serve, or None
    problem: str | None
    #: the id of the key checkpoints are checked with (None: no key restored)
    key_id: str | None
    checkpoints: int
    #: the key file is there but is no key: the chains' signatures could not be checked
    unreadable: bool = False


@dataclass(frozen=True)
class BundleCheck:
    path: Path
    #: the bundle verified against itself and the restored key
    verified: VerifyResult
    #: the events it vouches for that the database lacks or holds otherwise, one a stream
    problems: tuple[str, ...] = ()
    points: int = 0

    @property
    def ok(self) -> bool:
        return self.verified.ok and not self.problems


@dataclass(frozen=True)
class BackupReport:
    schema: SchemaCheck
    #: None when the schema is not at the head (the other checks were not run) or the key
    #: file cannot be read (the signatures could not be checked)
    audit: VerifyResult | None = None
    key: KeyCheck | None = None
    blobs: FsckReport | None = None
    #: for each missing or corrupt blob, what refers to it ("document 12 version 3 (a.pdf)")
    uses: dict[str, tuple[str, ...]] | None = None
    bundle: BundleCheck | None = None

    @property
    def ok(self) -> bool:
        return (
            self.schema.ok
            and self.key is not None
            and self.key.problem is None
            and self.audit is not None
            and self.audit.ok
            and self.blobs is not None
            and self.blobs.ok
            and (self.bundle is None or self.bundle.ok)
        )


def verify_backup(
    uow: UnitOfWork,
    principal: Principal,
    progress: Callable[[int, int], None] | None = None,
    bundle: Path | None = None,
) -> BackupReport:
    """Check the configured database, blob store and audit key as one restored copy, and
    against an audit ``bundle`` exported since the backup when one is given; ``progress``
    gets (bytes re-hashed, bytes in all). Recorded as ``cli.backup.verify``
    once the audit trail has been verified (so the event is not part of what was checked),
    unless the schema is not at the head (nothing can be written then)."""
    authorize(principal, "backup.verify")
    session = uow.session
    schema = SchemaCheck(*revisions(session.connection()))
    if not schema.ok:
        uow.rollback()
        return BackupReport(schema)
    key = check_key(uow.settings.audit.key_file, _checkpoint_count(session))
    # A key file that cannot be read cannot check signatures: the chains wait for a good one.
    audit = None if key.unreadable else verify_database(session, uow.settings)
    bundled = None
    if bundle is not None and not key.unreadable:
        bundled = check_bundle(session, bundle, uow.settings.audit.key_file)
    referenced = referenced_blobs(session)
    # Re-hashing can take hours: no read transaction stays open meanwhile.
    uow.rollback()
    blobs = check_store(uow.blobs, referenced, progress)
    uses = {sha256: _uses(session, sha256) for sha256 in (*blobs.missing, *blobs.corrupt)}
    report = BackupReport(schema, audit, key, blobs, uses, bundled)
    record(
        session,
        principal,
        "cli.backup.verify",
        details={
            "ok": report.ok,
            "audit": "unchecked" if audit is None else audit.reason or "intact",
            "key": "ok" if key.problem is None else "unusable",
            "missing": len(blobs.missing),
            "corrupt": len(blobs.corrupt),
            "orphaned": len(blobs.orphaned),
            "bundle": None if bundled is None else bundled.ok,
        },
    )
    uow.commit()
    return report


def check_key(key_file: Path, checkpoints: int) -> KeyCheck:
    """Whether the restored ``[audit] key_file`` (and its ``.pub``) can check the
    ``checkpoints`` stored and sign new ones. That it signed them is the chain
    verification's part (``bad signature``)."""
    public_file = public_key_file(key_file)
    try:
        private = load_private_key(key_file)
        public = read_public_key(public_file.read_bytes()) if public_file.exists() else None
    except (InvalidInput, ValueError, TypeError) as unreadable:
        return KeyCheck(
            f"{key_file} cannot be read as an Ed25519 key ({unreadable}): restore it from the "
            "key's own backup",
            None,
            checkpoints,
            unreadable=True,
        )
    derived = private.public_key() if private is not None else None
    if derived is not None and public is not None and key_id(derived) != key_id(public):
        return KeyCheck(
            f"the private key {key_file} (key id {key_id(derived)}) is not the one of "
            f"{public_file} (key id {key_id(public)}): restore both files from the same backup",
            key_id(public),
            checkpoints,
        )
    known = public or derived
    if private is None and checkpoints:
        return KeyCheck(
            f"the private key {key_file} was not restored: the {checkpoints} checkpoints "
            + ("can be checked with its .pub but " if known else "cannot be checked and ")
            + "no new one can be signed; restore it from the key's own backup "
            "(or set [audit] key_file)",
            key_id(known) if known else None,
            checkpoints,
        )
    return KeyCheck(None, key_id(known) if known else None, checkpoints)


def check_bundle(session: Session, path: Path, key_file: Path) -> BundleCheck:
    """Whether the database holds every event the bundle at ``path`` vouches for, with the
    same hash; the bundle is first verified, with the restored public key."""
    verified = verify_file(path, load_public_key(key_file))
    if not verified.ok:
        return BundleCheck(path, verified)
    points = proven_points(path)
    problems = {}
    for point in points:
        if point.stream in problems:
            continue  # the first is enough: the later ones follow from it
        problem = _not_held(session, point, path)
        if problem is not None:
            problems[point.stream] = problem
    return BundleCheck(path, verified, tuple(problems.values()), len(points))


def _not_held(session: Session, point: ProvenPoint, path: Path) -> str | None:
    stored = session.scalar(
        select(AuditEvent.hash).where(
            AuditEvent.stream == point.stream, AuditEvent.seq == point.seq
        )
    )
    name = STREAM_NAMES[point.stream]
    if stored == point.hash:
        return None
    if stored is not None:
        return (
            f"{name} event {point.seq} is not the one {path.name} vouches for "
            f"({point.source}): the dump was rewritten, or is another installation's"
        )
    first, last = session.execute(
        select(func.min(AuditEvent.seq), func.max(AuditEvent.seq)).where(
            AuditEvent.stream == point.stream
        )
    ).one()
    if first is not None and point.seq < first:
        return None  # purged since the bundle was made (the access log's retention)
    return (
        f"the database is older than {path.name}: its {name} ends at event {last or 0}, "
        f"the bundle vouches for event {point.seq} ({point.source}); the events after "
        f"{last or 0} are lost unless a later dump is restored"
    )


def _checkpoint_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0


def _uses(session: Session, sha256: str, limit: int = 3) -> tuple[str, ...]:
    """The versions whose bytes these are, for the operator to know what is lost."""
    found = session.execute(
        select(Version.document_id, Version.number, Version.filename)
        .where(Version.blob_sha256 == sha256)
        .order_by(Version.document_id, Version.number)
        .limit(limit + 1)
    ).all()
    uses = [f"document {doc} version {number} ({name})" for doc, number, name in found[:limit]]
    if len(found) > limit:
        uses.append("…")
    return tuple(uses) or ("no version: a rendition, batch, certificate or reply",)
