"""Titles ged proposes from the text of documents filed without one, until a person
confirms or corrects them."""

from __future__ import annotations

from tests.processes import run_worker_burst, wait_until
from tests.ui.pages import browser, csrf_token

ARRETE = (
    "MAIRIE DE SAINT-MARTIN\n\nARRÊTÉ MUNICIPAL N° 2026-0526\n"
    "portant réglementation de la circulation rue de la Mairie\n\nLe Maire,\n"
).encode()


def document(api, document_id: int) -> dict:
    return api.get(f"/api/v1/documents/{document_id}").json


def test_a_document_filed_without_a_title_gets_one_from_its_text(sqlite_api):
    proposed = sqlite_api.upload(ARRETE, "page1796142957_00.txt").json["id"]
    given = sqlite_api.upload(ARRETE, "scan.txt", title="Mon titre").json["id"]
    assert document(sqlite_api, proposed)["title"] == "page1796142957_00"
    run_worker_burst(sqlite_api.settings)

    found = document(sqlite_api, proposed)
    assert found["title"] == (
        "Arrêté n° 2026-0526 — réglementation de la circulation rue de la Mairie"
    )
    assert found["title_proposed"] is True
    kept = document(sqlite_api, given)
    assert (kept["title"], kept["title_proposed"]) == ("Mon titre", False)

    def indexed_titles() -> dict[int, str]:
        hits = sqlite_api.get("/api/v1/search?q=circulation").json["hits"]
        return {hit["id"]: hit["title"] for hit in hits}

    wait_until(lambda: proposed in indexed_titles(), 15, "the index's refresh")
    assert indexed_titles()[proposed] == found["title"]  # indexed with it


def test_a_proposal_stays_the_file_name_when_the_text_suggests_nothing(sqlite_api):
    document_id = sqlite_api.upload(b"12/03/2025 ###", "page17_00.txt").json["id"]
    run_worker_burst(sqlite_api.settings)
    assert document(sqlite_api, document_id)["title"] == "page17_00"
    assert document(sqlite_api, document_id)["title_proposed"] is True


def test_saving_the_title_confirms_it_and_a_new_version_keeps_it(sqlite_api):
    by_api = sqlite_api.upload(ARRETE, "a.txt").json["id"]
    by_form = sqlite_api.upload(ARRETE, "b.txt").json["id"]
    run_worker_burst(sqlite_api.settings)
    title = document(sqlite_api, by_api)["title"]

    response = sqlite_api.patch(f"/api/v1/documents/{by_api}", json={"title": title})
    assert response.status_code == 200, response.json
    assert response.json["title_proposed"] is False

    client = browser(sqlite_api)
    page = client.get(f"/documents/{by_form}").get_data(as_text=True)
    assert "titre proposé" in page
    token = csrf_token(client, f"/documents/{by_form}")
    client.post(f"/documents/{by_form}", data={"csrf_token": token, "title": title})
    assert document(sqlite_api, by_form)["title_proposed"] is False
    assert "titre proposé" not in client.get(f"/documents/{by_form}").get_data(as_text=True)

    sqlite_api.add_version(by_api, b"DECISION N 7 portant autre chose", "c.txt")
    run_worker_burst(sqlite_api.settings)
    assert document(sqlite_api, by_api)["title"] == title
