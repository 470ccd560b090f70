"""The README's table of API operations is the OpenAPI description's, row for row."""

import runpy
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "readme_api.py"


def test_readme_lists_exactly_the_operations_of_the_openapi_description():
    readme_api = runpy.run_path(str(SCRIPT))
    spec = readme_api["description"]()
    written = readme_api["section"](readme_api["README"].read_text())
    assert written == readme_api["table"](spec), (
        "README.md's API table differs from the OpenAPI description: "
        "run .venv/bin/python scripts/readme_api.py"
    )
    operations = sum(
        method in operations
        for operations in spec["paths"].values()
        for method in ("get", "post", "put", "patch", "delete")
    )
    assert written.count("\n| ") == operations + 1  # the separator row, then one per operation
