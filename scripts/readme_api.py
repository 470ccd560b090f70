"""The README's table of API operations, made from the OpenAPI description so that the two
cannot drift (tests/test_readme_api.py fails when they do).

    .venv/bin/python scripts/readme_api.py          # rewrite the table in README.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- api-table: made by scripts/readme_api.py -->", "<!-- api-table end -->"
_METHODS = ("get", "post", "put", "patch", "delete")


def description() -> dict[str, Any]:
    from ged.config import load_settings
    from ged.web import create_app

    app = create_app(load_settings(None, environ={"GED_DATABASE__URL": "sqlite://"}))
    try:
        with app.app_context():
            return dict(app.spec)
    finally:
        app.extensions["ged"].close()


def table(spec: dict[str, Any]) -> str:
    """One row per operation, grouped by tag in the description's order."""
    order = {tag["name"]: index for index, tag in enumerate(spec.get("tags", []))}
    rows = []
    for path, operations in spec["paths"].items():
        for method in _METHODS:
            if method in operations:
                operation = operations[method]
                tag = (operation.get("tags") or [""])[0]
                rows.append((order.get(tag, len(order)), tag, path, method, operation))
    lines = ["| | method and path | does |", "| --- | --- | --- |"]
    for _, tag, path, method, operation in sorted(rows, key=lambda row: row[:3]):
        summary = operation.get("summary", "").replace("|", "\\|")
        lines.append(f"| {tag} | `{method.upper()} {path}` | {summary} |")
    return "\n".join(lines) + "\n"


def section(text: str) -> str:
    found = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.S)
    if found is None:
        raise SystemExit(f"README.md has no {START} … {END} section")
    return found.group(1)


def main() -> None:
    text = README.read_text()
    current = START + "\n" + section(text) + END
    README.write_text(text.replace(current, START + "\n" + table(description()) + END))
    print(f"rewrote the API table of {README}", file=sys.stderr)


if __name__ == "__main__":
    main()
