"""veraPDF, the real PDF/A validator, run on files the tests made (scripts/verapdf.py
downloads it from Maven Central once, into the machine's cache)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    # Loaded from its file: scripts/ is no package, and its name is this module's too.
    sys.path.insert(0, str(ROOT / "scripts"))  # for its own `import services`
    spec = importlib.util.spec_from_file_location("verapdf_script", ROOT / "scripts/verapdf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Verdict:
    compliant: bool
    #: the clauses of the failed rules with their description, for an assertion message
    failures: list[str]


def validate(path: Path, flavour: str = "2b") -> Verdict:
    """veraPDF's verdict on ``path`` as PDF/A-``flavour``."""
    completed = subprocess.run(
        _script().command(path, flavour=flavour),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        raise RuntimeError(f"veraPDF gave no report:\n{completed.stderr[-2000:]}") from error
    job = report["report"]["jobs"][0]
    if "validationResult" not in job:
        raise RuntimeError(f"veraPDF could not validate {path}: {job}")
    result = job["validationResult"][0]
    failures = [
        f"{rule['clause']}: {rule['description']}"
        for rule in result["details"]["ruleSummaries"]
        if rule.get("ruleStatus") == "FAILED"
    ]
    return Verdict(bool(result["compliant"]), failures)
