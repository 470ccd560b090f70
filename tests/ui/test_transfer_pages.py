"""The transfer pages with Flask's test client: a transfer proposed from the "À verser"
queue, its package built (in this process) and downloaded, the archives' reply uploaded;
refusals said where they are made; the PDF/A rendition offered on the document page."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ged.audit.seal import generate_key
from ged.models import Version
from ged.ports import StoredBlob
from ged.services.renditions import PDFA, PDFA_MIME_TYPE, NewRendition, save_rendition
from ged.services.transfer_build import build_transfer
from tests.apiclient import Api, serve
from tests.ged.disposal_setup import make_due
from tests.ged.journal_setup import at, days_ago, event_at, seal_at
from tests.ged.test_transfers import ARCHIVES
from tests.ged.transfer_setup import reply_xml
from tests.migrated import migrate
from tests.ui.pages import browser, csrf_token

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request, make_settings) -> Iterator[Api]:
    """The app with the archives configured (agencies, agreement)."""
    sections: dict = {"archives": ARCHIVES}
    if request.param == "postgresql":
        sections["database"] = {"url": request.getfixturevalue("fresh_postgres_url")}
    settings = make_settings(**sections)
    migrate(settings.database.url)
    yield from serve(settings)


def post(client, path: str, **form):
    return client.post(path, data={**form, "csrf_token": csrf_token(client, "/recherche")})


def send_reply(client, transfer_path: str, xml: bytes):
    data = {
        "file": (io.BytesIO(xml), "reponse.xml"),
        "csrf_token": csrf_token(client, "/recherche"),
    }
    return client.post(f"{transfer_path}/reponse", data=data, content_type="multipart/form-data")


def text(response) -> str:
    return response.get_data(as_text=True)


def message_of(api: Api, transfer_id: int) -> str:
    """The MessageIdentifier of the transfer's package, which the archives' reply names."""
    return api.get(f"/api/v1/transfers/{transfer_id}", "archivist").json["message_identifier"]


def due_document(api: Api, final_action: str, content: bytes) -> int:
    document_id = api.upload(PDF + content, who="agent", title=f"Délibération {final_action}")
    make_due(api.client.application.extensions["ged"], document_id.json["id"], final_action)
    return document_id.json["id"]


def test_a_transfer_from_the_queue_to_the_archives_reply(api: Api):
    runtime = api.client.application.extensions["ged"]
    due = due_document(api, "transfer", b"a verser")
    other = due_document(api, "destroy", b"a detruire")
    archivist = browser(api, "archivist")

    queue = text(archivist.get("/elimination/a-verser"))
    assert f'id="pick-{due}"' in queue
    assert "Préparer un versement avec les documents cochés" in queue
    untitled = post(archivist, "/versements", title="", ids=str(due))
    assert untitled.headers["Location"] == "/elimination/a-verser"
    assert "Donnez un titre au versement" in text(archivist.get("/elimination/a-verser"))
    refused = post(archivist, "/versements", title="V", ids=str(other))
    assert refused.headers["Location"] == "/elimination/a-verser"
    said = text(archivist.get("/elimination/a-verser"))
    assert "Versement refusé" in said and f"document {other} is not in the transfer queue" in said

    made = post(archivist, "/versements", title="Délibérations 2014", ids=str(due))
    assert made.status_code == 302, text(made)
    transfer_path = made.headers["Location"]
    transfer_id = int(transfer_path.rsplit("/", 1)[1])
    page = text(archivist.get(transfer_path))
    assert "Paquet en préparation" in page and "<progress" in page and "progress.js" in page
    assert archivist.get(f"{transfer_path}/paquet.zip").status_code == 409
    # On a transfer still open, the document has left the queue.
    assert f'id="pick-{due}"' not in text(archivist.get("/elimination/a-verser"))

    build_transfer(runtime, transfer_id)

    page = text(archivist.get(transfer_path))
    assert "Paquet prêt, en attente de la réponse des archives" in page
    assert "progress.js" not in page and "CONV-2024-07" in page
    assert "Enregistrer la réponse" in page
    package = archivist.get(f"{transfer_path}/paquet.zip")
    zipped = package.get_data()
    package.close()  # the file it streamed
    assert package.status_code == 200 and package.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        assert "manifest.xml" in archive.namelist()
    listed = text(archivist.get("/versements?statut=ready"))
    assert "Délibérations 2014" in listed and "Versements aux archives" in listed
    assert "Délibérations 2014" not in text(archivist.get("/versements?statut=accepted"))

    invalid = send_reply(archivist, transfer_path, b"<ArchiveTransferReply>")
    assert invalid.status_code == 400
    assert 'id="file-error"' in text(invalid) and "Réponse non enregistrée" in text(invalid)
    message = message_of(api, transfer_id)
    assert f"<dd>{message}</dd>" in page
    accepted = send_reply(
        archivist, transfer_path, reply_xml(message, units={f"AU-{due}": "FRAD075-W-0042"})
    )
    assert accepted.status_code == 302, text(accepted)
    page = text(archivist.get(transfer_path))
    assert "les archives ont accepté le versement" in page
    assert "Accepté par les archives" in page and "FRAD075-W-0042" in page
    assert re.search(r'class="transfer-outcome">Versé<', page)
    assert "Enregistrer la réponse" not in page

    authority = browser(api, "archives_authority")
    assert "FRAD075-W-0042" in text(authority.get(transfer_path))
    assert "Enregistrer la réponse" not in text(authority.get(transfer_path))


def test_a_rejected_transfer_puts_its_documents_back_in_the_queue_with_the_reason(api: Api):
    due = due_document(api, "transfer", b"refuse")
    archivist = browser(api, "archivist")
    made = post(archivist, "/versements", title="Tout", whole="1")
    transfer_path = made.headers["Location"]
    transfer_id = int(transfer_path.rsplit("/", 1)[1])
    build_transfer(api.client.application.extensions["ged"], transfer_id)
    rejected = reply_xml(message_of(api, transfer_id), code="KO", comment="Formats non conformes")
    assert send_reply(archivist, transfer_path, rejected).status_code == 302
    page = text(archivist.get(transfer_path))
    assert "Refusé par les archives" in page and "Formats non conformes" in page
    queue = text(archivist.get("/elimination/a-verser"))
    assert (
        f'id="pick-{due}"' in queue and "refusé par les archives : Formats non conformes" in queue
    )


def test_unconfigured_archives_are_said_with_the_setting_to_fill(sqlite_api: Api):
    due = due_document(sqlite_api, "transfer", b"sans archives")
    archivist = browser(sqlite_api, "archivist")
    refused = post(archivist, "/versements", title="V", ids=str(due))
    assert refused.headers["Location"] == "/elimination/a-verser"
    said = text(archivist.get("/elimination/a-verser"))
    assert "section [archives]" in said and "identifier de [archives.archival_agency]" in said


def test_an_agent_sees_no_transfers_and_is_refused_them(sqlite_api: Api):
    agent = browser(sqlite_api, "agent")
    assert agent.get("/versements").status_code == 403
    assert "/versements" not in text(agent.get("/deposer"))
    archivist = browser(sqlite_api, "archivist")
    assert 'href="/versements"' in text(archivist.get("/elimination/a-verser"))


def test_the_transfer_pages_read_in_english(sqlite_api: Api):
    client = browser(sqlite_api, "admin")
    client.get("/langue/en")
    assert "<h1>Transfers to the archives</h1>" in text(client.get("/versements"))


def test_a_document_with_a_pdfa_rendition_offers_its_download(sqlite_api: Api):
    document_id = sqlite_api.upload(PDF + b"scan", who="agent").json["id"]
    agent = browser(sqlite_api, "agent")
    assert "Télécharger la version PDF/A" not in text(agent.get(f"/documents/{document_id}"))
    runtime = sqlite_api.client.application.extensions["ged"]
    rendition = PDF + b"% PDF/A\n"
    with runtime.unit_of_work() as uow:
        stored: StoredBlob = uow.blobs.put(io.BytesIO(rendition))
        version_id = uow.session.scalars(
            select(Version.id).where(Version.document_id == document_id)
        ).one()
        new = NewRendition(PDFA, stored, PDFA_MIME_TYPE, "test")
        save_rendition(uow.session, version_id, PDFA, new)
        uow.commit()
    page = text(agent.get(f"/documents/{document_id}"))
    link = re.search(r'href="([^"]+rendition=pdfa)"', page)
    assert link and "Télécharger la version PDF/A" in page
    download = agent.get(link.group(1).replace("&amp;", "&"))
    served = download.get_data()
    download.close()  # the blob it streamed
    assert download.status_code == 200 and served == rendition


def test_a_sealed_day_of_the_journal_is_transferred_from_the_transfers_page(
    make_settings, tmp_path
):
    settings = make_settings(archives=ARCHIVES, audit={"key_file": tmp_path / "audit.key"})
    generate_key(settings.audit.key_file)
    migrate(settings.database.url)
    for api in serve(settings):
        runtime = api.client.application.extensions["ged"]
        day = days_ago(2)
        with runtime.unit_of_work() as uow:
            event_at(uow.session, at(day, 9), "document.create", 1)
            seal_at(uow.session, settings, at(day, 10))
            uow.commit()
        archivist = browser(api, "archivist")

        listed = text(archivist.get("/versements"))
        assert f"1 jour scellé n&#39;est pas encore versé (le plus ancien : {day})" in listed
        today = post(archivist, "/versements/journal", day=days_ago(0).isoformat())
        assert today.headers["Location"] == "/versements"
        assert "ne peut pas encore être versé" in text(archivist.get("/versements"))
        made = post(archivist, "/versements/journal", day=day.isoformat())
        transfer_id = int(made.headers["Location"].rsplit("/", 1)[1])
        build_transfer(runtime, transfer_id)

        page = text(archivist.get(made.headers["Location"]))
        assert f"Journal du cycle de vie du {day}" in page and "paquet.zip" in page
        assert "Tous les jours scellés sont versés" in text(archivist.get("/versements"))
        assert browser(api, "agent").get("/versements").status_code == 403
