"""The Flask application: JSON API under /api/v1, health endpoints, later the web UI."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from apiflask import APIFlask

from ged.bootstrap import build
from ged.config import Settings, load_settings
from ged.web import api_docs, auth, context, health, oidc_client, openapi, problems, ui
from ged.web.api import (
    acl,
    admin,
    audit,
    batches,
    disposal,
    documents,
    holds,
    jobs,
    notes,
    pages,
    retention,
    saved_searches,
    search,
    session,
    sessions,
    transfer_replies,
    transfers,
    webhooks,
)
from ged.web.requests import DatabaseInteger, GedRequest


def create_app(settings: Settings | None = None) -> APIFlask:
    """Application factory; tests pass their own settings, ``ged serve`` the loaded ones."""
    settings = settings or load_settings()
    app = APIFlask(
        "ged",
        title="ged",
        version="1",
        spec_path="/api/v1/openapi.json",
        docs_path=None,  # ged.web.api_docs serves it, without a CDN
    )
    app.request_class = GedRequest
    app.url_map.converters["int"] = DatabaseInteger  # before any route is added
    app.config.update(
        SECRET_KEY=settings.web.secret_key or read_or_create_secret(settings.web.secret_key_file),
        MAX_CONTENT_LENGTH=settings.web.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.web.secure_cookies,
        SESSION_COOKIE_NAME="ged_session",
    )
    openapi.configure(app)
    app.extensions["ged"] = build(settings)
    problems.register(app)
    context.init_app(app)
    auth.init_app(app)
    oidc_client.init_app(app, settings.oidc)
    app.register_blueprint(health.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(acl.bp)
    app.register_blueprint(session.bp)
    app.register_blueprint(sessions.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(batches.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(disposal.bp)
    app.register_blueprint(retention.bp)
    app.register_blueprint(holds.bp)
    app.register_blueprint(notes.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(saved_searches.bp)
    app.register_blueprint(transfer_replies.bp)
    app.register_blueprint(transfers.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(api_docs.bp)
    return app


def read_or_create_secret(path: Path) -> str:
    """The embedded default keeps a random key beside the data, created once, readable by us only."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        with open(path, "x", opener=lambda name, flags: os.open(name, flags, 0o600)) as handle:
            handle.write(key)
        return key
