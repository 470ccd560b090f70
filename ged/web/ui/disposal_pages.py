"""Disposal: the three queues of documents due (à éliminer, à verser, à trier), the disposal
lists (bordereaux) an archivist builds and submits, the visa the archives authority gives
or refuses on them, and the certificates of the lists executed.

Who may do what is the services' decision (disposal.read, disposal.propose,
disposal.approve); a list's proposer is offered no visa, and the service refuses it anyway.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from werkzeug.datastructures import MultiDict

from ged.errors import Conflict, InvalidInput
from ged.models import LIST_STATUSES
from ged.services import certificates, disposal, disposal_queues
from ged.services.disposal_contents import list_contents
from ged.services.disposal_queues import QueueCount
from ged.services.paging import Page
from ged.web.context import close_uow, principal, uow
from ged.web.ui.forms import Errors, read_selection
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _
from ged.web.ui.i18n import translate_plural as _n
from ged.web.ui.lifecycle_labels import QUEUE_PAGES, QUEUE_SLUGS

bp = APIBlueprint("disposal", __name__, url_prefix="/elimination", enable_openapi=False)

PAGE_SIZE = 50


@bp.get("/<slug>")
def queue(slug: str):
    if slug not in QUEUE_PAGES:
        abort(404)
    action = QUEUE_PAGES[slug]
    number = max(request.args.get("page", 1, type=int), 1)
    found = disposal_queues.queue_page(uow(), principal(), action, Page(number, PAGE_SIZE))
    return render_template("ui/lifecycle/queue.html", action=action, slug=slug, found=found)


@bp.get("/bordereaux")
def lists(errors: Errors | None = None, values=None, status: int = 200):
    wanted = request.args.get("statut") or None
    if wanted not in (None, *LIST_STATUSES):
        wanted = None
    number = max(request.args.get("page", 1, type=int), 1)
    found = disposal.list_lists(uow(), principal(), wanted, Page(number, PAGE_SIZE))
    return render_template(
        "ui/lifecycle/lists.html",
        found=found,
        wanted=wanted,
        statuses=LIST_STATUSES,
        errors=errors or {},
        values=values or {},
    ), status


@bp.post("/bordereaux")
def create():
    form = request.form
    errors: Errors = {}
    title = form.get("title", "").strip()
    if not title:
        errors["title"] = _("Donnez un titre au bordereau, par exemple « Factures 2014 ».")
    selection = _selection(form, errors)
    if not errors:
        try:
            made = disposal.create_list(
                uow(), principal(), title, form.get("comment", "").strip(), selection
            )
        except (InvalidInput, Conflict) as refused:
            errors["title" if getattr(refused, "field", None) == "title" else "ids"] = reason(
                refused
            )
        else:
            flash(_added(len(made.items), made.id), "success")
            return redirect(url_for("ui.disposal.show_list", list_id=made.id))
    slug = QUEUE_SLUGS.get(form.get("from_queue", ""))
    if slug:
        # Said on the queue the documents were ticked in, where they can be ticked again.
        for message in errors.values():
            flash(message, "error")
        return redirect(url_for("ui.disposal.queue", slug=slug))
    return lists(errors, form, 400)


@bp.get("/bordereaux/<int:list_id>")
def show_list(list_id: int, errors: Errors | None = None, values=None, status: int = 200):
    work, caller = uow(), principal()
    found = disposal.read_list(work, caller, list_id)
    return render_template(
        "ui/lifecycle/list.html",
        disposal_list=found,
        contents=list_contents(work, caller, list_id),
        is_proposer=found.proposed_by_id == caller.user_id,
        errors=errors or {},
        values=values or {},
    ), status


@bp.post("/bordereaux/<int:list_id>/documents")
def add(list_id: int):
    errors: Errors = {}
    selection = read_selection(request.form, errors)
    if not errors:
        try:
            changed = disposal.add_documents(uow(), principal(), list_id, selection)
        except InvalidInput as refused:
            errors["ids"] = reason(refused)
        else:
            listed = _n(
                "Le bordereau n° {id} compte {count} document.",
                "Le bordereau n° {id} compte {count} documents.",
                len(changed.items),
                id=list_id,
            )
            flash(listed, "success")
            return redirect(url_for("ui.disposal.show_list", list_id=list_id))
    return show_list(list_id, errors, request.form, 400)


@bp.post("/bordereaux/<int:list_id>/documents/<int:document_id>/retirer")
def remove(list_id: int, document_id: int):
    disposal.remove_documents(uow(), principal(), list_id, [document_id])
    flash(_("Document n° {id} retiré du bordereau.", id=document_id), "success")
    return redirect(url_for("ui.disposal.show_list", list_id=list_id))


@bp.post("/bordereaux/<int:list_id>/soumettre")
def submit(list_id: int):
    disposal.submit_list(uow(), principal(), list_id)
    flash(_("Bordereau n° {id} soumis au visa de l'autorité d'archives.", id=list_id), "success")
    return redirect(url_for("ui.disposal.show_list", list_id=list_id))


@bp.post("/bordereaux/<int:list_id>/visa")
def decide(list_id: int):
    form = request.form
    comment = form.get("comment", "").strip()
    try:
        if form.get("decision") == "approve":
            disposal.approve_list(uow(), principal(), list_id, comment)
            flash(_("Visa accordé : les documents vont être détruits."), "success")
        else:
            disposal.refuse_list(uow(), principal(), list_id, comment)
            flash(_("Visa refusé : les documents restent tels quels."), "success")
    except InvalidInput:
        errors = {"comment": _("Dites pourquoi le visa est refusé.")}
        return show_list(list_id, errors, form, 400)
    return redirect(url_for("ui.disposal.show_list", list_id=list_id))


@bp.get("/bordereaux/<int:list_id>/certificat.<any(pdf, json, csv):fmt>")
def certificate(list_id: int, fmt: str):
    stream, name, mime_type = certificates.certificate_file(uow(), principal(), list_id, fmt)
    close_uow()
    return send_file(stream, mimetype=mime_type, as_attachment=True, download_name=name)


def _selection(form: MultiDict, errors: Errors) -> dict | None:
    """A whole queue ("destroy" or "transferred"), the documents ticked, those of a search,
    or none yet."""
    if form.get("whole"):
        return {"queue": "transferred" if form.get("from_queue") == "transferred" else "destroy"}
    ticked = [int(value) for value in form.getlist("ids") if value.isdigit()]
    if ticked:
        return {"ids": ticked}
    if form.get("q", "").strip():
        return {"search": {"q": form["q"].strip()}}
    if form.get("from_queue"):
        errors["ids"] = _("Cochez au moins un document, ou prenez toute la file.")
    return None


def _added(count: int, list_id: int) -> str:
    return _n(
        "{count} document ajouté au bordereau n° {id}.",
        "{count} documents ajoutés au bordereau n° {id}.",
        count,
        id=list_id,
    )


def init_blueprint(parent: Blueprint) -> None:
    @parent.context_processor
    def counts():
        def queue_counts() -> dict[str, QueueCount]:
            # Once per page: the navigation and the queue pages both show them.
            if "queue_counts" not in g:
                g.queue_counts = disposal_queues.queues(uow(), principal())
            return g.queue_counts

        return {"queue_counts": queue_counts}
