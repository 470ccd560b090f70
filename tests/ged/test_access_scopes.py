"""API token scopes in ged.access, without I/O: every rule says whether it reads, a read-only
token uses exactly the rules that read, an upload-only one none, and a scope ged.access does
not know is refused everything (deny by default)."""

from __future__ import annotations

import pytest
from sqlalchemy.sql.elements import False_

from ged.access import RULES, Principal, allowed, authorize, index_acl, may
from ged.errors import PermissionDenied

#: the last word of a rule's name says what it does; a rule with a new word fails
#: test_every_rule_reads_or_changes_as_its_name_says until the word is put in one of these
READING_VERBS = frozenset(
    {"list", "read", "read_any", "counters", "deliveries", "events", "export", "verify", "check"}
)
CHANGING_VERBS = frozenset(
    {
        "create",
        "update",
        "revoke",
        "deactivate",
        "retry",
        "acl",
        "start",
        "resplit",
        "propose",
        "approve",
        "execute",
        "seal",
        "purge",
        "rebuild",
        "reconcile",
        "train",
        "migrate",
        "manage",
        "place",
        "release",
        "prepare",
        "reply",
        "change",
        "end",
        "end_any",
        "reset",
    }
)


def caller(role: str, scope: str) -> Principal:
    return Principal(user_id=7, username="x", role=role, group_ids=frozenset({3}), scope=scope)


def test_every_rule_reads_or_changes_as_its_name_says():
    assert not READING_VERBS & CHANGING_VERBS
    for name, rule in RULES.items():
        verb = name.rsplit(".", 1)[-1]
        assert verb in READING_VERBS | CHANGING_VERBS, (
            f"rule {name!r}: say whether {verb!r} reads or changes (READING_VERBS or "
            "CHANGING_VERBS here), and mark the rule .reads() or .changes() in ged.access"
        )
        assert rule.reads == (verb in READING_VERBS), f"rule {name!r} is marked the other way"


@pytest.mark.parametrize("name", sorted(RULES))
def test_a_read_token_uses_exactly_the_rules_that_read_and_an_upload_token_none(name):
    rule = RULES[name]
    role = sorted(rule.roles)[0]
    assert may(caller(role, "full"), name)
    assert may(caller(role, "read"), name) == rule.reads
    assert not may(caller(role, "upload"), name)
    with pytest.raises(PermissionDenied, match="may only file documents and add versions"):
        authorize(caller(role, "upload"), name)
    if not rule.reads:
        with pytest.raises(PermissionDenied, match="read-only") as refused:
            authorize(caller(role, "read"), name)
        assert refused.value.rule == "token.scope.read"


def test_a_read_token_finds_nothing_it_could_change():
    reader = caller("agent", "read")
    assert not isinstance(allowed(reader, "read"), False_)
    assert isinstance(allowed(reader, "write"), False_)
    assert isinstance(allowed(reader, "manage"), False_)
    assert index_acl(reader) == ["user:7", "group:3"]


@pytest.mark.parametrize("scope", ["upload", "a scope added later and forgotten in ged.access"])
def test_a_scope_that_does_not_read_lists_and_searches_nothing(scope):
    for role in ("admin", "agent", "station"):
        who = caller(role, scope)
        with pytest.raises(PermissionDenied, match="may not read, list or search"):
            allowed(who, "read")
        with pytest.raises(PermissionDenied, match="may not read, list or search"):
            index_acl(who)
        assert not any(may(who, name) for name in RULES)
