"""Search through the API: only what the caller may read is found, counted or faceted."""

from __future__ import annotations

import pytest

from tests.apiclient import PASSWORD, statements
from tests.processes import run_worker_burst, wait_until

TEXTS = [
    "Arrêté portant réglementation du stationnement rue de la Gare.",
    "Délibération du conseil municipal sur le budget primitif.",
    "Permis de construire accordé pour une extension de garage.",
]


@pytest.fixture
def indexed(sqlite_api):
    """3 documents in unit Urbanisme (group urbanisme: agent, station) and 7 the admin filed alone."""
    for n, text in enumerate(TEXTS):
        sqlite_api.upload(
            text.encode(), f"u{n}.txt", who="station", unit="Urbanisme", tags="voirie"
        )
    for n in range(7):
        sqlite_api.upload(
            f"Note interne numéro {n} sur le stationnement.".encode(), f"a{n}.txt", who="admin"
        )
    run_worker_burst(sqlite_api.settings)
    wait_until(
        lambda: sqlite_api.get("/api/v1/search", "admin").json["total"] == 10, 15, "indexing"
    )
    return sqlite_api


def test_counts_and_facets_include_only_readable_documents(indexed):
    agent = indexed.get("/api/v1/search").json
    assert agent["total"] == 3
    assert sum(item["count"] for item in agent["facets"]["unit"]) == 3
    assert agent["facets"]["tags"] == [{"value": "voirie", "count": 3}]
    assert indexed.get("/api/v1/search", "admin").json["total"] == 10
    outsider = indexed.get("/api/v1/search?q=stationnement", "outsider").json
    assert outsider["total"] == 0 and outsider["hits"] == []
    assert all(not facet for facet in outsider["facets"].values())


def test_the_file_type_is_a_facet_and_a_filter(indexed):
    indexed.upload(b"%PDF-1.4\n%%EOF\n", "plan.pdf", who="station", unit="Urbanisme")
    run_worker_burst(indexed.settings)
    wait_until(lambda: indexed.get("/api/v1/search").json["total"] == 4, 15, "indexing")
    facet = indexed.get("/api/v1/search").json["facets"]["mime_type"]
    assert facet == [
        {"value": "text/plain", "count": 3},
        {"value": "application/pdf", "count": 1},
    ]
    pdf = indexed.get("/api/v1/search?mime_type=application/pdf").json
    assert pdf["total"] == 1 and pdf["hits"][0]["title"] == "plan"
    both = "/api/v1/search?mime_type=application/pdf&mime_type=text/plain"
    assert indexed.get(both).json["total"] == 4
    assert indexed.get("/api/v1/search?mime_type=image/png").json["total"] == 0


def test_highlights_mark_the_words_and_give_the_page(indexed):
    result = indexed.get("/api/v1/search?q=stationnement").json
    assert result["total"] == 1
    highlight = result["hits"][0]["highlights"][0]
    assert highlight["page"] == 1
    assert "<mark>stationnement</mark>" in highlight["fragment"]


def test_removing_a_user_from_a_group_takes_effect_on_the_next_search(indexed):
    assert indexed.get("/api/v1/search").json["total"] == 3
    response = indexed.patch("/api/v1/admin/users/agent", "admin", json={"groups": []})
    assert response.status_code == 200, response.json
    assert indexed.get("/api/v1/search").json["total"] == 0


def test_acl_change_reaches_the_index(indexed):
    hit = indexed.get("/api/v1/search?q=budget", "admin").json["hits"][0]
    changed = indexed.client.put(
        f"/api/v1/documents/{hit['id']}/acl",
        headers=indexed.headers("admin"),
        json={"inherit": False, "grants": [{"principal": "user:outsider", "permission": "read"}]},
    )
    assert changed.status_code == 200
    run_worker_burst(indexed.settings)
    wait_until(
        lambda: indexed.get("/api/v1/search?q=budget", "outsider").json["total"] == 1, 15, "ACL"
    )
    assert indexed.get("/api/v1/search?q=budget").json["total"] == 0


def test_deleted_documents_leave_the_index(indexed):
    hit = indexed.get("/api/v1/search?q=garage").json["hits"][0]
    assert indexed.delete(f"/api/v1/documents/{hit['id']}", "admin").status_code == 204
    run_worker_burst(indexed.settings)
    wait_until(lambda: indexed.get("/api/v1/search?q=garage").json["total"] == 0, 15, "deletion")


def test_similar_returns_readable_documents_only(indexed):
    hit = indexed.get("/api/v1/search?q=stationnement").json["hits"][0]
    similar = indexed.get(f"/api/v1/documents/{hit['id']}/similar").json["hits"]
    readable = {h["id"] for h in indexed.get("/api/v1/search").json["hits"]}
    assert {h["id"] for h in similar} <= readable - {hit["id"]}
    assert indexed.get(f"/api/v1/documents/{hit['id']}/similar", "outsider").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("size=5000", "size"),
        ("couleur=rouge", "couleur"),
        ("date_from=hier", "date_from"),
        ("sort=alpha", "sort"),
        ("page=900&size=100", "page"),
    ],
)
def test_invalid_parameters_are_400_naming_the_field(sqlite_api, query, field):
    response = sqlite_api.get(f"/api/v1/search?{query}")
    assert response.status_code == 400, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["field"] == field


def _reads_the_caller(statement: str) -> bool:
    return any(table in statement for table in ("api_tokens", "user_sessions", "users", "groups"))


def test_a_search_reads_its_caller_and_the_audit_head_in_one_statement_each(api):
    """Authentication runs before every request: the token (or cookie session), its account
    and the account's groups come in one statement; the search's audit event reads its
    chain's head and the last id in one."""
    api.get("/api/v1/search?q=permis")  # the token's first use of the minute is recorded
    with statements(api) as sent:
        answer = api.get("/api/v1/search?q=permis")
    assert answer.status_code == 200
    assert len([s for s in sent if _reads_the_caller(s)]) == 1, sent
    assert len([s for s in sent if s.lstrip().startswith("INSERT")]) == 1, sent
    # the audit write reads its stream's head and the last id in one statement
    assert len([s for s in sent if s.lstrip().startswith("SELECT") and "audit" in s]) == 1, sent

    client = api.client.application.test_client()
    login = client.post("/api/v1/session", json={"username": "agent", "password": PASSWORD})
    assert login.status_code == 200
    client.get("/api/v1/search?q=permis")  # a fresh session's last-seen time is not rewritten
    with statements(api) as sent:
        assert client.get("/api/v1/search?q=permis").status_code == 200
    assert len([s for s in sent if _reads_the_caller(s)]) == 1, sent
