"""Rebuilding the index from the database (``ged reindex``'s service) on SQLite and
PostgreSQL and the real OpenSearch: the new index holds exactly the active documents as the
database has them, and the rebuild reads them with a number of queries that depends on its
batches, not on the number of documents."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import and_, event, select

from ged.access import Principal, command_line, principal_for
from ged.bootstrap import Runtime
from ged.models import Document, Page, Version
from ged.services import index_sync
from ged.services.acl import GrantSpec, replace_document_acl, replace_unit_acl
from ged.services.documents import (
    Metadata,
    Upload,
    add_version,
    create_document,
    delete_document,
)
from ged.services.index_sync import rebuild_index
from ged.services.notes import add_note
from ged.services.pipeline import process_version
from ged.services.users import create_group, create_unit, create_user
from search.client import make_client
from search.index import alias_name
from tests.ged import disposal_setup

runtime = disposal_setup.runtime  # each database, its own index prefix


@pytest.fixture
def archivist(runtime: Runtime) -> Principal:
    with runtime.unit_of_work() as uow:
        user = create_user(uow, command_line(), "archives", "archivist", "mot de passe sûr 2026")
        return principal_for(user)


def file(runtime: Runtime, who: Principal, text: str, **metadata) -> int:
    with runtime.unit_of_work() as uow:
        version = create_document(
            uow, who, Upload(io.BytesIO(text.encode()), "piece.txt"), Metadata(**metadata)
        )
        version_id, document_id = version.id, version.document_id
    process_version(runtime, version_id)
    return document_id


def indexed(runtime: Runtime) -> dict[int, dict]:
    """What the index behind the read alias holds, by document id."""
    client = make_client(runtime.settings.opensearch.urls)
    try:
        answer = client.search(
            index=alias_name(runtime.settings.opensearch.index_prefix),
            body={"query": {"match_all": {}}, "size": 100},
        )
    finally:
        client.close()
    return {int(hit["_id"]): hit["_source"] for hit in answer["hits"]["hits"]}


def current_pages(runtime: Runtime) -> dict[int, list[dict]]:
    """The text of every active document's current version, as the database holds it."""
    current = and_(Version.document_id == Document.id, Version.number == Document.current_version)
    with runtime.unit_of_work() as uow:
        rows = uow.session.execute(
            select(Document.id, Page.number, Page.text)
            .join(Version, current)
            .join(Page, Page.version_id == Version.id)
            .where(Document.status == "active")
            .order_by(Document.id, Page.number)
        )
        pages: dict[int, list[dict]] = {}
        for document_id, number, text in rows:
            pages.setdefault(document_id, []).append({"number": number, "text": text})
        return pages


def counted_rebuild(runtime: Runtime) -> list[str]:
    """Rebuild the index; return the SQL statements it sent."""
    sent: list[str] = []

    def keep(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", keep)
    try:
        with runtime.unit_of_work() as uow:
            rebuild_index(uow, command_line())
    finally:
        event.remove(runtime.engine, "before_cursor_execute", keep)
    return sent


def test_the_rebuilt_index_holds_exactly_the_active_documents_with_their_current_text(
    runtime: Runtime, archivist: Principal, monkeypatch: pytest.MonkeyPatch
):
    with runtime.unit_of_work() as uow:
        operator = command_line()
        create_unit(uow, operator, "Voirie")
        group = create_group(uow, operator, "Agents voirie")
        agent = create_user(uow, operator, "agent", "agent", "mot de passe sûr 2026")
        uow.commit()
        group_key, agent_key = f"group:{group.id}", f"user:{agent.id}"
    with runtime.unit_of_work() as uow:
        replace_unit_acl(uow, command_line(), "Voirie", [GrantSpec("group:Agents voirie", "read")])
    road = file(
        runtime,
        archivist,
        "Arrêté portant réglementation de la circulation rue de la Gare.",
        unit="Voirie",
        tags=("circulation", "travaux"),
    )
    revised = file(runtime, archivist, "Premier état du règlement intérieur.")
    with runtime.unit_of_work() as uow:
        version = add_version(
            uow,
            archivist,
            revised,
            Upload(io.BytesIO("Règlement intérieur adopté en séance.".encode()), "r.txt"),
            "adopté",
        )
    process_version(runtime, version.id)
    with runtime.unit_of_work() as uow:
        replace_document_acl(uow, archivist, revised, False, [GrantSpec("user:agent", "read")])
    noted = file(runtime, archivist, "Demande de subvention de l'association sportive.")
    with runtime.unit_of_work() as uow:
        add_note(uow, archivist, noted, "Avis favorable du service des sports")
    deleted = file(runtime, archivist, "Brouillon à jeter.")
    with runtime.unit_of_work() as uow:
        delete_document(uow, archivist, deleted)
        uow.commit()
    plain = file(runtime, archivist, "Compte rendu du conseil d'école.")
    # Batches of two: the rebuild crosses batch boundaries and ends on a partial one.
    monkeypatch.setattr(index_sync, "BATCH", 2)

    with runtime.unit_of_work() as uow:
        result = rebuild_index(uow, command_line())

    entries = indexed(runtime)
    assert result["indexed"] == 4
    assert sorted(entries) == sorted([road, revised, noted, plain])
    pages = current_pages(runtime)
    assert {i: entry["pages"] for i, entry in entries.items()} == pages
    assert "adopté en séance" in pages[revised][0]["text"]
    assert entries[road]["unit"] == "Voirie"
    assert entries[road]["tags"] == ["circulation", "travaux"]
    filer = f"user:{archivist.user_id}"  # whoever files a document may read it
    assert entries[road]["acl"] == sorted([group_key, filer])
    assert entries[revised]["acl"] == [agent_key]
    assert entries[noted]["notes"] == ["Avis favorable du service des sports"]
    assert entries[plain]["notes"] == [] and entries[plain]["acl"] == [filer]


def test_the_statements_of_a_rebuild_do_not_grow_with_the_documents(
    runtime: Runtime, archivist: Principal
):
    with runtime.unit_of_work() as uow:
        create_unit(uow, command_line(), "Finances")
    texts = [f"Facture n° {n} de la société Dupont, montant {n * 100} euros." for n in range(8)]
    for text in texts[:3]:
        file(runtime, archivist, text, unit="Finances", tags=("budget",))
    three = counted_rebuild(runtime)
    for text in texts[3:]:
        file(runtime, archivist, text, unit="Finances", tags=("budget",))
    eight = counted_rebuild(runtime)

    # One batch each time: the same queries, whatever the number of documents in it.
    assert len(eight) == len(three)
    # Nor does what comes back: marking the versions indexed returns no row per document
    # (the ORM's "fetch" synchronisation did, RETURNING every id: the rebuild's peak RSS).
    assert not [statement for statement in eight if "RETURNING" in statement.upper()]
    assert len(indexed(runtime)) == 8
