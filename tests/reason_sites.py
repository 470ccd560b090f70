"""Where ged writes the reasons people read: the message of every exception raised to a
caller (the subclasses of ged's, search's and ingest's refusals) and the sentences of the
pipeline's modules (why a version failed, why a page has no text). Read from the source
with ast, as templates: an f-string's placeholders are kept as written
(``f"no unit named {name!r}"`` gives ``no unit named {name!r}``), literal braces doubled."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path

from ged.errors import GedError
from search.errors import SearchError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ged", "ingest", "search", "workers")
#: the refusals outside ged's and search's errors that reach people: ingest's (a page's
#: note, a version's error, a dropped file's note) and a transfer build's
OTHER_REFUSALS = {
    "PageRefused",
    "EncryptedPdf",
    "PdfaNotMade",
    "Refused",
    "Postponed",
    "BuildFailed",
}
#: the modules that store reasons (a version's error, a page's note, a skipped destruction,
#: a failed transfer): every sentence in them is a reason someone reads
REASON_MODULES = (
    "ingest/text.py",
    "ingest/ocr.py",
    "ingest/pdfa.py",
    "ged/services/pipeline.py",
    "ged/services/pipeline_steps.py",
    "ged/services/destruction.py",
    "ged/services/transfer_build.py",
)
#: texts of the pipeline's modules that are not sentences: tesseract's output formats, the
#: tools' names of a PDF/A's metadata, PDF drawing operators
NOT_REASONS = {
    "tsv pdf",
    "--psm {psm}{f' --dpi {dpi}' if dpi else ''} -c tessedit_create_tsv=1",
    "tesseract {pytesseract.get_tesseract_version()}",
    "pikepdf {pikepdf.__version__}",
    "ghostscript {_ghostscript_version()}",
    "q {box[0]:.4f} 0 0 {box[1]:.4f} 0 0 cm /Im0 Do Q\n",
}
#: calls whose sentences are for the log, not for people
_LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical"}
#: functions whose sentences are for the operator's log: a broken installation, what a
#: recovery sweep counts
_OPERATOR_CALLS = {"RuntimeError", "requeue_lost"}


def refusal_names() -> dict[str, int]:
    """The refusals' class names, each with the position of its message among the
    arguments (a refusal whose __init__ takes a code first has its message second)."""
    names = dict.fromkeys(OTHER_REFUSALS, 0)
    for package in ("ged", "search"):
        for module in pkgutil.walk_packages([str(ROOT / package)], f"{package}."):
            if module.name.endswith("__main__"):
                continue  # runs the command line
            loaded = importlib.import_module(module.name)
            for name, value in inspect.getmembers(loaded, inspect.isclass):
                if issubclass(value, GedError | SearchError):
                    parameters = list(inspect.signature(value.__init__).parameters)[1:]
                    names[name] = parameters.index("message") if "message" in parameters else 0
    return names


def template(node: ast.expr) -> str | None:
    """The template of a message expression; None when it is not written out there."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            elif isinstance(value, ast.FormattedValue):
                conversion = "" if value.conversion == -1 else f"!{chr(value.conversion)}"
                spec = ""
                if isinstance(value.format_spec, ast.JoinedStr):
                    spec = ":" + "".join(
                        str(part.value)
                        for part in value.format_spec.values
                        if isinstance(part, ast.Constant)
                    )
                parts.append(f"{{{ast.unparse(value.value)}{conversion}{spec}}}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        # "text: " + "; ".join(problems): the computed part is a placeholder
        left, right = template(node.left), template(node.right)
        if left is None and right is None:
            return None
        return (left or f"{{{ast.unparse(node.left)}}}") + (
            right or f"{{{ast.unparse(node.right)}}}"
        )
    return None


def raised_reasons(refusals: dict[str, int]) -> Iterator[tuple[str, str]]:
    """(template, where) of each message written out where a refusal is made (raised, or
    returned to be raised by the caller)."""
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            function = node.func
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
            if name not in refusals:
                continue
            at = refusals[name]
            message = node.args[at] if len(node.args) > at else None
            message = next((k.value for k in node.keywords if k.arg == "message"), message)
            text = template(message) if message is not None else None
            if text is not None:
                yield text, f"{path.relative_to(ROOT)}:{node.lineno}"


def stored_reasons() -> Iterator[tuple[str, str]]:
    """(template, where) of each sentence of the modules that store reasons, docstrings and log
    calls aside: a sentence has a space and a word of letters."""
    for relative in REASON_MODULES:
        tree = ast.parse((ROOT / relative).read_text(encoding="utf-8"))
        skipped = _docstrings_and_logs(tree) | _parts_of_messages(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp)
                and id(node) not in skipped
            ):
                text = template(node)
                if (
                    text
                    and " " in text
                    and any(word.isalpha() and len(word) > 2 for word in text.split())
                    and text not in NOT_REASONS
                ):
                    yield text, f"{relative}:{node.lineno}"


def _docstrings_and_logs(tree: ast.Module) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _LOG_CALLS
        ):
            skipped.update(id(child) for child in ast.walk(node))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _OPERATOR_CALLS
        ):
            skipped.update(id(child) for child in ast.walk(node))
    return skipped


def _parts_of_messages(tree: ast.Module) -> set[int]:
    """The parts of longer messages (an f-string, or a sum of strings), read with them."""
    return {
        id(child)
        for parent in ast.walk(tree)
        if isinstance(parent, ast.JoinedStr | ast.BinOp) and template(parent) is not None
        for child in ast.walk(parent)
        if child is not parent
    }


def _sources() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))
