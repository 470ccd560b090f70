"""requirements.lock pins every dependency pyproject.toml declares, within its bounds:
a dependency added or raised without running scripts/lock.sh fails here, not on a fresh
machine months later."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    build = (ROOT / "scripts" / "build-requirements.txt").read_text().split()
    names = [*project["dependencies"], *project["optional-dependencies"]["test"], *build]
    return [Requirement(name) for name in names]


def test_every_declared_dependency_is_locked_within_its_bounds():
    pins = locked()
    problems = []
    for requirement in declared():
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in requirements.lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} does not satisfy {requirement}")
    assert not problems, "run scripts/lock.sh and commit the lock: " + "; ".join(problems)


def test_every_pin_carries_hashes():
    text = (ROOT / "requirements.lock").read_text()
    for block in re.split(r"\n(?=[A-Za-z0-9])", text.strip()):
        if PIN.match(block):
            assert "--hash=sha256:" in block, block.splitlines()[0]
