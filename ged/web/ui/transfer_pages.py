"""Transfers to the archives (versements): proposed from the "À verser" queue, listed,
followed while their SEDA package is built, downloaded, then decided by the archives'
reply, uploaded here.

Who may do what is the services' decision (transfer.read, transfer.prepare,
transfer.reply); the pages only offer the forms the caller's role allows.
"""

from __future__ import annotations

from datetime import date

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, send_file, url_for

from ged.access import may
from ged.errors import Conflict, InvalidInput
from ged.models import TRANSFER_STATUSES
from ged.services import journal_transfer, transfer_replies, transfers
from ged.services.paging import Page
from ged.web.context import close_uow, principal, uow
from ged.web.ui.forms import Errors
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _
from ged.web.ui.i18n import translate_plural as _n
from ged.web.ui.lifecycle_labels import QUEUE_SLUGS

bp = APIBlueprint("transfers", __name__, url_prefix="/versements", enable_openapi=False)

PAGE_SIZE = 50
#: the queue a transfer is proposed from, where its refusals are said
QUEUE = "transfer"


@bp.get("")
def transfer_list():
    wanted = request.args.get("statut") or None
    if wanted not in (None, *TRANSFER_STATUSES):
        wanted = None
    number = max(request.args.get("page", 1, type=int), 1)
    work, caller = uow(), principal()
    found = transfers.list_transfers(work, caller, wanted, Page(number, PAGE_SIZE))
    pending = (
        journal_transfer.pending_journal_days(work, caller)
        if may(caller, "transfer.prepare")
        else []
    )
    return render_template(
        "ui/lifecycle/transfers.html", found=found, wanted=wanted, pending_days=pending
    )


@bp.post("/journal")
def propose_journal():
    """A day of the lifecycle journal (its sealed segment), as a transfer of its own."""
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        flash(_("Donnez le jour du journal à verser, au format AAAA-MM-JJ."), "error")
        return redirect(url_for("ui.transfers.transfer_list"))
    comment = request.form.get("comment", "").strip()
    try:
        made = journal_transfer.propose_journal_transfer(uow(), principal(), day, comment)
    except (InvalidInput, Conflict) as refused:
        flash(_("Versement refusé : {reason}", reason=reason(refused)), "error")
        return redirect(url_for("ui.transfers.transfer_list"))
    flash(
        _(
            "Versement n° {id} créé : le journal du {day} est en préparation.",
            id=made.id,
            day=day.isoformat(),
        ),
        "success",
    )
    return redirect(url_for("ui.transfers.show", transfer_id=made.id))


@bp.post("")
def propose():
    """From the queue page: the documents ticked, or the whole queue."""
    form = request.form
    title = form.get("title", "").strip()
    if form.get("whole"):
        selection: dict = {"queue": QUEUE}
    else:
        selection = {"ids": [int(value) for value in form.getlist("ids") if value.isdigit()]}
    refusal = None
    if not title:
        refusal = _("Donnez un titre au versement, par exemple « Délibérations 2004-2010 ».")
    elif not selection.get("queue") and not selection["ids"]:
        refusal = _("Cochez au moins un document, ou prenez toute la file.")
    else:
        request_ = transfers.TransferRequest(title, selection, form.get("comment", "").strip())
        try:
            made = transfers.propose_transfer(uow(), principal(), request_)
        except InvalidInput as refused:
            refusal = _("Versement refusé : {reason}", reason=reason(refused))
        except Conflict as refused:
            # The [archives] agencies are not configured: the message names the setting.
            refusal = _(
                "Les versements ne sont pas encore configurés sur ce serveur : un administrateur doit compléter la section [archives] de la configuration. {reason}",
                reason=reason(refused),
            )
        else:
            flash(_prepared(len(made.items), made.id), "success")
            return redirect(url_for("ui.transfers.show", transfer_id=made.id))
    # Said on the queue the documents were ticked in, where they can be ticked again.
    flash(refusal, "error")
    return redirect(url_for("ui.disposal.queue", slug=QUEUE_SLUGS[QUEUE]))


@bp.get("/<int:transfer_id>")
def show(transfer_id: int, errors: Errors | None = None, status: int = 200):
    work, caller = uow(), principal()
    found = transfers.read_transfer(work, caller, transfer_id)
    return render_template(
        "ui/lifecycle/transfer.html",
        transfer=found,
        documents=transfers.transfer_documents(work, caller, transfer_id),
        errors=errors or {},
    ), status


@bp.get("/<int:transfer_id>/paquet.zip")
def package(transfer_id: int):
    path, name = transfers.package_file(uow(), principal(), transfer_id)
    close_uow()
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.post("/<int:transfer_id>/reponse")
def reply(transfer_id: int):
    upload = request.files.get("file")
    xml = upload.read() if upload else b""
    if not xml:
        errors = {"file": _("Choisissez le fichier XML de la réponse des archives.")}
        return show(transfer_id, errors, 400)
    try:
        recorded = transfer_replies.record_reply(uow(), principal(), xml, transfer_id)
    except InvalidInput as refused:
        errors = {"file": _("Réponse non enregistrée : {reason}", reason=reason(refused))}
        return show(transfer_id, errors, 400)
    if recorded.kind == "acknowledgement":
        flash(
            _("Accusé de réception enregistré : le versement attend toujours la réponse."), "info"
        )
    elif recorded.transfer.status == "accepted":
        flash(_("Réponse enregistrée : les archives ont accepté le versement."), "success")
    else:
        flash(_("Réponse enregistrée : les archives ont refusé le versement."), "success")
    return redirect(url_for("ui.transfers.show", transfer_id=transfer_id))


def _prepared(count: int, transfer_id: int) -> str:
    return _n(
        "Versement n° {id} créé avec {count} document : son paquet est en préparation.",
        "Versement n° {id} créé avec {count} documents : son paquet est en préparation.",
        count,
        id=transfer_id,
    )
