"""Saved searches: a search (q, filters, sort) kept under a name, by its owner alone or
shared with one of the owner's groups.

A saved search keeps parameters, never results: each time one is shown, its count is
that of the search run again now, as the viewer, with the viewer's ACL. So a member of
the group sees only what that member may read, whoever saved it (an administrator's
search shared with agents counts, for each agent, the agent's hits).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ged.access import Principal, authorize, index_acl
from ged.audit.chain import record
from ged.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceUnavailable
from ged.models import Group, SavedSearch
from ged.uow import UnitOfWork
from search.errors import InvalidQuery
from search.query import SORTS, check_filters, parse_query

MAX_NAME = 200
#: what is kept besides the filters (search.query.KEYWORD_FILTERS, DATE_FILTERS)
_NOT_FILTERS = ("q", "sort")


@dataclass(frozen=True)
class Search:
    """The parameters of a search, as GET /api/v1/search takes them."""

    q: str = ""
    filters: Mapping[str, Any] | None = None
    sort: str = "relevance"

    def as_parameters(self) -> dict[str, Any]:
        """What SavedSearch.parameters keeps: q, sort and the filters given, flat."""
        given = {name: value for name, value in (self.filters or {}).items() if value}
        return {"q": self.q, "sort": self.sort, **given}


@dataclass(frozen=True)
class Shown:
    """A saved search as the viewer sees it: ``count`` is the viewer's (None: the index
    does not answer), ``own``: the viewer may rename, share or delete it."""

    search: SavedSearch
    count: int | None
    own: bool


def search_of(saved: SavedSearch) -> Search:
    parameters = dict(saved.parameters or {})
    filters = {k: v for k, v in parameters.items() if k not in _NOT_FILTERS}
    return Search(parameters.get("q", ""), filters, parameters.get("sort", "relevance"))


def create_saved_search(
    uow: UnitOfWork, principal: Principal, name: str, search: Search, group: str | None = None
) -> Shown:
    authorize(principal, "saved_search.create")
    session = uow.session
    owner_id = _account(principal)
    saved = SavedSearch(
        owner_id=owner_id,
        name=_unique_name(session, owner_id, name),
        parameters=_checked(search).as_parameters(),
        group=_group(session, principal, group),
    )
    session.add(saved)
    _flush_named(session, saved)
    _audit(session, principal, "saved_search.create", saved)
    uow.commit()
    return _shown(uow, principal, saved)


def list_saved_searches(uow: UnitOfWork, principal: Principal) -> list[Shown]:
    """The viewer's own saved searches and those shared with its groups, by name, each
    with its count for the viewer; the searches run are audited with their counts."""
    authorize(principal, "saved_search.list")
    query = (
        select(SavedSearch)
        .where(_visible(principal))
        .options(selectinload(SavedSearch.owner), selectinload(SavedSearch.group))
        .order_by(SavedSearch.name, SavedSearch.id)
    )
    shown = [_shown(uow, principal, saved) for saved in uow.session.scalars(query)]
    record(
        uow.session,
        principal,
        "saved_search.list",
        details={"searches": [{"id": one.search.id, "hits": one.count} for one in shown]},
    )
    uow.commit()
    return shown


def read_saved_search(uow: UnitOfWork, principal: Principal, saved_id: int) -> Shown:
    authorize(principal, "saved_search.list")
    shown = _shown(uow, principal, _visible_one(uow.session, principal, saved_id))
    record(
        uow.session,
        principal,
        "saved_search.list",
        object_type="saved_search",
        object_id=saved_id,
        details={"searches": [{"id": saved_id, "hits": shown.count}]},
    )
    uow.commit()
    return shown


def update_saved_search(
    uow: UnitOfWork,
    principal: Principal,
    saved_id: int,
    *,
    name: str | None = None,
    search: Search | None = None,
    group: str | None = None,
    fields: frozenset[str] = frozenset(),
) -> Shown:
    """Rename (``name``), change (``search``) or share (``group``; None: the owner's alone)
    one's own saved search: only the ``fields`` named change."""
    authorize(principal, "saved_search.update")
    session = uow.session
    saved = _own(session, principal, saved_id)
    if "name" in fields:
        if name is None:
            raise InvalidInput("a saved search must keep a name", field="name")
        if name.strip() != saved.name:
            saved.name = _unique_name(session, saved.owner_id, name)
    if "search" in fields and search is not None:
        saved.parameters = _checked(search).as_parameters()
    if "group" in fields:
        saved.group = _group(session, principal, group)
    _flush_named(session, saved)
    _audit(session, principal, "saved_search.update", saved)
    uow.commit()
    return _shown(uow, principal, saved)


def delete_saved_search(uow: UnitOfWork, principal: Principal, saved_id: int) -> None:
    authorize(principal, "saved_search.update")
    session = uow.session
    saved = _own(session, principal, saved_id)
    _audit(session, principal, "saved_search.delete", saved)
    session.delete(saved)
    uow.commit()


def shareable_groups(uow: UnitOfWork, principal: Principal) -> list[str]:
    """The names of the groups the caller may share a search with: its own."""
    if not principal.group_ids:
        return []
    query = select(Group.name).where(Group.id.in_(principal.group_ids)).order_by(Group.name)
    return list(uow.session.scalars(query))


def count_for(uow: UnitOfWork, principal: Principal, search: Search) -> int | None:
    """How many documents ``search`` finds for ``principal`` now (None: no index)."""
    try:
        result = uow.index.search(
            q=search.q,
            acl=index_acl(principal),
            filters=dict(search.filters or {}),
            sort=search.sort,
            page=1,
            size=1,
            exact_total=True,
        )
    except ServiceUnavailable:
        return None
    return int(result["total"])


def _shown(uow: UnitOfWork, principal: Principal, saved: SavedSearch) -> Shown:
    count = count_for(uow, principal, search_of(saved))
    return Shown(saved, count, own=saved.owner_id == principal.user_id)


def _visible(principal: Principal) -> Any:
    conditions = [SavedSearch.owner_id == principal.user_id]
    if principal.group_ids:
        conditions.append(SavedSearch.group_id.in_(principal.group_ids))
    return or_(*conditions)


def _visible_one(session: Session, principal: Principal, saved_id: int) -> SavedSearch:
    saved = session.scalars(
        select(SavedSearch).where(SavedSearch.id == saved_id, _visible(principal))
    ).one_or_none()
    if saved is None:
        raise NotFound(f"saved search {saved_id} does not exist")
    return saved


def _own(session: Session, principal: Principal, saved_id: int) -> SavedSearch:
    saved = _visible_one(session, principal, saved_id)
    if saved.owner_id != principal.user_id:
        raise PermissionDenied(
            f"saved search {saved_id} is {saved.owner.username}'s, shared with your group: "
            "only its owner renames, shares or deletes it; save a copy of your own instead",
            rule="saved_search.update",
        )
    return saved


def _account(principal: Principal) -> int:
    if principal.user_id is None:
        raise PermissionDenied("saved searches belong to an account; the command line has none")
    return principal.user_id


def _unique_name(session: Session, owner_id: int, name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise InvalidInput("give the search a name", field="name")
    if len(text) > MAX_NAME:
        raise InvalidInput(f"a name is at most {MAX_NAME} characters long", field="name")
    taken = session.scalar(
        select(SavedSearch.id).where(SavedSearch.owner_id == owner_id, SavedSearch.name == text)
    )
    if taken is not None:
        raise _name_taken(text, taken)
    return text


def _name_taken(name: str, taken: int | None = None) -> Conflict:
    which = f" (saved search {taken})" if taken else ""
    return Conflict(
        f"you already have a saved search named {name!r}; choose another name, or "
        f"change that one{which}"
    )


def _flush_named(session: Session, saved: SavedSearch) -> None:
    """Write the row; the same name saved at the same moment by another request of the
    same owner (past _unique_name's check) is the database's unique constraint's to refuse."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise _name_taken(saved.name) from exc


def _group(session: Session, principal: Principal, name: str | None) -> Group | None:
    if name is None or not name.strip():
        return None
    group = session.scalars(select(Group).where(Group.name == name.strip())).one_or_none()
    if group is None or group.id not in principal.group_ids:
        raise PermissionDenied(
            f"you are not a member of a group named {name.strip()!r}: a search is shared "
            "only with a group one belongs to",
            rule="saved_search.update",
        )
    return group


def _checked(search: Search) -> Search:
    """The search's parameters as GET /api/v1/search would accept them (else InvalidInput)."""
    if search.sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}", field="sort")
    try:
        parse_query(search.q)
        check_filters(dict(search.filters or {}))
    except InvalidQuery as exc:
        raise InvalidInput(str(exc), field=exc.field) from exc
    return search


def _audit(session: Session, principal: Principal, action: str, saved: SavedSearch) -> None:
    record(
        session,
        principal,
        action,
        object_type="saved_search",
        object_id=saved.id,
        details={
            "name": saved.name,
            "parameters": saved.parameters,
            "group": saved.group.name if saved.group else None,
        },
    )
