"""Database models. Every model module is imported here so Alembic sees all tables."""

from ged.models.access import PERMISSIONS, Grant
from ged.models.audit import ACCESS, LIFECYCLE, OUTCOMES, STREAMS, AuditCheckpoint, AuditEvent
from ged.models.disposal import (
    DISPOSABLE_QUEUES,
    ITEM_OUTCOMES,
    LIST_STATUSES,
    QUEUES,
    DisposalItem,
    DisposalList,
    Tombstone,
)
from ged.models.documents import (
    DOCUMENT_STATUSES,
    FINISHED_STATUSES,
    UNFINISHED_STATUSES,
    VERSION_STATUSES,
    Blob,
    Document,
    DocumentType,
    Page,
    Tag,
    Unit,
    Version,
)
from ged.models.jobs import JOB_STATUSES, OPEN_JOB_STATUSES, BulkJob
from ged.models.lifecycle import (
    FINAL_ACTIONS,
    START_EVENTS,
    DocumentEvent,
    LegalHold,
    RetentionRule,
    legal_hold_documents,
)
from ged.models.users import ROLES, ApiToken, Group, User
from ged.models.webhooks import DELIVERY_STATUSES, WEBHOOK_EVENTS, Webhook, WebhookDelivery

__all__ = [
    "ACCESS",
    "LIFECYCLE",
    "STREAMS",
    "DELIVERY_STATUSES",
    "DISPOSABLE_QUEUES",
    "DOCUMENT_STATUSES",
    "ITEM_OUTCOMES",
    "LIST_STATUSES",
    "QUEUES",
    "FINAL_ACTIONS",
    "START_EVENTS",
    "OUTCOMES",
    "PERMISSIONS",
    "ROLES",
    "FINISHED_STATUSES",
    "JOB_STATUSES",
    "OPEN_JOB_STATUSES",
    "UNFINISHED_STATUSES",
    "VERSION_STATUSES",
    "WEBHOOK_EVENTS",
    "ApiToken",
    "AuditCheckpoint",
    "AuditEvent",
    "Blob",
    "BulkJob",
    "DisposalItem",
    "DisposalList",
    "Document",
    "DocumentEvent",
    "DocumentType",
    "LegalHold",
    "RetentionRule",
    "Grant",
    "Page",
    "Group",
    "Tag",
    "Tombstone",
    "Unit",
    "User",
    "Version",
    "Webhook",
    "WebhookDelivery",
    "legal_hold_documents",
]
