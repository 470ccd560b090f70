"""`ged up` brings up web and workers on one machine, green, and stops cleanly on Ctrl-C."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

from sqlalchemy import select

from ged.db import make_engine, make_session_factory
from ged.models import User
from ged.passwords import verify_password
from tests.processes import free_port, kill_group, spawn_ged


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def wait_for_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> tuple[int, dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "ged up exited early"
        try:
            return get_json(url)
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def test_up_serves_ready_with_a_first_admin_and_stops_on_ctrl_c(settings, tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("GED_")}
    env.update(
        GED_DATABASE__URL=settings.database.url,
        GED_STORAGE__PATH=str(settings.storage.path),
        GED_WEB__SECRET_KEY_FILE=str(settings.web.secret_key_file),
        GED_WEB__PORT=str(port),
        GED_OPENSEARCH__URLS=json.dumps(list(settings.opensearch.urls)),
        GED_REDIS__URL=settings.redis.url,
        GED_REDIS__QUEUE=settings.redis.queue,
        GED_WORKER__COUNT="1",
    )
    log = tmp_path / "up.log"
    # Its own process group, so that a failure kills its children with it; its output in a
    # file, which the children fill without waiting for the test to read it.
    process = spawn_ged(["up"], env, log)
    try:
        status, body = wait_for_ready(f"http://127.0.0.1:{port}/readyz", process)
        assert status == 200, body
        assert all(check["ok"] for check in body["checks"].values())
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    finally:
        kill_group(process)
    stderr = log.read_text()
    assert process.returncode == 0, stderr
    assert "ged stopped." in stderr

    password_file = settings.web.secret_key_file.parent / "initial-admin-password"
    password = password_file.read_text().strip()
    assert f"user 'admin', password '{password}'" in stderr
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    engine = make_engine(settings.database)
    with make_session_factory(engine)() as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
    engine.dispose()
    assert admin.role == "admin"
    assert verify_password(admin.password_hash, password)
