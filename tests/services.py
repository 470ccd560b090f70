"""Start the real services for the test run through the project's own script, once per run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES_SCRIPT = ROOT / "scripts" / "services.py"


def run_services(*args: str) -> dict[str, str]:
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


def ensure(*services: str, profile: str = "test") -> dict[str, str]:
    return run_services("ensure", "--profile", profile, *services)


def ensure_throwaway(instance: str, port_offset: int, *services: str) -> dict[str, str]:
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

    def start(self, service: str) -> dict[str, str]:
        self.started.add(service)
        return ensure_throwaway(self.instance, self.port_offset, service)

    def stop(self, service: str) -> None:
        stop_throwaway(self.instance, service)
        self.started.discard(service)
