"""``ged mail``: one thread per functional mailbox ([[mail.accounts]]), until SIGINT or SIGTERM.

Each poll opens an IMAP session, first finishes what an interrupted run left (messages
filed whose server was not told), then takes every message not taken yet, oldest first:
fetch, file and record (one transaction, ged.services.mail_intake), then move or flag it
on the server, then send the acknowledgement when one is due. A server, database or
station account that is unavailable is tried again with a growing delay; a message that
cannot be filed is recorded as failed, flagged, and left alone. Every outcome is counted
(``runtime.adapters.counters``, read by the web process for /readyz).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

from sqlalchemy.exc import InterfaceError, OperationalError

from ged.bootstrap import Runtime
from ged.db import check_database
from ged.errors import ConfigError, ServiceUnavailable
from ged.mail_settings import MailAccount
from ged.mailbox import Mailbox
from ged.services.drops import filing_problem
from ged.services.mail_intake import (
    acknowledge_message,
    recorded_message,
    settle_message,
    take_message,
    unacknowledged_messages,
    unsettled_messages,
)
from ingest.watch import Postponed

log = logging.getLogger("ged.mail")

#: test hook: seconds to wait after a message is filed, before its server is told (so that
#: a test can kill the process there)
PAUSE_ENV = "GEDTEST_MAIL_PAUSE_AFTER_FILING"
#: the longest wait between two tries while something is unavailable
MAX_BACKOFF_SECONDS = 600.0
TRANSIENT = (ServiceUnavailable, Postponed, OperationalError, InterfaceError)


def run_mailboxes(runtime: Runtime) -> int:
    """Poll every configured mailbox until SIGINT or SIGTERM; return the exit status."""
    settings = runtime.settings
    if not settings.mail.accounts:
        raise ConfigError("no mailbox is configured: add [[mail.accounts]] tables")
    logging.basicConfig(
        level=settings.logging.level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    check_database(runtime.engine)
    stopping = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda _signum, _frame: stopping.set())
    crashed: list[str] = []
    threads = []
    for account in settings.mail.accounts:
        work = (runtime, account, stopping, crashed)
        threads.append(threading.Thread(target=_watch_account, args=work, name=account.name))
        threads[-1].start()
    for thread in threads:
        thread.join()
    return 1 if crashed else 0


def _watch_account(
    runtime: Runtime, account: MailAccount, stopping: threading.Event, crashed: list[str]
) -> None:
    """One account's thread. A bug stops the whole process (status 1, so that a supervisor
    notices) rather than leave a mailbox silently unread."""
    failures = 0
    reported = None
    try:
        log.info("reading mailbox %s (%s on %s)", account.name, account.folder, account.server)
        while not stopping.is_set():
            try:
                with runtime.unit_of_work() as uow:
                    problem = filing_problem(uow.session, account)
                if problem is not None:
                    raise Postponed(f"mail account {account.name}: {problem}")
                poll_account(runtime, account, stopping)
            except TRANSIENT as exc:
                failures += 1
                reason = str(getattr(exc, "orig", None) or exc).strip()
                delay = min(account.poll_seconds * 2 ** (failures - 1), MAX_BACKOFF_SECONDS)
                if reason != reported:
                    log.warning("%s: %s; trying again in %g s", account.name, reason, delay)
                    reported = reason
                runtime.adapters.counters.add_mail(account.name, "postponed")
                stopping.wait(delay)
                continue
            if reported is not None:
                log.info("%s: available again", account.name)
            failures, reported = 0, None
            stopping.wait(account.poll_seconds)
    except Exception:
        log.exception("mailbox %s: ged mail stopped on an unexpected error", account.name)
        crashed.append(account.name)
        stopping.set()


def poll_account(runtime: Runtime, account: MailAccount, stopping: threading.Event) -> None:
    """One poll of one mailbox: finish what was left, then take what is waiting."""
    counters = runtime.adapters.counters
    mailbox = Mailbox(account)
    try:
        with runtime.unit_of_work() as uow:
            left = [
                (row.id, row.uid)
                for row in unsettled_messages(uow.session, account)
                if row.uidvalidity == mailbox.uidvalidity
            ]
        for message_id, uid in left:
            _settle(runtime, mailbox, message_id, uid)
        for uid in mailbox.waiting():
            if stopping.is_set():
                return
            with runtime.unit_of_work() as uow:
                row = recorded_message(uow.session, account, mailbox.uidvalidity, uid)
                known = None if row is None else (row.id, row.state)
            if known is None:
                raw = mailbox.fetch(uid)
                if raw is None:
                    continue  # moved or deleted by someone else meanwhile
                counters.add_mail(account.name, "taken")
                with runtime.unit_of_work() as uow:
                    row = take_message(uow, account, mailbox.uidvalidity, uid, raw)
                    known = (row.id, row.state)
                    if row.state == "failed":
                        log.warning("%s: message %s failed: %s", account.name, uid, row.error)
                    else:
                        log.info("%s: message %s filed as %s", account.name, uid, row.document_ids)
                counters.add_mail(account.name, "filed" if known[1] != "failed" else "failed")
                _pause_for_tests()
            if known[1] == "failed":
                mailbox.mark_failed(uid)
            else:
                _settle(runtime, mailbox, known[0], uid)
        _acknowledge_due(runtime, account)
    finally:
        mailbox.close()


def _settle(runtime: Runtime, mailbox: Mailbox, message_id: int, uid: int) -> None:
    mailbox.settle(uid)
    with runtime.unit_of_work() as uow:
        settle_message(uow, message_id)


def _acknowledge_due(runtime: Runtime, account: MailAccount) -> None:
    """Send the acknowledgements due; an SMTP server that is down keeps them due, without
    holding up the filing of what arrives meanwhile."""
    with runtime.unit_of_work() as uow:
        due = [row.id for row in unacknowledged_messages(uow.session, account)]
    for message_id in due:
        try:
            with runtime.unit_of_work() as uow:
                sent = acknowledge_message(uow, account, message_id)
        except ServiceUnavailable as exc:
            log.warning("%s: acknowledgements wait: %s", account.name, exc)
            return
        if sent:
            runtime.adapters.counters.add_mail(account.name, "acknowledged")


def _pause_for_tests() -> None:
    pause = os.environ.get(PAUSE_ENV)
    if pause:
        time.sleep(float(pause))
