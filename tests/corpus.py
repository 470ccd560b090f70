"""Where the shared corpus of real-world files is: `../shared/corpus` beside the project
(the workplace's layout), or the directory named by GED_TEST_CORPUS. Missing, it stops
the run: a corpus test that quietly ran on nothing would prove nothing."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def find_corpus() -> Path:
    candidates = [Path(os.environ["GED_TEST_CORPUS"])] if "GED_TEST_CORPUS" in os.environ else []
    candidates += [ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")]
    for candidate in candidates:
        if (candidate / "README.md").is_file():
            return candidate
    tried = ", ".join(str(candidate) for candidate in candidates)
    raise RuntimeError(f"the shared corpus was not found (tried {tried}); set GED_TEST_CORPUS")


CORPUS = find_corpus()
