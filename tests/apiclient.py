"""A test client of the app with one account and API token per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask.testing import FlaskClient
from sqlalchemy import event, select

from ged.access import RULES, command_line
from ged.bootstrap import build
from ged.models import ROLES, Grant, Group, Unit, User, UserSession
from ged.services.sessions import hash_key, open_session
from ged.services.tokens import create_token
from ged.services.users import create_user
from ged.web import create_app
from tests.contract import ContractClient

PASSWORD = "mot de passe de test"


@dataclass
class Api:
    """A test client plus the bearer token of every account."""

    client: FlaskClient
    tokens: dict[str, str]
    settings: object

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, url: str, who: str = "agent", **kwargs):
        # buffered: read the body and close the file behind it, as a real server would
        return self.client.get(url, buffered=True, **self._as(who, kwargs))

    def post(self, url: str, who: str = "agent", **kwargs):
        return self.client.post(url, buffered=True, **self._as(who, kwargs))

    def patch(self, url: str, who: str = "agent", **kwargs):
        return self.client.patch(url, **self._as(who, kwargs))

    def delete(self, url: str, who: str = "agent", **kwargs):
        return self.client.delete(url, **self._as(who, kwargs))

    def _as(self, who: str, kwargs: dict) -> dict:
        """The request's arguments, with the caller's token beside its own headers."""
        return {**kwargs, "headers": {**self.headers(who), **kwargs.get("headers", {})}}

    def upload(self, content: bytes, filename: str = "arrete.pdf", who: str = "agent", **fields):
        from io import BytesIO

        data = {"file": (BytesIO(content), filename), **fields}
        return self.post("/api/v1/documents", who, data=data, content_type="multipart/form-data")

    def add_version(
        self,
        document_id: int,
        content: bytes,
        filename: str = "v.pdf",
        who: str = "agent",
        **fields,
    ):
        from io import BytesIO

        data = {"file": (BytesIO(content), filename), **fields}
        return self.post(
            f"/api/v1/documents/{document_id}/versions",
            who,
            data=data,
            content_type="multipart/form-data",
        )


def seed_accounts(settings) -> dict[str, str]:
    """One account per role, plus 'outsider' (an agent without any grant), and a unit
    'Urbanisme' where the group 'urbanisme' (holding 'agent' and 'station') may write."""
    runtime = build(settings)
    operator = command_line()
    tokens = {}
    try:
        with runtime.unit_of_work() as uow:
            for role in ROLES:
                create_user(uow, operator, role, role, None if role == "station" else PASSWORD)
                tokens[role] = create_token(uow, operator, role, f"test {role}")[1]
            create_user(uow, operator, "outsider", "agent", PASSWORD)
            tokens["outsider"] = create_token(uow, operator, "outsider", "test outsider")[1]
            # The unit, group and grant are set up directly, leaving the audit trail with
            # the accounts' events only, which the audit tests count on.
            session = uow.session
            members = session.scalars(select(User).where(User.username.in_(["agent", "station"])))
            group = Group(name="urbanisme", members=list(members))
            unit = Unit(name="Urbanisme")
            session.add_all([unit, group])
            session.flush()
            session.add(Grant(permission="write", group_id=group.id, unit_id=unit.id))
            uow.commit()
    finally:
        runtime.close()
    return tokens


def serve(settings) -> Iterator[Api]:
    app = create_app(settings)
    app.test_client_class = ContractClient  # every answer checked against the description
    yield Api(app.test_client(), seed_accounts(settings), settings)
    app.extensions["ged"].close()


#: what every authorization matrix asks about: each role, and a caller without credentials
CALLERS = (
    "admin",
    "archivist",
    "agent",
    "station",
    "auditor",
    "archives_authority",
    "outsider",
    "anonymous",
)
#: the role of each caller with credentials ('outsider' is an agent without any grant)
ROLE_OF = {**{role: role for role in ROLES}, "outsider": "agent"}


def by_rule(
    rule: str, status: int, *, callers: tuple[str, ...] = CALLERS, anonymous: int = 401
) -> dict[str, int]:
    """What each caller gets from a route that ``ged.access.RULES[rule]`` decides:
    ``status`` for the roles the rule names, 403 for the other roles, ``anonymous``
    without credentials. The matrices read the rule table rather than copy it."""
    roles = RULES[rule].roles
    return {
        who: anonymous if who == "anonymous" else status if ROLE_OF[who] in roles else 403
        for who in callers
    }


def app_routes(keep: Callable[[str], bool]) -> set[tuple[str, str]]:
    """(endpoint, method) of every route of the app whose endpoint ``keep`` accepts."""
    from ged.config import load_settings

    app = create_app(load_settings(None, environ={"GED_DATABASE__URL": "sqlite://"}))
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if keep(rule.endpoint)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    app.extensions["ged"].close()
    return routes


def matrix_objects(api: Api, content: bytes) -> tuple[int, int]:
    """A fresh document (two versions, filed by 'agent' in unit Urbanisme) and a fresh
    token of 'outsider', for one caller of a matrix row: earlier callers may have
    deleted or changed theirs."""
    document_id = api.upload(content, who="agent", unit="Urbanisme").json["id"]
    api.add_version(document_id, content + b"v2", who="agent")
    token_id = api.client.post(
        "/api/v1/admin/tokens",
        headers=api.headers("admin"),
        json={"username": "outsider", "label": "t"},
    ).json["id"]
    return document_id, token_id


def session_of(api: Api, username: str = "outsider") -> tuple[int, str]:
    """A fresh browser session of ``username``, opened by the service (no password hash to
    check, which would slow the matrices down): its id and its cookie key."""
    with api.client.application.extensions["ged"].unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).one()
        key = open_session(uow, user, method="password", ip="192.0.2.9", user_agent="tests")
        row = uow.session.scalars(select(UserSession).where(UserSession.key_hash == hash_key(key)))
        return row.one().id, key


@contextmanager
def statements(api) -> Iterator[list[str]]:
    """The SQL the app sends while the block runs."""
    engine = api.client.application.extensions["ged"].engine
    sent: list[str] = []

    def keep(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)
