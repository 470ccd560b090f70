"""``ged up``: one machine, embedded defaults, everything in the foreground until Ctrl-C."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click

from ged.access import command_line
from ged.audit.seal import generate_key
from ged.bootstrap import Runtime
from ged.config import Settings
from ged.health import check_readiness
from ged.migrate import upgrade
from ged.services.users import create_user, has_admin

FIRST_ADMIN = "admin"


def run_everything(runtime: Runtime, config_path: str | None, workers: int | None) -> int:
    settings = runtime.settings
    upgrade(settings.database.url)
    password_file = settings.web.secret_key_file.parent / "initial-admin-password"
    ensure_first_admin(runtime, password_file)
    if not settings.audit.key_file.exists():
        # One machine: the signing key lives beside the data; production keeps it elsewhere.
        generate_key(settings.audit.key_file)
        click.echo(f"Audit signing key created: {settings.audit.key_file}", err=True)
    report_dependencies(runtime)
    env = dict(os.environ)
    if config_path:
        env["GED_CONFIG"] = str(Path(config_path).resolve())
    worker_count = workers or settings.worker.count
    commands = [[sys.executable, "-m", "ged", "serve"]]
    commands += [[sys.executable, "-m", "ged", "worker"]] * worker_count
    folders = len(settings.watch.folders) + (settings.archives.reply_folder is not None)
    if folders:
        commands.append([sys.executable, "-m", "ged", "watch"])
    mailboxes = len(settings.mail.accounts)
    if mailboxes:
        commands.append([sys.executable, "-m", "ged", "mail"])
    # Ctrl-C from here on stops the children, even one pressed while they start.
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stopping.set())
    children: list[subprocess.Popen] = []
    try:
        for command in commands:
            if not stopping.is_set():
                children.append(subprocess.Popen(command, env=env))
        announce(settings, worker_count, folders, mailboxes)
        return supervise(children, stopping)
    finally:
        stop_children(children)


def announce(settings: Settings, worker_count: int, folders: int, mailboxes: int) -> None:
    watching = f", {folders} watched folder(s)" if folders else ""
    watching += f", {mailboxes} mailbox(es)" if mailboxes else ""
    click.echo(
        f"\nged is running on http://{settings.web.host}:{settings.web.port}/ "
        f"with {worker_count} worker(s){watching}. Ctrl-C stops it.\n"
        f"  database:   {settings.database.url}\n"
        f"  blob store: {settings.storage.path}\n"
        f"  logs:       this terminal (web and workers)\n",
        err=True,
    )


def ensure_first_admin(runtime: Runtime, password_file: Path) -> None:
    """Create ``admin`` with a random password on first start; keep the password in a private file."""
    with runtime.unit_of_work() as uow:
        if not has_admin(uow):
            password = secrets.token_urlsafe(15)
            create_user(uow, command_line(), FIRST_ADMIN, "admin", password)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.unlink(missing_ok=True)
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(password + "\n")
    if password_file.exists():
        password = password_file.read_text().strip()
        click.echo(
            f"First administrator: user {FIRST_ADMIN!r}, password {password!r} "
            f"(kept in {password_file}; delete that file once you have changed it).",
            err=True,
        )


def report_dependencies(runtime: Runtime) -> None:
    for result in check_readiness(runtime.engine, runtime.adapters):
        mark = "ok  " if result.ok else "DOWN"
        click.echo(f"  [{mark}] {result.name}: {result.detail}", err=True)


def supervise(children: list[subprocess.Popen], stopping: threading.Event) -> int:
    """Wait until Ctrl-C or until one child dies, and report which."""
    while not stopping.wait(0.5):
        dead = [child for child in children if child.poll() is not None]
        if dead:
            click.echo(
                f"ged: {' '.join(dead[0].args[2:])} exited with status {dead[0].returncode}; stopping",
                err=True,
            )
            return 1
    return 0


def stop_children(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
    click.echo("ged stopped.", err=True)
