"""RFC 3161 time-stamps of the checkpoints, by the real local TSA of scripts/services.py:
they verify offline from a bundle, a token of another checkpoint or of an untrusted TSA
fails, and a TSA that is down delays the stamp without holding sealing up."""

from __future__ import annotations

import json
import logging
import subprocess
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ged.access import Principal
from ged.audit.chain import record
from ged.audit.export import bundle_chunks
from ged.audit.offline import verify_file
from ged.audit.query import EventFilters
from ged.audit.seal import all_checkpoints, generate_key, load_public_key, seal_checkpoint
from ged.audit.timestamp import stamp_pending, stamp_rows
from ged.audit.tsa import imprint, load_roots
from ged.audit.verify import verify_database
from ged.bootstrap import Runtime, build
from ged.cli.audit import audit
from ged.config import Settings, load_settings
from ged.errors import ConfigError
from ged.models import ACCESS, LIFECYCLE, AuditTimestamp
from tests import services
from tests.ged.test_audit_export import rewrite_member
from tests.migrated import migrate
from tests.relay import relay_to

ARCHIVIST = Principal(3, "archiviste", "archivist", frozenset(), None, "192.0.2.4", "Firefox")


@pytest.fixture(scope="session")
def untrusted_tsa() -> dict[str, str]:
    """A second TSA, with a CA of its own that the test TSA's does not vouch for."""
    return services.ensure_throwaway("tsa-untrusted", 1, "tsa")


def stamping_settings(make_settings, tmp_path: Path, tsa: dict[str, str], **audit) -> Settings:
    settings = make_settings(
        audit={
            "key_file": tmp_path / "audit.key",
            "tsa_url": tsa["tsa_url"],
            "tsa_ca_file": tsa["tsa_ca_file"],
            "tsa_timeout": 5,
            **audit,
        }
    )
    if not settings.audit.key_file.exists():
        generate_key(settings.audit.key_file)
    return settings


@pytest.fixture
def stamped_settings(make_settings, tmp_path, service_urls) -> Settings:
    return stamping_settings(make_settings, tmp_path, service_urls)


@contextmanager
def runtime_of(settings: Settings) -> Iterator[Runtime]:
    runtime = build(settings)
    try:
        yield runtime
    finally:
        runtime.close()


def seal_some(session, settings: Settings, rounds: int = 1) -> None:
    """Record events in both streams and seal them, ``rounds`` times."""
    for number in range(rounds):
        record(session, ARCHIVIST, "document.update", object_type="document", object_id=str(number))
        record(session, ARCHIVIST, "document.view", object_type="document", object_id=str(number))
        session.commit()
        seal_checkpoint(session, settings)


def write_bundle(session, settings: Settings, path: Path) -> Path:
    roots = load_roots(settings.audit.tsa_ca_file)
    public_key = load_public_key(settings.audit.key_file)
    with path.open("wb") as out:
        out.writelines(bundle_chunks(session, EventFilters(), public_key, roots))
    return path


def test_a_checkpoints_time_stamp_verifies_offline_from_a_bundle(
    db_session, stamped_settings, tmp_path
):
    seal_some(db_session, stamped_settings)
    assert stamp_pending(db_session, stamped_settings).stamped == 2

    stored = verify_database(db_session, stamped_settings)
    assert stored.ok, stored.detail
    assert (stored.timestamps_checked, stored.unstamped) == (2, 0)
    path = write_bundle(db_session, stamped_settings, tmp_path / "bundle.zip")
    result = verify_file(path, require_timestamps=True)
    assert result.ok, result.detail
    assert result.timestamps_checked == 2
    assert result.of(ACCESS).timestamps_checked == 1
    assert f"time-stamps by a TSA of CA {result.tsa_ca_id} hold" in result.detail
    with zipfile.ZipFile(path) as bundle:
        assert {"lifecycle-timestamps.jsonl", "access-timestamps.jsonl", "tsa-ca.pem"} <= set(
            bundle.namelist()
        )
        assert json.loads(bundle.read("manifest.json"))["streams"][LIFECYCLE]["timestamps"] == 1


def test_the_token_is_plain_rfc_3161_that_openssl_verifies_too(
    db_session, stamped_settings, tmp_path
):
    seal_some(db_session, stamped_settings)
    stamp_pending(db_session, stamped_settings)
    (row,) = stamp_rows(db_session, LIFECYCLE)
    (checkpoint,) = all_checkpoints(db_session, LIFECYCLE)
    token = tmp_path / "lifecycle.tsr"
    token.write_bytes(row["token"])
    command = ["openssl", "ts", "-verify", "-in", str(token), "-digest", imprint(checkpoint)]
    done = subprocess.run(
        [*command, "-CAfile", str(stamped_settings.audit.tsa_ca_file)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Verification: OK" in done.stdout


def test_a_token_of_another_checkpoint_fails_verification(db_session, stamped_settings, tmp_path):
    seal_some(db_session, stamped_settings, rounds=2)
    stamp_pending(db_session, stamped_settings)
    path = write_bundle(db_session, stamped_settings, tmp_path / "bundle.zip")
    assert verify_file(path).ok

    def swap_tokens(data: bytes) -> bytes:
        first, second = (json.loads(line) for line in data.decode().splitlines())
        first["token"], second["token"] = second["token"], first["token"]
        return f"{json.dumps(first)}\n{json.dumps(second)}\n".encode()

    rewrite_member(path, "lifecycle-timestamps.jsonl", swap_tokens, fix_manifest=True)
    result = verify_file(path)
    assert not result.ok
    assert result.reason == "bad time-stamp"
    assert "not this checkpoint's" in result.detail


def test_a_token_from_an_untrusted_tsa_fails_verification(
    db_session, make_settings, tmp_path, service_urls, untrusted_tsa
):
    # ged told to trust the other TSA's CA gets its tokens...
    rogue = stamping_settings(make_settings, tmp_path, untrusted_tsa)
    seal_some(db_session, rogue)
    assert stamp_pending(db_session, rogue).stamped == 2
    path = write_bundle(db_session, rogue, tmp_path / "bundle.zip")
    assert verify_file(path).ok  # the bundle agrees with the CA it carries...

    trusted = load_roots(Path(service_urls["tsa_ca_file"]))
    result = verify_file(path, tsa_roots=trusted)  # ...not with the one an auditor trusts
    assert not result.ok
    assert result.reason == "bad time-stamp"
    assert "not signed by a TSA the trusted CA vouches for" in result.detail
    honest = stamping_settings(make_settings, tmp_path, service_urls)
    assert verify_database(db_session, honest).reason == "bad time-stamp"


def test_an_untrusted_tsas_answer_is_not_kept(
    db_session, make_settings, tmp_path, service_urls, untrusted_tsa
):
    settings = stamping_settings(
        make_settings, tmp_path, service_urls, tsa_url=untrusted_tsa["tsa_url"]
    )
    seal_some(db_session, settings)
    done = stamp_pending(db_session, settings)
    assert (done.stamped, done.failed, done.pending) == (0, 2, 2)
    assert "not signed by a TSA the trusted CA vouches for" in done.last_error


def test_a_tsa_that_is_down_delays_the_stamp_and_the_next_sweep_gets_it(
    db_session, make_settings, tmp_path, service_urls, caplog
):
    with relay_to(service_urls["tsa_url"]) as tsa:
        settings = stamping_settings(
            make_settings, tmp_path, {**service_urls, "tsa_url": tsa.url}, tsa_timeout=2
        )
        tsa.cut()
        seal_some(db_session, settings)  # sealing does not wait for the TSA

        with caplog.at_level(logging.WARNING, logger="ged.audit.timestamp"):
            done = stamp_pending(db_session, settings)
        # The first failure to connect ends the round: the second one is not even tried.
        assert (done.stamped, done.failed, done.pending) == (0, 1, 2)
        assert "does not answer" in done.last_error
        assert "is not time-stamped yet, retried next sweep" in caplog.text
        waiting = verify_database(db_session, settings)
        assert waiting.ok, waiting.detail
        assert waiting.unstamped == 2 and waiting.unstamped_since is not None
        assert "1 checkpoints have no time-stamp yet, the oldest sealed at" in waiting.detail
        required = verify_database(db_session, settings, required=True)
        assert (required.ok, required.reason) == (False, "not time-stamped")

        tsa.restore()
        done = stamp_pending(db_session, settings)
    assert (done.stamped, done.pending) == (2, 0)
    stamps = db_session.scalars(select(AuditTimestamp).order_by(AuditTimestamp.attempts)).all()
    # The lifecycle checkpoint was tried twice, the access log's once.
    assert [(stamp.status, stamp.attempts, stamp.last_error) for stamp in stamps] == [
        ("stamped", 1, None),
        ("stamped", 2, None),
    ]
    assert verify_database(db_session, settings, required=True).timestamps_checked == 2


def test_without_a_tsa_nothing_is_pending_and_verification_says_nothing_of_stamps(
    db_session, make_settings, tmp_path
):
    settings = make_settings(audit={"key_file": tmp_path / "audit.key"})
    generate_key(settings.audit.key_file)
    seal_some(db_session, settings)
    assert stamp_pending(db_session, settings).pending == 0
    result = verify_database(db_session, settings)
    assert result.ok and "time-stamp" not in result.detail
    assert verify_database(db_session, settings, required=True).reason == "not time-stamped"


def test_a_tsa_url_needs_the_ca_its_certificate_chains_to():
    with pytest.raises(ConfigError, match="tsa_ca_file"):
        load_settings(None, environ={"GED_AUDIT__TSA_URL": "http://127.0.0.1:9318/"})


def test_the_command_line_seals_stamps_and_verifies_a_bundle_against_a_given_ca(
    make_settings, tmp_path, service_urls, untrusted_tsa
):
    settings = stamping_settings(make_settings, tmp_path, service_urls)
    migrate(settings.database.url)
    runner = CliRunner()

    def ged_audit(*args: str):
        obj = {"config_path": None, "settings": settings}
        return runner.invoke(audit, list(args), obj=obj, catch_exceptions=False)

    with runtime_of(settings) as runtime, runtime.unit_of_work() as uow:
        seal_some(uow.session, settings)  # pending, as the workers would find them
    stamped = ged_audit("stamp")
    assert stamped.exit_code == 0 and "2 checkpoints time-stamped" in stamped.stderr
    sealed = ged_audit("seal")  # seals and stamps at once
    assert sealed.exit_code == 0 and "2 checkpoints time-stamped" in sealed.stderr
    assert ged_audit("export", "--bundle", str(tmp_path / "a.zip")).exit_code == 0

    bundle = str(tmp_path / "a.zip")
    trusted = ged_audit("verify", "--file", bundle, "--tsa-ca", service_urls["tsa_ca_file"])
    assert trusted.exit_code == 0, trusted.stdout
    assert trusted.stdout.startswith("OK: ") and "time-stamps by a TSA of CA" in trusted.stdout
    other = ged_audit("verify", "--file", bundle, "--tsa-ca", untrusted_tsa["tsa_ca_file"])
    assert other.exit_code == 1, other.stdout
    assert other.stdout.startswith("BROKEN at event 1 (bad time-stamp): ")
    assert "(Verify error: unable to get local issuer certificate)" in other.stdout
    online = ged_audit("verify", "--require-timestamps", "--json")
    assert online.exit_code == 0, online.stdout
    assert json.loads(online.stdout)["timestamps_checked"] == 4
