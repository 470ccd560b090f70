"""Pages work from the web UI: a document's pages as pictures, each with its turn, its
deletion, its place and its extraction, saved as a new version or extracted into a new
document; and the merge of documents (from the search's selection or this page) into a
new one, in the order chosen. No JavaScript needed: positions are numbers to type.

The services decide who may do what (write to edit, read and filing to extract or
merge) and check the revision the form was drawn from (a change meanwhile is said, not
applied over).
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ged.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from ged.models import Version
from ged.services import catalog, page_edits
from ged.services import documents as service
from ged.services.page_plans import PageChanges
from ged.web.context import principal, uow
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("pages", __name__, url_prefix="/documents", enable_openapi=False)

#: the turns offered for a page, in degrees clockwise
TURN_LABELS = {
    0: "Ne pas tourner",
    90: "Un quart de tour à droite",
    180: "Un demi-tour",
    270: "Un quart de tour à gauche",
}
#: the most documents the merge page takes, as the service does
MERGE_MAX = page_edits.MERGE_MAX


@bp.get("/<int:document_id>/pages/modifier")
def form(document_id: int):
    return _render(document_id, MultiDict())


@bp.post("/<int:document_id>/pages/modifier")
def save(document_id: int):
    form = request.form
    version = service.find_version(uow(), principal(), document_id)
    count = version.page_count or 0
    errors: dict[str, str] = {}
    rotate = _turns(form, count, errors)
    positions = _positions(form, count, errors)
    if errors:
        return _render(document_id, form, errors)
    deleted = {n for n in range(1, count + 1) if form.get(f"supprimer-{n}")}
    by_place = sorted(range(1, count + 1), key=lambda n: (positions[n], n))
    try:
        if form.get("action") == "extraire":
            chosen = [n for n in by_place if form.get(f"extraire-{n}")]
            title = form.get("titre", "").strip() or None
            made = page_edits.extract_pages(uow(), principal(), document_id, chosen, title)
            flash(
                _("Pages extraites dans un nouveau document ; son traitement commence."), "success"
            )
            return redirect(url_for("ui.documents.show", document_id=made.document_id))
        kept = [n for n in by_place if n not in deleted]
        changes = PageChanges(
            rotate=rotate, order=kept if kept != sorted(kept) else None, delete=frozenset(deleted)
        )
        made = page_edits.edit_pages(
            uow(), principal(), document_id, changes, expected_revision=_revision(form)
        )
    except InvalidInput as refused:
        return _render(document_id, form, {_field(refused, "pages"): reason(refused)})
    except (Conflict, PreconditionFailed) as refused:
        flash(_("Pages non modifiées : {reason}", reason=reason(refused)), "error")
        return redirect(url_for("ui.pages.form", document_id=document_id))
    flash(_("Version {n} enregistrée : {what}.", n=made.number, what=made.comment), "success")
    return redirect(url_for("ui.documents.show", document_id=document_id))


@bp.get("/fusion")
def merge_form():
    """The documents to merge, from the search's selection (ids) or the pages page (ids
    and the numbers typed in « autres »), to put in order and name."""
    ids, errors = _merge_ids(request.args)
    return _render_merge(ids, request.args, errors)


@bp.post("/fusion")
def merge():
    form = request.form
    ids, errors = _merge_ids(form)
    places = {}
    for index, document_id in enumerate(ids, start=1):
        value = form.get(f"position-{document_id}", str(index)).strip()
        if not value.isdigit():
            errors[f"position-{document_id}"] = _("Donnez la place par un nombre (1, 2, 3…).")
        places[document_id] = int(value) if value.isdigit() else index
    if errors:
        return _render_merge(ids, form, errors)
    ordered = sorted(ids, key=lambda document_id: (places[document_id], ids.index(document_id)))
    title = form.get("titre", "").strip() or None
    try:
        made = page_edits.merge_documents(uow(), principal(), ordered, title)
    except (InvalidInput, Conflict) as refused:
        return _render_merge(ids, form, {_field(refused, "documents"): reason(refused)})
    flash(_("Documents fusionnés dans un nouveau document ; son traitement commence."), "success")
    return redirect(url_for("ui.documents.show", document_id=made.document_id))


# ---------------------------------------------------------------- helpers


def _field(refused: Exception, otherwise: str) -> str:
    """The form's field a refusal is about: the title's, or the list's."""
    return "titre" if getattr(refused, "field", None) == "title" else otherwise


def _render(document_id: int, form: MultiDict, errors: dict[str, str] | None = None):
    work, caller = uow(), principal()
    version = service.find_version(work, caller, document_id)
    permissions = catalog.permissions_on(work, caller, version.document)
    return render_template(
        "ui/page_edit.html",
        document=version.document,
        version=version,
        count=version.page_count or 0,
        editable=_editable(version),
        may_write="write" in permissions,
        turns=TURN_LABELS,
        values=form,
        errors=errors or {},
        field_labels=_field_labels(errors or {}),
    ), (400 if errors else 200)


def _field_labels(errors: dict[str, str]) -> dict[str, str]:
    """The error summary's names of the per-page fields that are wrong."""
    named = {}
    for name in errors:
        kind, _dash, number = name.partition("-")
        if kind == "rotation":
            named[name] = _("Rotation de la page {n}", n=number)
        elif kind == "position":
            named[name] = _("Place de la page {n}", n=number)
    return named


def _editable(version: Version) -> bool:
    return (
        page_edits.has_editable_pages(uow(), version)
        and bool(version.page_count)
        and version.document.status == "active"
    )


def _turns(form: MultiDict, count: int, errors: dict[str, str]) -> dict[int, int]:
    turns = {}
    for number in range(1, count + 1):
        value = form.get(f"rotation-{number}", "0")
        if value not in ("0", "90", "180", "270"):
            errors[f"rotation-{number}"] = _("Choisissez l'une des rotations proposées.")
        elif value != "0":
            turns[number] = int(value)
    return turns


def _positions(form: MultiDict, count: int, errors: dict[str, str]) -> dict[int, int]:
    positions = {}
    for number in range(1, count + 1):
        value = form.get(f"position-{number}", str(number)).strip()
        if not value.isdigit():
            errors[f"position-{number}"] = _("Donnez la place par un nombre (1, 2, 3…).")
        positions[number] = int(value) if value.isdigit() else number
    return positions


def _revision(form: MultiDict) -> int | None:
    value = form.get("revision", "")
    return int(value) if value.isdigit() else None


def _merge_ids(values: MultiDict) -> tuple[list[int], dict[str, str]]:
    typed = values.get("autres", "").replace(";", ",").replace(" ", ",").split(",")
    raw = [*values.getlist("ids"), *(part for part in typed if part)]
    errors = {}
    wrong = [part for part in raw if not part.strip().isdigit()]
    if wrong:
        errors["autres"] = _("« {value} » n'est pas un numéro de document.", value=wrong[0])
    ids = list(dict.fromkeys(int(part) for part in raw if part.strip().isdigit()))
    return ids[:MERGE_MAX], errors


def _render_merge(ids: list[int], form: MultiDict, errors: dict[str, str]):
    work, caller = uow(), principal()
    found = []
    for document_id in ids:
        try:
            found.append(service.find_version(work, caller, document_id))
        except NotFound:
            errors.setdefault("documents", _("Document n° {id} introuvable.", id=document_id))
    if len(found) < page_edits.MERGE_MIN:
        errors.setdefault("documents", _("Choisissez au moins deux documents à fusionner."))
    return render_template(
        "ui/merge.html",
        versions=found,
        values=form,
        errors=errors,
        editable={v.id for v in found if page_edits.has_editable_pages(work, v)},
    ), (400 if errors and request.method == "POST" else 200)
