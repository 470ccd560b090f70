"""Friendly error pages in the reader's language, instead of the API's problem+json.

Registered on the UI's parent blueprint, so they apply to UI pages only; the
mapping of domain errors to statuses stays the one of ged.web.problems.
"""

from __future__ import annotations

from apiflask import HTTPError
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ged.errors import GedError, ServiceUnavailable
from ged.web.problems import record_denied, status_of
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

#: status -> (title, explanation); the texts are translated when the page is drawn
PAGES = {
    400: ("Demande incorrecte", "La demande n'a pas pu être traitée telle quelle."),
    403: ("Accès refusé", "Votre compte n'a pas le droit de faire cela."),
    404: (
        "Introuvable",
        "Cette page ou ce document n'existe pas, ou vous n'avez pas le droit de le consulter.",
    ),
    405: ("Action non prévue", "Cette adresse ne s'utilise pas ainsi."),
    409: ("Action impossible pour l'instant", "L'état actuel du document ne le permet pas."),
    410: (
        "Document supprimé ou éliminé",
        "Ce document a été supprimé, ou détruit après un visa d'élimination : seule sa notice est conservée.",
    ),
    413: ("Fichier trop volumineux", "Le fichier dépasse la taille maximale acceptée."),
    429: ("Trop de tentatives", "Patientez avant de réessayer."),
    500: (
        "Erreur inattendue",
        "Une erreur imprévue s'est produite ; elle est consignée dans le journal du serveur. Réessayez, ou signalez-la.",
    ),
    503: (
        "Service momentanément indisponible",
        "Un composant de ged ne répond pas. Réessayez dans quelques instants.",
    ),
}


def error_page(status: int, detail: str | None = None):
    title, explanation = PAGES.get(status, PAGES[400])
    body = render_template(
        "ui/error.html",
        status=status,
        title=_(title),
        explanation=_(explanation),
        detail=detail,
    )
    return body, status


def init_blueprint(bp: Blueprint) -> None:
    @bp.errorhandler(HTTPError)
    def http_error(error: HTTPError):
        if error.status_code == 401:
            # Not logged in (or the session ended): log in, then come back here.
            target = request.full_path if request.method == "GET" else None
            if g.get("session_ended"):
                flash(_("Votre session a expiré ou a été fermée : reconnectez-vous."), "info")
            return redirect(url_for("ui.account.login", next=target))
        return error_page(error.status_code, error.message)

    @bp.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return error_page(
            400,
            _(
                "Le formulaire a expiré ou ne provient pas de ged. Rechargez la page, puis recommencez."
            ),
        )

    @bp.errorhandler(HTTPException)
    def werkzeug_error(error: HTTPException):
        return error_page(error.code or 400)

    @bp.errorhandler(GedError)
    def domain_error(error: GedError):
        status = status_of(error)
        record_denied(status, error)
        if status == 500:
            raise error  # a bug: let it propagate (and be seen) rather than dress it up
        # A 404 says nothing more: the document's existence must not leak.
        detail = None if status == 404 else reason(error)
        if isinstance(error, ServiceUnavailable):
            detail = _("Composant indisponible : {service}.", service=error.service)
        return error_page(status, detail)
