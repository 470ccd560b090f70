"""The web UI: server-rendered pages for agents, archivists, administrators and auditors.

One parent blueprint carries what every page shares (security headers, friendly
error pages, language, static files); each area of the UI is a child blueprint
in its own module. The pages call the same services as the JSON API.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import g

from ged.access import may
from ged.web.ui import (
    accessibility,
    account,
    admin_pages,
    admin_tokens,
    audit_pages,
    batch_pages,
    bulk_pages,
    disposal_pages,
    document_access,
    document_notes,
    document_page,
    document_pictures,
    document_removal,
    document_versions,
    errors,
    formatting,
    hold_pages,
    i18n,
    lifecycle_labels,
    oidc_login,
    page_edit_pages,
    profile_page,
    retention_pages,
    review_page,
    saved_search_pages,
    search_page,
    second_factor_pages,
    security,
    session_pages,
    static_files,
    transfer_pages,
    unit_access,
    upload_page,
)

# APIBlueprints (here and in every module) only because APIFlask asks each blueprint
# whether it belongs in the OpenAPI description; the pages do not.
bp = APIBlueprint("ui", __name__, template_folder="templates", enable_openapi=False)

for child in (
    static_files.bp,
    i18n.bp,
    accessibility.bp,
    account.bp,
    second_factor_pages.bp,
    session_pages.bp,
    oidc_login.bp,
    profile_page.bp,
    search_page.bp,
    saved_search_pages.bp,
    document_page.bp,
    document_pictures.bp,
    document_versions.bp,
    page_edit_pages.bp,
    document_access.bp,
    document_notes.bp,
    bulk_pages.bp,
    document_removal.bp,
    upload_page.bp,
    batch_pages.bp,
    review_page.bp,
    admin_pages.bp,
    unit_access.bp,
    admin_tokens.bp,
    audit_pages.bp,
    retention_pages.bp,
    hold_pages.bp,
    disposal_pages.bp,
    transfer_pages.bp,
):
    bp.register_blueprint(child)

security.init_blueprint(bp)
errors.init_blueprint(bp)
i18n.init_blueprint(bp)
formatting.init_blueprint(bp)
lifecycle_labels.init_blueprint(bp)
oidc_login.init_blueprint(bp)
disposal_pages.init_blueprint(bp)
review_page.init_blueprint(bp)


@bp.context_processor
def caller():
    # None on the login page; templates show the navigation only to someone logged in.
    principal = g.get("principal")
    return {
        "caller": principal,
        # Links to what the caller may open, by the services' own rule table.
        "may": lambda rule: principal is not None and may(principal, rule),
    }
