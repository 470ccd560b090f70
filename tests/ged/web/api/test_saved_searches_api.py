"""Saved searches through the API: named, unique per owner, shared with one's own groups,
and always counted for the viewer, so that a member is never told of what it may not read."""

from __future__ import annotations

import pytest

from tests.ged.web.api.test_search_api import indexed  # noqa: F401 - the fixture

URL = "/api/v1/saved-searches"


def saved(api, who, name, search, group=None):
    response = api.post(URL, who, json={"name": name, "search": search, "group": group})
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def admin_in_urbanisme(indexed):  # noqa: F811 - the fixture above
    response = indexed.patch("/api/v1/admin/users/admin", "admin", json={"groups": ["urbanisme"]})
    assert response.status_code == 200, response.json
    return indexed


def test_a_shared_search_counts_for_each_member_only_what_the_member_may_read(
    admin_in_urbanisme,
):
    api = admin_in_urbanisme
    search = {"q": "stationnement", "sort": "date"}
    shared = saved(api, "admin", "Stationnement", search, group="urbanisme")
    # the admin reads all 8 (7 filed alone): the count is the viewer's, not the author's
    assert shared["count"] == 8 and shared["own"] and shared["group"] == "urbanisme"

    listed = api.get(URL, "agent").json["saved_searches"]
    assert [(s["name"], s["owner"], s["own"]) for s in listed] == [
        ("Stationnement", "admin", False)
    ]
    [mine] = listed
    as_member = api.get("/api/v1/search", "agent", query_string=search).json
    assert mine["count"] == as_member["total"] == 1
    assert mine["search"]["q"] == "stationnement" and mine["search"]["sort"] == "date"
    assert api.get(f"{URL}/{shared['id']}", "station").json["count"] == 1
    # outside the group it does not exist
    assert api.get(URL, "outsider").json["saved_searches"] == []
    assert api.get(f"{URL}/{shared['id']}", "outsider").status_code == 404
    # a member may not rename or delete it
    renamed = api.patch(f"{URL}/{shared['id']}", "agent", json={"name": "À moi"})
    assert renamed.status_code == 403 and "only its owner" in renamed.json["detail"]
    assert api.delete(f"{URL}/{shared['id']}", "agent").status_code == 403


def test_filters_are_kept_and_counted_as_the_search_api_counts_them(indexed):  # noqa: F811
    search = {"q": "", "unit": ["Urbanisme"], "tag": ["voirie"], "date_from": "2000-01-01"}
    mine = saved(indexed, "agent", "Voirie", search)
    assert mine["search"]["unit"] == ["Urbanisme"] and mine["search"]["date_from"] == "2000-01-01"
    total = indexed.get("/api/v1/search", "agent", query_string=search).json["total"]
    assert mine["count"] == total == 3
    assert indexed.get(URL, "agent").json["saved_searches"][0]["count"] == 3


def test_names_are_unique_per_owner_and_sharing_needs_membership(indexed):  # noqa: F811
    first = saved(indexed, "agent", "Arrêtés", {"q": "arrêté"})
    again = indexed.post(URL, "agent", json={"name": " Arrêtés ", "search": {"q": "x"}})
    assert again.status_code == 409 and "already have a saved search named" in again.json["detail"]
    saved(indexed, "station", "Arrêtés", {"q": "arrêté"})  # another owner: no clash
    other = saved(indexed, "agent", "Autre", {"q": "x"})
    clash = indexed.patch(f"{URL}/{other['id']}", "agent", json={"name": "Arrêtés"})
    assert clash.status_code == 409

    foreign = indexed.post(URL, "outsider", json={"name": "N", "search": {}, "group": "urbanisme"})
    assert foreign.status_code == 403 and "not a member" in foreign.json["detail"]
    bad = indexed.post(URL, "agent", json={"name": "N", "search": {"q": '"ouvert'}})
    assert bad.status_code == 422 and bad.json["field"] == "q"
    unknown = indexed.post(URL, "agent", json={"name": "N", "search": {"colour": "red"}})
    assert unknown.status_code == 400

    shared = indexed.patch(f"{URL}/{first['id']}", "agent", json={"group": "urbanisme"})
    assert shared.status_code == 200 and shared.json["group"] == "urbanisme"
    assert [s["name"] for s in indexed.get(URL, "station").json["saved_searches"]] == [
        "Arrêtés",
        "Arrêtés",
    ]
    renamed = indexed.patch(f"{URL}/{first['id']}", "agent", json={"name": "Arrêtés 2026"})
    assert renamed.json["name"] == "Arrêtés 2026"
    unshared = indexed.patch(f"{URL}/{first['id']}", "agent", json={"group": None})
    assert unshared.json["group"] is None
    assert indexed.delete(f"{URL}/{first['id']}", "agent").status_code == 204
    assert indexed.get(f"{URL}/{first['id']}", "agent").status_code == 404


def test_saved_searches_keep_their_parameters_on_either_database(api):
    made = saved(api, "agent", "Factures", {"q": "facture", "unit": ["Urbanisme"], "sort": "date"})
    assert made["count"] == 0  # nothing indexed yet
    assert api.post(URL, "agent", json={"name": "Factures", "search": {}}).status_code == 409
    shared = api.patch(f"{URL}/{made['id']}", "agent", json={"group": "urbanisme"})
    assert shared.status_code == 200, shared.json
    [seen] = api.get(URL, "station").json["saved_searches"]
    assert seen["search"] == {**seen["search"], "q": "facture", "unit": ["Urbanisme"]}
    assert (seen["owner"], seen["own"], seen["group"]) == ("agent", False, "urbanisme")
    assert api.delete(f"{URL}/{made['id']}", "agent").status_code == 204
    assert api.get(URL, "station").json["saved_searches"] == []
