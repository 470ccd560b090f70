"""Filing a message through the service (no IMAP here: tests/test_mail_process.py has the
real server), and what readers see of the links between its documents."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from ged.bootstrap import Runtime, build
from ged.models import AuditEvent, Document, Grant, MailMessage, User
from ged.services.mail_intake import acknowledge_message, recorded_message, take_message
from tests.apiclient import Api, serve
from tests.mailroom import a_message, a_pdf
from tests.migrated import migrate
from tests.ui.pages import browser

ACCOUNT = {
    "name": "courrier",
    "server": "127.0.0.1",
    "username": "courrier",
    "station": "station",
    "unit": "Urbanisme",
    "tags": ["courriel"],
}


@pytest.fixture
def mail_api(make_settings) -> Iterator[Api]:
    settings = make_settings(mail={"accounts": json.dumps([ACCOUNT])})
    migrate(settings.database.url)
    yield from serve(settings)


@pytest.fixture
def runtime(mail_api: Api) -> Iterator[Runtime]:
    runtime = build(mail_api.settings)
    yield runtime
    runtime.close()


def take(runtime: Runtime, uid: int, raw: bytes, **account: object) -> MailMessage:
    settings = runtime.settings.mail.accounts[0].model_copy(update=account)
    with runtime.unit_of_work() as uow:
        row = take_message(uow, settings, 7, uid, raw)
        uow.session.expunge(row)
        return row


def test_the_body_and_attachments_are_filed_with_the_account_defaults(runtime):
    message = a_message("Demande de stationnement", **{"plan.pdf": a_pdf("plan")})
    row = take(runtime, 1, message.as_bytes())
    with runtime.unit_of_work() as uow:
        assert recorded_message(uow.session, runtime.settings.mail.accounts[0], 7, 1) is not None
        events = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "mail.message.file")
        ).all()
        assert [event.details["documents"] for event in events] == [row.document_ids]
    assert row.state == "filed" and len(row.document_ids) == 2
    assert row.acknowledgement == "not sent: acknowledgements are not enabled for this account"


def test_the_body_as_text_and_attachments_only(runtime, mail_api):
    as_text = take(runtime, 1, a_message("Texte").as_bytes(), body_as="text")
    body = mail_api.get(f"/api/v1/documents/{as_text.document_ids[0]}").json
    assert (body["version"]["filename"], body["title"]) == ("courriel-Texte.txt", "Texte")
    assert (body["unit"], body["tags"], body["document_date"]) == (
        "Urbanisme",
        ["courriel"],
        "2026-12-03",
    )
    only = take(
        runtime,
        2,
        a_message("Sans corps", **{"a.pdf": a_pdf("a")}).as_bytes(),
        mode="attachments_only",
    )
    [attachment] = only.document_ids
    assert mail_api.get(f"/api/v1/documents/{attachment}").json["links"] == []


def test_links_show_only_the_documents_the_reader_may_read(runtime, mail_api):
    message = a_message("Dossier", **{"a.pdf": a_pdf("a"), "b.pdf": a_pdf("b")})
    body, first, second = take(runtime, 1, message.as_bytes()).document_ids
    agent = mail_api.get(f"/api/v1/documents/{body}").json["links"]
    assert agent == [
        {"id": first, "title": "a", "relation": "attachment"},
        {"id": second, "title": "b", "relation": "attachment"},
    ]
    assert mail_api.get(f"/api/v1/documents/{first}").json["links"] == [
        {"id": body, "title": "Dossier", "relation": "attached_to"}
    ]
    with runtime.unit_of_work() as uow:
        outsider = uow.session.scalars(select(User).where(User.username == "outsider")).one()
        for document_id in (body, second):
            uow.session.add(Grant(permission="read", user_id=outsider.id, document_id=document_id))
        uow.commit()
    seen = mail_api.get(f"/api/v1/documents/{body}", "outsider").json["links"]
    assert seen == [{"id": second, "title": "b", "relation": "attachment"}]

    page = browser(mail_api, "outsider").get(f"/documents/{body}").get_data(as_text=True)
    assert "Documents liés" in page and f"/documents/{second}" in page
    assert f'/documents/{first}"' not in page
    assert "Courriel reçu" in page and "jeanne.martin@exemple.fr" in page


def test_the_body_says_which_message_it_is(runtime, mail_api):
    row = take(runtime, 1, a_message("Demande d'acte", **{"a.pdf": a_pdf("acte")}).as_bytes())
    body, attachment = row.document_ids
    assert mail_api.get(f"/api/v1/documents/{body}").json["mail"] == {
        "account": "courrier",
        "sender": "jeanne.martin@exemple.fr",
        "recipients": ["courrier@mairie.exemple.fr"],
        "subject": "Demande d'acte",
        "sent_at": "2026-12-03T08:30:00Z",
        "acknowledgement": "not sent: acknowledgements are not enabled for this account",
    }
    assert mail_api.get(f"/api/v1/documents/{attachment}").json["mail"] is None


def test_a_message_too_large_to_file_is_recorded_failed(runtime):
    big = a_message("Trop lourd", **{"gros.pdf": b"%PDF-1.4\n" + b"0" * 2_000_000})
    settings = runtime.settings.model_copy(
        update={"web": runtime.settings.web.model_copy(update={"max_upload_mb": 1})}
    )
    small = build(settings)
    try:
        with small.unit_of_work() as uow:
            row = take_message(uow, settings.mail.accounts[0], 7, 9, big.as_bytes())
            assert (row.state, row.document_ids) == ("failed", [])
            assert row.error == "the content is larger than the limit of 1048576 bytes"
    finally:
        small.close()


def test_a_message_recorded_by_another_process_meanwhile_is_not_filed_twice(runtime):
    raw = a_message("Deux lecteurs", **{"a.pdf": a_pdf("deux")}).as_bytes()
    first = take(runtime, 3, raw)
    account = runtime.settings.mail.accounts[0]
    with runtime.unit_of_work() as uow:
        # As if this process had looked before the other one committed.
        again = take_message(uow, account, 7, 3, raw.replace(b"Deux lecteurs", b"Deux lecteur"))
        assert (again.id, again.document_ids) == (first.id, first.document_ids)
        assert uow.session.scalar(select(func.count()).select_from(Document)) == 2


def test_the_administration_page_counts_each_mailbox(mail_api):
    page = browser(mail_api, "admin").get("/admin/dossiers").get_data(as_text=True)
    assert "Boîtes aux lettres" in page
    assert "courrier <span" in page and "(courrier, INBOX)" in page


def test_an_acknowledgement_due_when_they_are_turned_off_is_not_sent(runtime):
    on = runtime.settings.mail.model_copy(
        update={
            "acknowledgement": runtime.settings.mail.acknowledgement.model_copy(
                update={"enabled": True, "sender": "courrier@mairie.exemple.fr"}
            )
        }
    )
    enabled = build(runtime.settings.model_copy(update={"mail": on}))
    try:
        with enabled.unit_of_work() as uow:
            row = take_message(uow, on.accounts[0], 7, 5, a_message("Due").as_bytes())
            assert row.acknowledgement is None
            message_id = row.id
    finally:
        enabled.close()
    with runtime.unit_of_work() as uow:
        assert not acknowledge_message(uow, runtime.settings.mail.accounts[0], message_id)
    with runtime.unit_of_work() as uow:
        row = uow.session.get(MailMessage, message_id)
        assert row.acknowledgement == "not sent: acknowledgements are not enabled for this account"
