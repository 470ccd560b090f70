"""Uploads and downloads stream: through a real `ged serve`, the server's memory does not
grow with the file's size.

A 16 MiB and an 80 MiB file go up and come back down. The client streams too (a multipart
body written from a generator, the download read in chunks), so neither side ever holds a
file. The server's resident memory is sampled every 20 ms and its kernel peak (VmHWM,
reset before each phase) is read after: the growth over the resident size just before a
transfer stays under 50 MB (less than the large file), and the large file's growth exceeds
the small one's by less than 24 MB, where holding the files would add 67 MB. On each blob
store backend: the local directory, and an S3 bucket of the test S3 server. Throughput and
memory on 200 MiB against a baseline server: bench/bench_streaming.py.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.apiclient import seed_accounts
from tests.migrated import migrate
from tests.processes import free_port, ged_environment

CHUNK = 1024 * 1024
SMALL, LARGE = 16 * CHUNK, 80 * CHUNK
MAX_GROWTH = 50 * 1000 * 1000
#: what may differ between the two sizes: the server's own bounded buffers (waitress
#: holds up to 16 MB of an answer that the client has not read yet), not the file
MAX_GROWTH_WITH_SIZE = 24 * 1000 * 1000


# --- content: deterministic, cheap to generate, hashed while it is produced -------------------


def generated_chunks(size: int, block: bytes) -> Iterator[bytes]:
    """`size` bytes: `block` repeated, each copy stamped with its index so none repeats."""
    index = 0
    remaining = size
    while remaining:
        chunk = index.to_bytes(8, "big") + block[8:]
        chunk = chunk[:remaining]
        yield chunk
        remaining -= len(chunk)
        index += 1


def multipart(
    filename: str, size: int, content: Iterator[bytes]
) -> tuple[str, int, Iterator[bytes]]:
    """(Content-Type, Content-Length, body chunks) of a form whose one part `file` is
    `content` (`size` bytes); the length is known before a byte is produced."""
    boundary = f"ged-stream-{uuid.uuid4().hex}"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from content
        yield tail

    return f"multipart/form-data; boundary={boundary}", len(head) + size + len(tail), body()


# --- the server's memory -----------------------------------------------------------------------


def status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


class PeakRss:
    """Resident size of `pid` before a phase and its peak during it (bytes).

    Two measures, the larger wins: VmRSS sampled every 20 ms in a thread, and the kernel's
    own high-water mark VmHWM, reset to the current size at the start (clear_refs 5).
    """

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.before = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakRss:
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as clear:
                clear.write("5")
        except OSError:
            pass  # the sampling alone still measures
        self.before = status_kib(self.pid, "VmRSS") * 1024
        self.peak = self.before
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, status_kib(self.pid, "VmHWM") * 1024)

    @property
    def growth(self) -> int:
        return self.peak - self.before

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.peak = max(self.peak, status_kib(self.pid, "VmRSS") * 1024)
            except (OSError, AssertionError):  # the process is gone
                return


# --- HTTP, streamed both ways ------------------------------------------------------------------


def upload(port: int, token: str, size: int, block: bytes) -> tuple[dict, str]:
    """POST a generated file of `size` bytes; return the answer and the SHA-256 sent."""
    digest = hashlib.sha256()

    def hashed() -> Iterator[bytes]:
        for chunk in generated_chunks(size, block):
            digest.update(chunk)
            yield chunk

    content_type, length, body = multipart("big.bin", size, hashed())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.putrequest("POST", "/api/v1/documents")
        connection.putheader("Authorization", f"Bearer {token}")
        connection.putheader("Content-Type", content_type)
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        for chunk in body:
            connection.send(chunk)
        response = connection.getresponse()
        answer = response.read()
    finally:
        connection.close()
    assert response.status == 202, answer
    return json.loads(answer), digest.hexdigest()


def download(port: int, token: str, document_id: int) -> tuple[int, str, str]:
    """GET the content in chunks; return its length, SHA-256 and ETag."""
    digest = hashlib.sha256()
    size = 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request(
            "GET",
            f"/api/v1/documents/{document_id}/content",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = connection.getresponse()
        assert response.status == 200, response.read()
        etag = response.getheader("ETag", "")
        while chunk := response.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    finally:
        connection.close()
    return size, digest.hexdigest(), etag


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "ged serve exited early"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise AssertionError(f"ged serve did not answer on port {port} within {timeout}s")


def round_trip(port: int, token: str, pid: int, size: int, block: bytes) -> tuple[PeakRss, PeakRss]:
    """Upload then download a `size`-byte file, checking it came back whole; the server's
    memory during each transfer."""
    with PeakRss(pid) as up:
        answer, sent_sha256 = upload(port, token, size, block)
    with PeakRss(pid) as down:
        received, received_sha256, etag = download(port, token, answer["id"])
    assert received == size
    assert received_sha256 == sent_sha256
    assert etag.strip('"') == sent_sha256
    return up, down


@pytest.mark.timeout(180)
def test_uploads_and_downloads_keep_the_server_memory_flat_whatever_the_size(
    make_settings, storage_section, redis_client, tmp_path
):
    settings = make_settings(storage=storage_section)
    port = free_port()
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir()
    migrate(settings.database.url)
    token = seed_accounts(settings)["archivist"]
    env = ged_environment(
        settings,
        GED_WEB__PORT=str(port),
        GED_WEB__MAX_UPLOAD_MB="1024",
        TMPDIR=str(server_tmp),  # where waitress and werkzeug spool request bodies
    )

    block = os.urandom(CHUNK)
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ged", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until_up(port, process)
        # Warm up through the same code paths (spooled body, multipart, blob store,
        # send_file), so that first-use imports and caches are not counted as growth.
        warm, _ = upload(port, token, 2 * CHUNK + 123, os.urandom(CHUNK))
        download(port, token, warm["id"])

        small_up, small_down = round_trip(port, token, process.pid, SMALL, block)
        large_up, large_down = round_trip(port, token, process.pid, LARGE, block)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(settings.storage.path, ignore_errors=True)

    report = ", ".join(
        f"{name} growth {phase.growth / 1e6:.1f} MB over {phase.before / 1e6:.1f} MB"
        for name, phase in [
            ("small upload", small_up),
            ("small download", small_down),
            ("large upload", large_up),
            ("large download", large_down),
        ]
    )
    print(report)
    for direction, small, large in [
        ("upload", small_up, large_up),
        ("download", small_down, large_down),
    ]:
        failure = f"{direction} is not streamed: {report}\n{log_path.read_text()}"
        assert small.growth < MAX_GROWTH and large.growth < MAX_GROWTH, failure
        assert large.growth - small.growth < MAX_GROWTH_WITH_SIZE, failure
    assert not any(server_tmp.iterdir()), "the server left spooled request bodies behind"
