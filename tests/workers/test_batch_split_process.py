"""A real `ged worker` killed (SIGKILL, its whole process group) in the middle of a split:
a second worker takes the batch up once its heartbeat is stale and files the rest, each
segment exactly once, nothing lost. A batch dropped in a watched folder with
split = "separators" is kept and split the same way, and dropping it twice is one batch."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from ged.access import command_line, principal_for
from ged.bootstrap import build
from ged.config import WatchedFolder
from ged.db import make_engine, make_session_factory
from ged.models import Batch, BatchSegment, Document, User
from ged.services.batch_split import split_batch
from ged.services.batches import submit_batch
from ged.services.documents import Metadata, Upload
from ged.services.drops import file_drop
from ged.services.users import create_user
from ingest.watch_files import Drop
from tests.ingest.batches import Letter, batch_pages, save_batch
from tests.migrated import migrate
from tests.processes import kill_group, processes_on_queue, start_worker, wait_until

LETTERS = 20


def state(settings) -> tuple[str, int, int, int]:
    """The batch's status, its segments filed, the documents and the distinct documents
    the segments name."""
    engine = make_engine(settings.database)
    with make_session_factory(engine)() as session:
        batch = session.get(Batch, 1)
        filed = session.scalar(select(func.count()).where(BatchSegment.document_id.is_not(None)))
        distinct = session.scalar(select(func.count(func.distinct(BatchSegment.document_id))))
        documents = session.scalar(select(func.count()).select_from(Document))
        found = (batch.status if batch else "missing", filed, documents, distinct)
    engine.dispose()
    return found


def test_a_worker_killed_mid_split_is_taken_over_with_no_duplicate_and_no_loss(
    make_settings, tmp_path
):
    settings = make_settings(pipeline={"stale_seconds": 3, "recovery_seconds": 1})
    migrate(settings.database.url)
    # 20 one-page letters at 60 dpi: the split, not OCR, is what this test waits for.
    pages = [
        page.resize((page.width * 6 // 10, page.height * 6 // 10))
        for page in batch_pages([Letter()] * LETTERS)
    ]
    path = save_batch(pages, tmp_path / "courrier.tif")
    runtime = build(settings)
    with runtime.unit_of_work() as uow:
        agent = principal_for(
            create_user(uow, command_line(), "agent", "agent", "mot de passe de test", ())
        )
    with runtime.unit_of_work() as uow:
        submit_batch(uow, agent, Upload(io.BytesIO(path.read_bytes()), path.name), Metadata())
    runtime.close()

    first = start_worker(settings, GEDTEST_SPLIT_PAUSE_AFTER_SEGMENT="7")
    try:
        wait_until(lambda: state(settings)[1] == 7, 120, "seven segments filed")
    finally:
        kill_group(first)
    # Its job's child too, though RQ gives it a process group of its own.
    wait_until(lambda: not processes_on_queue(settings), 10, "the worker's job to die with it")
    assert state(settings)[:3] == ("running", 7, 7)

    second = start_worker(settings)
    try:
        wait_until(lambda: state(settings)[0] == "done", 180, "the second worker to finish")
    finally:
        kill_group(second)
    assert state(settings) == ("done", LETTERS, LETTERS, LETTERS)


def test_a_batch_dropped_in_a_watched_folder_is_kept_once_and_split(make_settings, tmp_path):
    inbox = tmp_path / "scans"
    inbox.mkdir()
    folder = WatchedFolder(path=inbox, station="scanner", split="separators", tags=("courrier",))
    settings = make_settings()
    migrate(settings.database.url)
    path = save_batch(batch_pages([Letter(), Letter()]), inbox / "lot.pdf")
    runtime = build(settings)
    with runtime.unit_of_work() as uow:
        uow.session.add(User(username="scanner", role="station", password_hash=None))
        uow.commit()
    drop = Drop(path=path, subfolder="")
    with runtime.unit_of_work() as uow:
        filed = file_drop(uow, folder, drop)
    with runtime.unit_of_work() as uow:
        again = file_drop(uow, folder, drop)
    assert (again.document_id, again.duplicate) == (filed.document_id, True)
    split_batch(runtime, filed.document_id)
    with runtime.unit_of_work() as uow:
        batch = uow.session.get_one(Batch, filed.document_id)
        assert (batch.source, batch.folder, batch.status) == ("folder", str(inbox), "done")
        documents = [segment.document for segment in batch.segments]
        assert [sorted(tag.name for tag in d.tags) for d in documents] == [["courrier"]] * 2
        assert {d.created_by.username for d in documents} == {"scanner"}
    runtime.close()
