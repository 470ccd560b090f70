"""Password logins for the web UI: cookie flags, CSRF, lockout, password change."""

from __future__ import annotations

import logging
from io import BytesIO

from tests.apiclient import PASSWORD

PDF = b"%PDF-1.4\n%%EOF\n"


def login(client, username="agent", password=PASSWORD):
    return client.post("/api/v1/session", json={"username": username, "password": password})


def test_login_sets_a_protected_cookie_and_the_session_works(sqlite_api):
    client = sqlite_api.client.application.test_client()
    response = login(client)
    assert response.status_code == 200, response.json
    assert response.json["role"] == "agent"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/api/v1/session").json["username"] == "agent"
    assert (
        client.delete(
            "/api/v1/session", headers={"X-CSRFToken": response.json["csrf_token"]}
        ).status_code
        == 204
    )
    assert client.get("/api/v1/session").status_code == 401


def test_state_changes_with_the_cookie_need_the_csrf_token(sqlite_api):
    client = sqlite_api.client.application.test_client()
    token = login(client).json["csrf_token"]
    data = {"file": (BytesIO(PDF), "a.pdf")}
    refused = client.post("/api/v1/documents", data=data, content_type="multipart/form-data")
    assert refused.status_code == 400
    assert refused.mimetype == "application/problem+json"
    assert "CSRF" in refused.json["detail"]
    data = {"file": (BytesIO(PDF), "a.pdf")}
    accepted = client.post(
        "/api/v1/documents",
        data=data,
        content_type="multipart/form-data",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 202, accepted.json


def test_wrong_password_and_unknown_user_get_the_same_answer(sqlite_api):
    client = sqlite_api.client
    wrong = login(client, password="pas le bon mot de passe")
    unknown = login(client, username="personne")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["detail"] == unknown.json["detail"]


def test_repeated_failures_lock_the_account(sqlite_api):
    client = sqlite_api.client
    for _ in range(4):
        assert login(client, password="mauvais mot de passe").status_code == 401
    locked = login(client, password="mauvais mot de passe")
    assert locked.status_code == 429
    assert "locked until" in locked.json["detail"]
    # even the right password is refused while locked
    assert login(client).status_code == 429
    # other accounts are not affected
    assert login(client, username="archivist").status_code == 200


def test_password_change_ends_other_sessions(sqlite_api):
    app = sqlite_api.client.application
    first, second = app.test_client(), app.test_client()
    token = login(first).json["csrf_token"]
    login(second)
    new = "un tout nouveau mot de passe"
    changed = first.post(
        "/api/v1/session/password",
        json={"current_password": PASSWORD, "new_password": new},
        headers={"X-CSRFToken": token},
    )
    assert changed.status_code == 204, changed.json
    assert first.get("/api/v1/session").status_code == 200
    assert second.get("/api/v1/session").status_code == 401
    assert login(app.test_client(), password=new).status_code == 200
    assert login(app.test_client()).status_code == 401


def test_passwords_and_tokens_are_never_stored_or_logged_in_clear(sqlite_api, caplog):
    from sqlalchemy import select

    from ged.db import make_engine, make_session_factory
    from ged.models import ApiToken, User

    caplog.set_level(logging.DEBUG)
    login(sqlite_api.client)
    sqlite_api.get("/api/v1/documents/1")
    engine = make_engine(sqlite_api.settings.database)
    with make_session_factory(engine)() as session:
        stored_hashes = [u.password_hash or "" for u in session.scalars(select(User))]
        stored_tokens = [t.token_hash for t in session.scalars(select(ApiToken))]
    engine.dispose()
    assert all(PASSWORD not in value for value in stored_hashes)
    assert all(h.startswith("$argon2id$") for h in stored_hashes if h)
    for token in sqlite_api.tokens.values():
        assert token not in stored_tokens
    assert PASSWORD not in caplog.text
    assert all(token not in caplog.text for token in sqlite_api.tokens.values())


def test_revoked_token_stops_working_at_once(sqlite_api):
    from click.testing import CliRunner
    from sqlalchemy import select

    from ged.cli import cli
    from ged.db import make_engine, make_session_factory
    from ged.models import ApiToken

    assert sqlite_api.get("/api/v1/session", "agent").status_code == 200
    engine = make_engine(sqlite_api.settings.database)
    with make_session_factory(engine)() as session:
        token_id = session.scalars(select(ApiToken.id).where(ApiToken.label == "test agent")).one()
    engine.dispose()
    env = {"GED_DATABASE__URL": sqlite_api.settings.database.url}
    assert CliRunner().invoke(cli, ["token", "revoke", str(token_id)], env=env).exit_code == 0
    assert sqlite_api.get("/api/v1/session", "agent").status_code == 401
