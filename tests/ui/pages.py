"""Helpers for driving the UI with Flask's test client: log in through the form."""

from __future__ import annotations

import re

from tests.apiclient import PASSWORD

_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/connexion") -> str:
    page = client.get(path)
    return _TOKEN.search(page.get_data(as_text=True)).group(1)


def log_in(client, username: str = "agent", password: str = PASSWORD):
    token = csrf_token(client)
    return client.post(
        "/connexion",
        data={"username": username, "password": password, "csrf_token": token},
    )


def browser(api, username: str = "agent"):
    """A fresh client of the app, logged in as ``username`` through the login form."""
    client = api.client.application.test_client()
    response = log_in(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
