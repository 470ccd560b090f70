"""How the records lifecycle reads on a page: final actions, start events, list statuses,
the queues' addresses, the audit streams. French here, translated where shown."""

from __future__ import annotations

from flask import Blueprint

from ged.web.ui.i18n import translate as _

FINAL_ACTION_LABELS = {
    "keep": "Conservation définitive",
    "transfer": "Versement aux archives",
    "destroy": "Élimination",
    "sort": "Tri",
}
START_EVENT_LABELS = {
    "document_date": "Date du document",
    "created": "Date de dépôt",
    "event": "Un événement du document",
}
LIST_STATUS_LABELS = {
    "draft": "Brouillon",
    "submitted": "En attente du visa",
    "approved": "Visa accordé, élimination en cours",
    "refused": "Visa refusé",
    "executed": "Éliminé, certificat disponible",
}
OUTCOME_LABELS = {"pending": "À détruire", "destroyed": "Détruit", "skipped": "Conservé"}
#: the queues' addresses and names, in the order the navigation shows them
QUEUE_PAGES = {
    "a-eliminer": "destroy",
    "a-verser": "transfer",
    "a-trier": "sort",
    "verses": "transferred",
}
QUEUE_SLUGS = {action: slug for slug, action in QUEUE_PAGES.items()}
QUEUE_LABELS = {
    "destroy": "À éliminer",
    "transfer": "À verser",
    "sort": "À trier",
    "transferred": "Versés",
}
STREAM_LABELS = {"lifecycle": "Journal du cycle de vie", "access": "Journal des accès"}
TRANSFER_STATUS_LABELS = {
    "building": "Paquet en préparation",
    "ready": "Paquet prêt, en attente de la réponse des archives",
    "failed": "Échec de la préparation du paquet",
    "accepted": "Accepté par les archives",
    "rejected": "Refusé par les archives",
}
TRANSFER_OUTCOME_LABELS = {
    "pending": "En attente de la réponse",
    "transferred": "Versé",
    "rejected": "Refusé",
}
VERSION_POLICY_LABELS = {"current": "Version courante", "all": "Toutes les versions"}

TABLES = (
    FINAL_ACTION_LABELS,
    START_EVENT_LABELS,
    LIST_STATUS_LABELS,
    OUTCOME_LABELS,
    QUEUE_LABELS,
    STREAM_LABELS,
    TRANSFER_STATUS_LABELS,
    TRANSFER_OUTCOME_LABELS,
    VERSION_POLICY_LABELS,
)


def label_options(table: dict[str, str]) -> list[tuple[str, str]]:
    """(value, label in the reader's language) for a select."""
    return [(value, _(label)) for value, label in table.items()]


def init_blueprint(parent: Blueprint) -> None:
    @parent.context_processor
    def lifecycle_labels():
        return {
            "final_action_labels": FINAL_ACTION_LABELS,
            "start_event_labels": START_EVENT_LABELS,
            "list_status_labels": LIST_STATUS_LABELS,
            "outcome_labels": OUTCOME_LABELS,
            "queue_labels": QUEUE_LABELS,
            "queue_slugs": QUEUE_SLUGS,
            "stream_labels": STREAM_LABELS,
            "transfer_status_labels": TRANSFER_STATUS_LABELS,
            "transfer_outcome_labels": TRANSFER_OUTCOME_LABELS,
            "version_policy_labels": VERSION_POLICY_LABELS,
            "label_options": label_options,
        }
