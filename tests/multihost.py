"""ged on several hosts in one test: each `ged serve` and `ged worker` process with its own
working directory, temp dir and configuration file, sharing only the services (PostgreSQL,
Redis, OpenSearch, S3) as hosts would; a client that balances between the web hosts and
records every exchange; the windows during which a test took something down."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import urllib3

from tests.processes import free_port, kill_group, spawn_ged, wait_serving


def toml_of(sections: dict[str, dict[str, Any]]) -> str:
    """A configuration file of plain values (strings, numbers, booleans, lists of them):
    their JSON spelling is TOML's too."""
    return "".join(
        f"[{name}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in keys.items())
        for name, keys in sections.items()
    )


@dataclass
class Host:
    """One ged process as if on a machine of its own: ``directory`` is its working
    directory, with its configuration file, its temp dir and its log."""

    name: str
    directory: Path
    command: list[str]
    process: subprocess.Popen | None = None

    @classmethod
    def make(cls, name: str, root: Path, sections: dict[str, dict[str, Any]], command: list[str]):
        directory = root / name
        (directory / "tmp").mkdir(parents=True)
        (directory / "ged.toml").write_text(toml_of(sections))
        return cls(name, directory, command)

    @property
    def config(self) -> Path:
        return self.directory / "ged.toml"

    @property
    def log(self) -> Path:
        return self.directory / f"{self.name}.log"

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("GED_")}
        env.update(GED_CONFIG=str(self.config), TMPDIR=str(self.directory / "tmp"))
        return env

    def start(self) -> None:
        self.process = spawn_ged(self.command, self.environment(), self.log, self.directory)

    def kill(self) -> None:
        """SIGKILL, the process and its children (a job's fork, OCR processes)."""
        assert self.process is not None and self.process.poll() is None, f"{self.name} is down"
        kill_group(self.process)


@dataclass
class WebHost(Host):
    port: int = 0

    @classmethod
    def make_web(cls, name: str, root: Path, sections: dict[str, dict[str, Any]]) -> WebHost:
        port = free_port()
        host = cls.make(name, root, sections, ["serve", "--port", str(port)])
        host.port = port
        return host

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        super().start()
        assert self.process is not None
        wait_serving(self.url, self.process)


@dataclass
class Outages:
    """When each thing was down, on the monotonic clock the exchanges use."""

    windows: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    _begun: dict[str, threading.Event] = field(default_factory=dict, repr=False)

    def begun(self, what: str) -> threading.Event:
        """Set once ``what`` has been taken down."""
        return self._begun.setdefault(what, threading.Event())

    @contextlib.contextmanager
    def down(self, what: str) -> Iterator[None]:
        """From the moment it is taken down to the moment it answers again."""
        started = time.monotonic()
        self.begun(what).set()
        try:
            yield
        finally:
            self.windows.setdefault(what, []).append((started, time.monotonic()))

    def overlaps(self, what: str, started: float, ended: float) -> bool:
        return any(started <= end and begin <= ended for begin, end in self.windows.get(what, ()))


@dataclass(frozen=True)
class Exchange:
    """One request to one web host: its status, or None when no answer came; ``error``:
    why not, or the body of a 5xx."""

    method: str
    path: str
    host: str
    started: float
    ended: float
    status: int | None
    error: str = ""


def refused(error: requests.ConnectionError) -> bool:
    """No connection was made (nothing was sent): safe to send to another host."""
    reason = getattr(error.args[0] if error.args else None, "reason", None)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


class AnswerLost(Exception):
    """The connection broke once the request was sent: whether it was done is unknown."""


class Balancer:
    """What a load balancer in front of the web hosts does: round-robin, and a request
    whose connection is refused goes to the next host. Every exchange is recorded."""

    def __init__(self, urls: list[str], token: str) -> None:
        self.urls = urls
        self.token = token
        self.exchanges: list[Exchange] = []
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        """The answer, or None when every host refused the connection; AnswerLost when
        one broke after the request was sent (a load balancer cannot know if it was done)."""
        first = next(self._turn)
        headers = {"Authorization": f"Bearer {self.token}"}
        for offset in range(len(self.urls)):
            url = self.urls[(first + offset) % len(self.urls)]
            started = time.monotonic()
            try:
                response = requests.request(
                    method, url + path, headers=headers, timeout=60, **kwargs
                )
            except requests.ConnectionError as error:
                self._record(
                    Exchange(method, path, url, started, time.monotonic(), None, str(error))
                )
                if refused(error):
                    continue
                raise AnswerLost(str(error)) from error
            detail = response.text[:400] if response.status_code >= 500 else ""
            ended = time.monotonic()
            self._record(Exchange(method, path, url, started, ended, response.status_code, detail))
            return response
        return None

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)
