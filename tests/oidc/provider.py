"""The test OpenID provider: the Keycloak that scripts/services.py starts with the realm of
tests/oidc/realm.json, driven through its admin REST API and its own login form.

A login here is what a browser does, without one: open the authorization URL, post the
user's name and password to Keycloak's form, and take the redirect back to the client
(with its code and state) without following it. Tests that change users or clients make
their own (``unique``), so that tests running at once never see each other's changes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

REALM_FILE = Path(__file__).with_name("realm.json")
#: every user of realm.json has it
PASSWORD = "mot de passe Keycloak"
_REALM = json.loads(REALM_FILE.read_text(encoding="utf-8"))
CLIENTS = {client["clientId"]: client for client in _REALM["clients"]}
#: a redirect URI every client of the realm accepts; nothing listens there, nothing needs to
REDIRECT_URI = "http://localhost/retour"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Keycloak:
    url: str
    issuer: str
    admin_username: str
    admin_password: str
    http: requests.Session = field(default_factory=requests.Session)
    _admin_token: str | None = None

    @classmethod
    def from_urls(cls, urls: dict[str, str]) -> Keycloak:
        return cls(
            urls["keycloak_url"],
            urls["oidc_issuer"],
            urls["keycloak_admin_username"],
            urls["keycloak_admin_password"],
        )

    # -- the admin REST API ---------------------------------------------------------------

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A call of /admin/realms/ged<path>; raises on an error answer."""
        for attempt in range(2):
            if self._admin_token is None:
                self._admin_token = self._token_for_admin()
            response = self.http.request(
                method,
                f"{self.url}/admin/realms/ged{path}",
                headers={"Authorization": f"Bearer {self._admin_token}"},
                timeout=30,
                **kwargs,
            )
            if response.status_code != 401 or attempt:
                break
            self._admin_token = None  # expired (it lives a minute): ask again
        response.raise_for_status()
        return response

    def _token_for_admin(self) -> str:
        response = self.http.post(
            f"{self.url}/realms/master/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": self.admin_username,
                "password": self.admin_password,
            },
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def create_user(
        self,
        username: str,
        *,
        groups: tuple[str, ...] = (),
        unit: str | None = None,
        first_name: str = "Sacha",
        last_name: str = "Durand",
    ) -> str:
        """A user of the realm with the test password; returns its id (the ``sub``)."""
        body: dict[str, Any] = {
            "username": username,
            "enabled": True,
            "emailVerified": True,
            "email": f"{username}@mairie-exemple.fr",
            "firstName": first_name,
            "lastName": last_name,
            "groups": [f"/{group}" for group in groups],
            "credentials": [{"type": "password", "value": PASSWORD, "temporary": False}],
        }
        if unit is not None:
            body["attributes"] = {"organizational_unit": [unit]}
        location = self.admin("POST", "/users", json=body).headers["Location"]
        return location.rsplit("/", 1)[1]

    def delete_user(self, user_id: str) -> None:
        self.admin("DELETE", f"/users/{user_id}")

    def update_user(self, user_id: str, **changes: Any) -> None:
        """Change a user's fields (lastName, attributes…); the rest stays as it is."""
        user = self.admin("GET", f"/users/{user_id}").json()
        self.admin("PUT", f"/users/{user_id}", json={**user, **changes})

    def add_to_group(self, user_id: str, group: str) -> None:
        self.admin("PUT", f"/users/{user_id}/groups/{self._group_id(group)}")

    def remove_from_group(self, user_id: str, group: str) -> None:
        self.admin("DELETE", f"/users/{user_id}/groups/{self._group_id(group)}")

    def logout_user(self, user_id: str) -> None:
        """End every session of the user at the provider (its back-channel logouts go out)."""
        self.admin("POST", f"/users/{user_id}/logout")

    def _group_id(self, name: str) -> str:
        groups = self.admin("GET", "/groups", params={"search": name, "exact": "true"}).json()
        return next(group["id"] for group in groups if group["name"] == name)

    def create_client(self, client_id: str, **attributes: str) -> str:
        """A client made like realm.json's ``ged`` (its mappers, PKCE, back-channel logout
        with its session), with extra attributes such as ``backchannel.logout.url``;
        returns its secret."""
        body = json.loads(json.dumps(CLIENTS["ged"]))
        secret = secrets.token_urlsafe(24)
        body.update(clientId=client_id, name=client_id, secret=secret)
        body["attributes"].update(attributes)
        self.admin("POST", "/clients", json=body)
        return secret

    def update_client(self, client_id: str, **attributes: str) -> None:
        """Set attributes of a client, such as its ``backchannel.logout.url`` once the ged it
        calls listens."""
        (client,) = self.admin("GET", "/clients", params={"clientId": client_id}).json()
        client["attributes"].update(attributes)
        self.admin("PUT", f"/clients/{client['id']}", json=client)

    def delete_client(self, client_id: str) -> None:
        found = self.admin("GET", "/clients", params={"clientId": client_id}).json()
        for client in found:
            self.admin("DELETE", f"/clients/{client['id']}")

    # -- logging in, as a browser would --------------------------------------------------

    def log_in(
        self, authorization_url: str, username: str, password: str = PASSWORD, *, browser=None
    ) -> str:
        """Keycloak's login form filled at ``authorization_url``; the URL it redirects to
        (the client's redirect URI with code and state). ``browser`` keeps Keycloak's
        cookies (its single sign-on session) between logins."""
        browser = browser or requests.Session()
        page = browser.get(authorization_url, timeout=30)
        page.raise_for_status()
        _on_loopback(browser)
        action = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page.text)
        assert action, f"no login form at {page.url}:\n{page.text[:2000]}"
        answer = browser.post(
            html.unescape(action.group(1)),
            data={"username": username, "password": password, "credentialId": ""},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code in (302, 303), answer.text[:2000]
        _on_loopback(browser)
        return answer.headers["Location"]

    def tokens(
        self, client_id: str, username: str, *, nonce: str, password: str = PASSWORD
    ) -> dict[str, Any]:
        """The token endpoint's answer to a code flow with PKCE for ``client_id`` (one of
        realm.json's, or made by create_client with ``secret`` known to the caller)."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        query = {
            "client_id": client_id,
            "response_type": "code",
            "scope": "openid email profile",
            "redirect_uri": REDIRECT_URI,
            "state": secrets.token_urlsafe(16),
            "nonce": nonce,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        back = self.log_in(
            f"{self.issuer}/protocol/openid-connect/auth?{urlencode(query)}", username, password
        )
        code = parse_qs(urlsplit(back).query)["code"][0]
        response = self.http.post(
            f"{self.issuer}/protocol/openid-connect/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
            auth=(client_id, CLIENTS[client_id]["secret"]),
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def keys(self, refresh: bool = False) -> dict[str, Any]:
        """The realm's JWK set, as ged fetches it from the jwks_uri."""
        response = self.http.get(f"{self.issuer}/protocol/openid-connect/certs", timeout=30)
        response.raise_for_status()
        return response.json()


def _on_loopback(browser: requests.Session) -> None:
    """Keycloak's cookies are Secure; browsers send them to http://127.0.0.1 (a secure
    context), requests does not unless told."""
    for cookie in browser.cookies:
        cookie.secure = False
