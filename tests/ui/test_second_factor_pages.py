"""The second factor in the web UI: a role that requires it enrols during its first login
and then logs in with a code; the pending step holds no session and expires; recovery
codes work once each; one's own enrolment and new recovery codes on the account page; an
administrator's reset from the account's page."""

from __future__ import annotations

import time

from tests.apiclient import Api
from tests.ged.web.second_factor_setup import (
    browser,
    code_at,
    enrol_at_login,
    events,
    new_account,
    submit_code,
    tfa_api,
)
from tests.ui.pages import csrf_token, log_in

__all__ = ["tfa_api"]


def test_an_admin_enrols_at_first_login_then_logs_in_with_a_code(tfa_api: Api):
    username = new_account(tfa_api, "admin")
    pending = browser(tfa_api)
    assert log_in(pending, username).headers["Location"] == "/connexion/activation"
    # a right password alone opens no session
    assert pending.get("/api/v1/session").status_code == 401
    assert pending.get("/recherche").status_code == 302

    client, secret, codes = enrol_at_login(tfa_api, username)
    assert len(codes) == 10
    assert client.get("/api/v1/session").json["username"] == username
    [enrolled] = [e for e in events(tfa_api, "second_factor.enrol") if e.actor == username]
    assert enrolled.object_id == username

    again = browser(tfa_api)
    assert log_in(again, username).headers["Location"] == "/connexion/code"
    page = again.get("/connexion/code").get_data(as_text=True)
    assert "Code de vérification" in page
    wrong = submit_code(again, "000000")
    assert wrong.status_code == 400
    assert "Code incorrect ou déjà utilisé." in wrong.get_data(as_text=True)
    code = code_at(secret, 30)
    done = submit_code(again, code)
    assert (done.status_code, done.headers["Location"]) == (302, "/recherche")
    assert again.get("/api/v1/session").json["username"] == username

    replay = browser(tfa_api)
    log_in(replay, username)
    assert submit_code(replay, code).status_code == 400
    assert replay.get("/api/v1/session").status_code == 401


def test_each_recovery_code_logs_in_once(tfa_api: Api):
    username = new_account(tfa_api, "admin")
    _, _, codes = enrol_at_login(tfa_api, username)
    first = browser(tfa_api)
    log_in(first, username)
    assert submit_code(first, codes[0].upper()).status_code == 302
    assert "il vous en reste 9" in first.get("/recherche").get_data(as_text=True)
    [used] = [e for e in events(tfa_api, "recovery_code.use") if e.actor == username]
    assert used.details == {"left": 9}

    second = browser(tfa_api)
    log_in(second, username)
    assert submit_code(second, codes[0]).status_code == 400
    assert submit_code(second, codes[1]).status_code == 302


def test_the_pending_step_expires(tfa_api: Api):
    username = new_account(tfa_api, "admin")
    enrol_at_login(tfa_api, username)
    client = browser(tfa_api)
    log_in(client, username)
    token = csrf_token(client, "/connexion/code")
    limit = tfa_api.settings.web.second_factor_pending_seconds
    with client.session_transaction() as cookie:
        assert set(cookie) >= {"pending_user_id", "pending_at"} and "user_id" not in cookie
        cookie["pending_at"] = time.time() - limit - 1
    expired = client.post("/connexion/code", data={"code": "123456", "csrf_token": token})
    assert expired.headers["Location"] == "/connexion"
    assert "reconnectez-vous" in client.get("/connexion").get_data(as_text=True)
    assert client.get("/connexion/code").headers["Location"] == "/connexion"


def test_an_agent_enrols_on_the_account_page_and_renews_its_recovery_codes(tfa_api: Api):
    username = new_account(tfa_api, "agent")
    client = browser(tfa_api)
    assert log_in(client, username).headers["Location"] == "/recherche"  # not required
    page = client.get("/compte/double-authentification").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page
    secret = page.split('class="totp-secret">')[1].split("<")[0].replace(" ", "")
    token = csrf_token(client, "/compte/double-authentification")
    form = {"code": code_at(secret), "csrf_token": token}
    enrolled = client.post("/compte/double-authentification", data=form)
    assert enrolled.status_code == 200
    assert "J&#39;ai noté ces codes" in enrolled.get_data(as_text=True)
    page = client.get("/compte/double-authentification").get_data(as_text=True)
    assert "10 codes de secours inutilisés." in page

    form = {"code": "000000", "csrf_token": token}
    assert client.post("/compte/double-authentification/codes", data=form).status_code == 400
    form["code"] = code_at(secret, 30)
    renewed = client.post("/compte/double-authentification/codes", data=form)
    assert renewed.status_code == 200
    assert renewed.get_data(as_text=True).count("<li><code>") == 10

    # from now on this agent's login asks for the code too
    assert log_in(browser(tfa_api), username).headers["Location"] == "/connexion/code"


def test_an_administrator_resets_someone_s_second_factor_from_their_page(tfa_api: Api):
    lost, admin = new_account(tfa_api, "admin"), new_account(tfa_api, "admin")
    enrol_at_login(tfa_api, lost)
    client, _, _ = enrol_at_login(tfa_api, admin)
    page = client.get(f"/admin/utilisateurs/{lost}").get_data(as_text=True)
    assert "Réinitialiser la double authentification" in page
    token = csrf_token(client, f"/admin/utilisateurs/{lost}")
    reset = client.post(
        f"/admin/utilisateurs/{lost}/double-authentification", data={"csrf_token": token}
    )
    assert reset.headers["Location"] == f"/admin/utilisateurs/{lost}"
    assert "réinitialisée" in client.get(reset.headers["Location"]).get_data(as_text=True)
    assert log_in(browser(tfa_api), lost).headers["Location"] == "/connexion/activation"

    own = client.post(
        f"/admin/utilisateurs/{admin}/double-authentification", data={"csrf_token": token}
    )
    assert "votre propre double authentification" in client.get(own.headers["Location"]).get_data(
        as_text=True
    )
