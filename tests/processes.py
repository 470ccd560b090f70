"""Running ged's own processes (worker, server) in tests, configured like the test's settings."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from rq import SimpleWorker, Worker

from ged.config import Settings
from workers.worker import run_worker


def storage_environment(settings: Settings) -> dict[str, str]:
    """The GED_STORAGE__* variables of the settings' blob store, local or S3."""
    return {
        f"GED_STORAGE__{key.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in settings.storage.model_dump(mode="json", exclude_none=True).items()
    }


def ged_environment(settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment that makes a `ged` process use exactly these settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GED_")}
    env.update(
        GED_DATABASE__URL=settings.database.url,
        GED_WEB__SECRET_KEY_FILE=str(settings.web.secret_key_file),
        GED_AUDIT__KEY_FILE=str(settings.audit.key_file),
        GED_OPENSEARCH__URLS=json.dumps(list(settings.opensearch.urls)),
        GED_OPENSEARCH__INDEX_PREFIX=settings.opensearch.index_prefix,
        GED_REDIS__URL=settings.redis.url,
        GED_REDIS__QUEUE=settings.redis.queue,
        GED_PIPELINE__STALE_SECONDS=str(settings.pipeline.stale_seconds),
        GED_PIPELINE__RECOVERY_SECONDS=str(settings.pipeline.recovery_seconds),
        GED_OCR__PROCESSES=str(settings.ocr.processes),
        GED_WEBHOOKS__TIMEOUT=str(settings.webhooks.timeout),
        GED_WEBHOOKS__MAX_ATTEMPTS=str(settings.webhooks.max_attempts),
        GED_WEBHOOKS__BACKOFF=json.dumps(list(settings.webhooks.backoff)),
        GED_LOGGING__LEVEL="WARNING",
    )
    env.update(storage_environment(settings))
    if settings.oidc.enabled:
        for key, value in settings.oidc.model_dump(mode="json", exclude_none=True).items():
            env[f"GED_OIDC__{key.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    env.update(overrides)
    return env


def run_worker_burst(settings: Settings, worker_class: type[Worker] | None = SimpleWorker) -> None:
    """Process every job waiting now with ged's worker, then return. The worker runs in this
    process (RQ's SimpleWorker, no fork per job): a `ged worker` process would cost two
    seconds of interpreter start for every burst. start_worker runs the real process;
    ``worker_class=None`` runs the jobs in a forked child of this process, as it does."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        run_worker(settings, burst=True, worker_class=worker_class)
    finally:
        # RQ takes SIGINT and SIGTERM for a graceful stop; pytest needs them back.
        for number, handler in handlers.items():
            signal.signal(number, handler)


def spawn_ged(
    args: list[str], env: dict[str, str], log_path: Path | None = None, cwd: Path | None = None
) -> subprocess.Popen:
    """`ged ARGS…` in its own process group (so a test can SIGKILL it whole, children
    included), its output in ``log_path`` (else discarded)."""
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(log_path.open("a")) if log_path else subprocess.DEVNULL
        return subprocess.Popen(
            [sys.executable, "-m", "ged", *args],
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_worker(settings: Settings, **env: str) -> subprocess.Popen:
    """A long-running `ged worker`; ``env``: more environment (a test hook)."""
    return spawn_ged(["worker"], ged_environment(settings, **env))


def processes_on_queue(settings: Settings) -> list[int]:
    """The pids of the ged processes started with ``settings``' queue (ged_environment)."""
    marker = f"GED_REDIS__QUEUE={settings.redis.queue}".encode()
    pids = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to read
            if marker in environ.read_bytes().split(b"\0"):
                pids.append(int(environ.parent.name))
    return pids


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=30)


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, every: float = 0.3
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(settings: Settings, log_path: Path, **env: str) -> Iterator[str]:
    """A real `ged serve` on a free loopback port, its output in ``log_path`` (the first
    place to look when a request fails); yields its base URL, stops it on exit."""
    port = free_port()
    server = spawn_ged(["serve", "--port", str(port)], ged_environment(settings, **env), log_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_serving(url, server)
        yield url
    finally:
        kill_group(server)


def wait_serving(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    """Until the `ged serve` at ``url`` answers /healthz."""
    wait_until(lambda: _answers(f"{url}/healthz", server), timeout, "ged serve to answer")


def _answers(url: str, server: subprocess.Popen) -> bool:
    assert server.poll() is None, "ged serve exited early"
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False
