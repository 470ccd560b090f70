"""`done` means searchable: a search sent right after a document turns done finds it.

A real `ged worker` process indexes as in production (no forced refresh, the index's own
refresh interval); the test polls the document as a client would, and searches the moment
it reads `done`: no wait, no retry.
"""

from __future__ import annotations

import threading

from tests.processes import kill_group, start_worker, wait_until

#: one word per document that no other document holds (nor comes near: the search is fuzzy)
WORDS = [
    "abbeville",
    "bressuire",
    "carhaix",
    "dunkerque",
    "etampes",
    "fougeres",
    "guingamp",
    "hazebrouck",
    "issoudun",
    "jargeau",
]


def test_a_search_right_after_done_finds_the_document_every_time(sqlite_api):
    worker = start_worker(sqlite_api.settings)
    try:
        missed = []
        for word in WORDS:
            text = f"Arrêté municipal relatif au dossier {word}."
            response = sqlite_api.upload(text.encode(), f"{word}.txt", who="agent")
            assert response.status_code == 202, response.json
            document_id = response.json["id"]
            wait_until(
                lambda id=document_id: _status(sqlite_api, id) == "done", 120, "done", every=0.02
            )
            found = sqlite_api.get(f"/api/v1/search?q={word}").json
            if document_id not in [hit["id"] for hit in found["hits"]]:
                missed.append(word)
        assert missed == [], f"{len(missed)} of {len(WORDS)} missed right after done"
    finally:
        kill_group(worker)


def test_two_workers_and_searches_meanwhile_lose_no_document(sqlite_api):
    """Two workers index at once while searches keep asking for refreshes: whenever a
    document reads done, the search sent next finds it."""
    words = [f"{word}ville" for word in ("morlaix", "quimper", "vannes", "lorient", "brest")]
    words += [f"{word}bourg" for word in ("rennes", "nantes", "angers", "laval", "vitre")]
    workers = [start_worker(sqlite_api.settings) for _ in range(2)]
    # The index exists before the searches start: a search racing with the creation of
    # the index can fail (HTTP 503, its shard not started yet), which is not this test's.
    sqlite_api.upload(b"Courrier d'ouverture.", "ouverture.txt", who="agent")
    wait_until(
        lambda: sqlite_api.get("/api/v1/search?q=ouverture").json["total"] == 1, 120, "index"
    )
    pending = {}
    for word in words:
        response = sqlite_api.upload(f"Courrier {word}.".encode(), f"{word}.txt", who="agent")
        pending[response.json["id"]] = word
    searching = threading.Event()
    searching.set()
    searches = []

    def search_meanwhile() -> None:
        client = sqlite_api.client.application.test_client()
        while searching.is_set():
            answer = client.get("/api/v1/search?q=courrier", headers=sqlite_api.headers("admin"))
            searches.append(answer.status_code)

    background = threading.Thread(target=search_meanwhile)
    background.start()
    missed = []
    try:

        def check_done() -> bool:
            for document_id, word in list(pending.items()):
                if _status(sqlite_api, document_id) == "done":
                    found = sqlite_api.get(f"/api/v1/search?q={word}").json
                    if document_id not in [hit["id"] for hit in found["hits"]]:
                        missed.append(word)
                    del pending[document_id]
            return not pending

        wait_until(check_done, 180, "every document done", every=0.02)
    finally:
        searching.clear()
        background.join()
        for worker in workers:
            kill_group(worker)
    assert missed == [], f"{len(missed)} of {len(words)} missed right after done"
    assert searches and set(searches) == {200}


def _status(api, document_id: int) -> str:
    return api.get(f"/api/v1/documents/{document_id}").json["status"]
