"""Start the real services for the test run through the project's own script, once per run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVICES_SCRIPT = ROOT / "scripts" / "services.py"


def run_services(*args: str) -> dict[str, Any]:
    """Run scripts/services.py; it is idempotent and locked, so every xdist worker may call it."""
    completed = subprocess.run(
        [sys.executable, str(SERVICES_SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"scripts/services.py {' '.join(args)} failed:\n{completed.stderr}")
    output = completed.stdout.strip()
    return json.loads(output) if output else {}


def ensure(*services: str, profile: str = "test") -> dict[str, Any]:
    return run_services("ensure", "--profile", profile, *services)


def ensure_opensearch_cluster() -> list[str]:
    """The URLs of the test cluster's nodes, node 1 first; starts the nodes that are down
    (a node killed by kill_opensearch_node restarts and rejoins)."""
    urls: list[str] = ensure("opensearch-cluster")["opensearch_urls"]
    return urls


def kill_opensearch_node(url: str) -> int:
    """SIGKILL the OpenSearch node that serves ``url`` and return its pid once its port
    refuses connections. The pid is the one the node reports, so it does not matter which
    checkout started it."""
    with urllib.request.urlopen(f"{url}/_nodes/_local/process", timeout=10) as response:
        nodes = json.load(response)["nodes"]
    (node,) = nodes.values()
    pid = int(node["process"]["id"])
    os.kill(pid, signal.SIGKILL)
    address = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection((address[0], int(address[1])), timeout=1).close()
        except OSError:
            return pid
        time.sleep(0.05)
    raise RuntimeError(f"the OpenSearch node at {url} (pid {pid}) still answers after SIGKILL")


def ensure_throwaway(instance: str, port_offset: int, *services: str) -> dict[str, Any]:
    return run_services(
        "ensure",
        "--profile",
        "test",
        "--instance",
        instance,
        "--port-offset",
        str(port_offset),
        *services,
    )


def stop_throwaway(instance: str, *services: str) -> None:
    run_services("stop", "--profile", "test", "--instance", instance, *services)


class Throwaway:
    """A separate instance of a service, started by the project's script, that a test may stop."""

    def __init__(self, instance: str, port_offset: int) -> None:
        self.instance = instance
        self.port_offset = port_offset
        self.started: set[str] = set()

    def start(self, *services: str) -> dict[str, Any]:
        """Start them at once (or reuse them); their URLs."""
        self.started.update(services)
        return ensure_throwaway(self.instance, self.port_offset, *services)

    def stop(self, service: str) -> None:
        stop_throwaway(self.instance, service)
        self.started.discard(service)
