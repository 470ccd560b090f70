"""POST /api/v1/session with a second factor: a role that requires one is refused with a
password alone, an account that has one sends its code, a code is good once, wrong codes
lock the account and are audited; an administrator resets a lost one."""

from __future__ import annotations

from ged.models import ROLES
from tests.apiclient import Api
from tests.ged.web.second_factor_setup import (
    MAX_FAILED,
    api_login,
    code_at,
    enrol_at_login,
    events,
    new_account,
    tfa_api,
)

__all__ = ["tfa_api"]


def test_a_role_that_requires_a_second_factor_cannot_log_in_with_a_password_alone(
    tfa_api: Api,
):
    refused = api_login(tfa_api, new_account(tfa_api, "admin"))
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert refused.json["second_factor"] == "enrolment"
    assert "/connexion" in refused.json["detail"]


def test_roles_not_listed_log_in_with_a_password_alone(tfa_api: Api):
    for role in ROLES:
        if role not in ("admin", "station"):
            answer = api_login(tfa_api, new_account(tfa_api, role))
            assert answer.status_code == 200, (role, answer.json)


def test_an_account_with_a_second_factor_sends_its_code_once(tfa_api: Api):
    username = new_account(tfa_api, "admin")
    _, secret, _ = enrol_at_login(tfa_api, username)
    missing = api_login(tfa_api, username)
    assert missing.status_code == 401
    assert missing.json["second_factor"] == "code"
    assert "send the 6-digit code" in missing.json["detail"]
    wrong = api_login(tfa_api, username, "000000")
    assert (wrong.status_code, wrong.json["second_factor"]) == (401, "code")

    code = code_at(secret, 30)  # the enrolment spent the current step's code
    logged_in = api_login(tfa_api, username, code)
    assert logged_in.status_code == 200, logged_in.json
    assert logged_in.json["username"] == username
    replayed = api_login(tfa_api, username, code)
    assert (replayed.status_code, replayed.json["second_factor"]) == (401, "code")
    assert [event.details["reason"] for event in events(tfa_api, "login.second_factor.failed")][
        -1
    ] == "replayed code"


def test_wrong_codes_lock_the_account_and_each_is_audited(tfa_api: Api):
    username = new_account(tfa_api, "admin")
    _, secret, _ = enrol_at_login(tfa_api, username)
    for _ in range(MAX_FAILED - 1):
        assert api_login(tfa_api, username, "000000").status_code == 401
    locked = api_login(tfa_api, username, "000000")
    assert locked.status_code == 429
    assert "locked until" in locked.json["detail"]
    assert api_login(tfa_api, username, code_at(secret, 30)).status_code == 429
    mine = [e for e in events(tfa_api, "login.second_factor.failed") if e.actor == username]
    assert [(event.outcome, event.details["reason"]) for event in mine] == [
        ("denied", "wrong code"),
        ("denied", "wrong code"),
        ("denied", "wrong code: account now locked"),
    ]
    # locked: refused before its password is even checked
    [refused] = [e for e in events(tfa_api, "login.failed") if e.actor == username]
    assert refused.details == {"reason": "account locked"}


def test_an_administrator_resets_a_lost_second_factor(tfa_api: Api):
    username = new_account(tfa_api, "admin")
    enrol_at_login(tfa_api, username)
    path = f"/api/v1/admin/users/{username}/second-factor"
    assert tfa_api.delete(path, "archivist").status_code == 403
    reset = tfa_api.delete(path, "admin")
    assert reset.status_code == 200, reset.json
    assert reset.json["second_factor"] is False
    [event] = [e for e in events(tfa_api, "second_factor.reset") if e.object_id == username]
    assert (event.actor, event.details) == ("admin", {"had_second_factor": True})
    # its role requires one: the next login sets up a new one
    assert api_login(tfa_api, username).json["second_factor"] == "enrolment"
    assert tfa_api.delete("/api/v1/admin/users/personne/second-factor", "admin").status_code == 404
