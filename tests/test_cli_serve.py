"""`ged serve` behind a reverse proxy: the client's address is taken from X-Forwarded-For
only when it comes from [web] trusted_proxy; uploads up to [web] max_upload_mb get past
waitress's own body limit."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ged.cli.serve import waitress_options
from ged.models import AuditEvent
from tests.migrated import migrate
from tests.processes import serving

FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def failed_login_address(settings, tmp_path, **env: str) -> str | None:
    """Log in with a wrong password through a real `ged serve`, as if through a proxy that
    saw the client at 203.0.113.9; the address the audit trail recorded."""
    migrate(settings.database.url)
    with serving(settings, tmp_path / "serve.log", **env) as url:
        request = urllib.request.Request(
            f"{url}/api/v1/session",
            data=json.dumps({"username": "nobody", "password": "wrong"}).encode(),
            headers={"Content-Type": "application/json", **FORWARDED},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        refused.value.close()  # the answer's connection
        assert refused.value.code == 401
    engine = create_engine(settings.database.url)
    with Session(engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).one()
    engine.dispose()
    return event.ip


def test_the_trusted_proxy_gives_the_clients_address(settings, tmp_path):
    address = failed_login_address(settings, tmp_path, GED_WEB__TRUSTED_PROXY="127.0.0.1")
    assert address == "203.0.113.9"


def test_without_a_trusted_proxy_a_forged_address_is_ignored(settings, tmp_path):
    assert failed_login_address(settings, tmp_path) == "127.0.0.1"


def test_waitress_takes_bodies_as_large_as_the_upload_limit(make_settings):
    two_gib = make_settings(web={"max_upload_mb": 2048})
    assert waitress_options(two_gib)["max_request_body_size"] > 2048 * 1024 * 1024
    assert "trusted_proxy" not in waitress_options(two_gib)
