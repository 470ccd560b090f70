"""Concurrent PATCHes of the same documents through the API, on SQLite and PostgreSQL:
each answers 200 or 409, never a server error, and a document ends with the tags of one
edit that was answered 200, whole (no tag of another edit mixed in, none lost)."""

from __future__ import annotations

import threading
from collections import defaultdict

THREADS = 8
EDITS = 8
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_concurrent_patches_of_the_same_documents_answer_200_or_409(api):
    ids = [
        api.upload(PDF + f"% {number}\n".encode(), unit="Urbanisme").json["id"]
        for number in range(2)
    ]
    app = api.client.application
    answers: list[int] = []
    applied: dict[int, list[list[str]]] = defaultdict(list)
    failures: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def client_session(thread: int) -> None:
        client = app.test_client()  # one client per thread, as separate browsers are
        headers = api.headers("agent")
        barrier.wait()
        for number in range(EDITS):
            document_id = ids[(thread + number) % len(ids)]
            url = f"/api/v1/documents/{document_id}"
            tags = sorted([f"c{thread}-{number}", "partage"])
            edited = client.patch(url, headers=headers, json={"tags": tags})
            read = client.get(url, headers=headers)
            with lock:
                answers.extend([edited.status_code, read.status_code])
                if edited.status_code == 200:
                    applied[document_id].append(tags)

    def run(thread: int) -> None:
        try:
            client_session(thread)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert len(answers) == 2 * THREADS * EDITS
    assert set(answers) <= {200, 409}, sorted(set(answers))
    for document_id in ids:
        final = api.get(f"/api/v1/documents/{document_id}").json["tags"]
        assert final in applied[document_id]
