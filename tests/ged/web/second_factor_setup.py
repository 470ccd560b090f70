"""What the second factor's API and UI tests share: one app per module where the admin role
requires a second factor and three failures lock an account, fresh accounts made through
the admin API (each test its own, so lockouts and spent codes do not leak), and helpers
that go through the login pages."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from sqlalchemy import select

from ged.db import make_engine, make_session_factory
from ged.models import AuditEvent
from tests.apiclient import PASSWORD, Api, serve
from tests.conftest import isolated_settings
from tests.migrated import migrate
from tests.ui.pages import csrf_token, log_in

MAX_FAILED = 3
_SECRET = re.compile(r'class="totp-secret">([A-Z2-7 ]+)<')
_CODES = re.compile(r"<li><code>([0-9a-z-]{19})</code></li>")
_names = itertools.count(1)


@pytest.fixture(scope="module")
def tfa_api(tmp_path_factory, service_urls, redis_url) -> Iterator[Api]:
    settings = isolated_settings(
        tmp_path_factory.mktemp("second-factor"),
        service_urls,
        redis_url,
        web={"second_factor_roles": '["admin"]', "max_failed_logins": MAX_FAILED},
    )
    migrate(settings.database.url)
    yield from serve(settings)


def new_account(api: Api, role: str) -> str:
    username = f"{role}-{next(_names)}"
    created = api.post(
        "/api/v1/admin/users",
        "admin",  # its token: API tokens need no second factor (scripts, stations)
        json={"username": username, "role": role, "password": PASSWORD},
    )
    assert created.status_code == 201, created.json
    return username


def code_at(secret: str, seconds: float = 0) -> str:
    """The code of the step ``seconds`` from now: +30 is the next step, still accepted."""
    return pyotp.TOTP(secret).at(time.time() + seconds)


def api_login(api: Api, username: str, code: str | None = None):
    body = {"username": username, "password": PASSWORD}
    if code is not None:
        body["code"] = code
    return api.client.application.test_client().post("/api/v1/session", json=body)


def browser(api: Api):
    """A fresh client: no cookie yet."""
    return api.client.application.test_client()


def enrol_at_login(api: Api, username: str) -> tuple[object, str, list[str]]:
    """Log in as ``username`` (a role that requires a second factor) through the pages:
    the password, then the enrolment with a code from the QR code's secret. Returns the
    logged-in client, the secret and the recovery codes."""
    client = browser(api)
    response = log_in(client, username)
    assert response.headers["Location"] == "/connexion/activation"
    page = client.get("/connexion/activation").get_data(as_text=True)
    secret = _SECRET.search(page).group(1).replace(" ", "")
    assert 'src="data:image/svg+xml;base64,' in page
    form = {"code": code_at(secret), "csrf_token": csrf_token(client, "/connexion/activation")}
    done = client.post("/connexion/activation", data=form)
    assert done.status_code == 200, done.get_data(as_text=True)
    page = done.get_data(as_text=True)
    assert "J&#39;ai noté ces codes" in page or "J'ai noté ces codes" in page
    return client, secret, _CODES.findall(page)


def submit_code(client, code: str):
    form = {"code": code, "csrf_token": csrf_token(client, "/connexion/code")}
    return client.post("/connexion/code", data=form)


def events(api: Api, action: str) -> list[AuditEvent]:
    engine = make_engine(api.settings.database)
    with make_session_factory(engine)() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        found = list(session.scalars(query))
    engine.dispose()
    return found
