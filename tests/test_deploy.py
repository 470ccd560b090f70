"""The deployment kit (deploy/): what can be checked for real without deploying it. The
systemd units pass `systemd-analyze verify` and its sandbox score, create their account
and directories, and each runs a real `ged` command; the nginx site passes `nginx -t` and
its upload limit is ged's; compose.yaml runs real `ged` commands with real configuration
keys; the production configuration loads; a wheel holds every file ged needs."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
import requests
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ged.cli import cli
from ged.cli.serve import UPLOAD_MARGIN_MB
from ged.config import load_settings
from ged.web.ui.static_files import STATIC
from tests.apiclient import seed_accounts
from tests.migrated import migrate
from tests.processes import free_port, kill_group, serving, wait_until

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
INSTALLED_GED = "/opt/ged/venv/bin/ged"
SERVICES = sorted(path.name for path in SYSTEMD.glob("*.service"))


def ged_command(args: Sequence[str]) -> str:
    """The `ged` subcommand ``args`` names, parsed by ged's own command line as it would be
    run (unknown commands and options, missing arguments: click's UsageError)."""
    command: click.Command = cli
    context = click.Context(cli, info_name="ged")
    names: list[str] = []
    rest = list(args)
    while isinstance(command, click.Group) and rest:
        name = rest.pop(0)
        found = command.get_command(context, name)
        if found is None:
            raise click.UsageError(f"no command {' '.join([*names, name])!r}")
        names.append(name)
        command = found
        context = click.Context(command, info_name=name, parent=context)
    assert not isinstance(command, click.Group), f"{names} is a group, not a command"
    command.make_context(names[-1], rest, parent=context.parent)
    return " ".join(names)


def exec_starts(unit: Path) -> list[list[str]]:
    return [
        shlex.split(line.removeprefix("ExecStart="))
        for line in unit.read_text().splitlines()
        if line.startswith("ExecStart=")
    ]


@pytest.fixture
def units(tmp_path) -> Path:
    """deploy/systemd copied, ExecStart pointing at this checkout's `ged` (systemd-analyze
    checks the program is there)."""
    copy = tmp_path / "systemd"
    shutil.copytree(SYSTEMD, copy)
    ged = Path(sys.executable).with_name("ged")
    assert ged.exists()
    for unit in copy.glob("*.service"):
        unit.write_text(unit.read_text().replace(INSTALLED_GED, str(ged)))
    return copy


def test_every_service_runs_a_real_ged_command():
    commands = {}
    for name in SERVICES:
        (args,) = exec_starts(SYSTEMD / name)
        assert args[0] == INSTALLED_GED
        commands[name] = ged_command(args[1:])
    assert commands == {
        "ged-mail.service": "mail",
        "ged-migrate.service": "db upgrade",
        "ged-watch.service": "watch",
        "ged-web.service": "serve",
        "ged-worker@.service": "worker",
    }


def test_a_wrong_command_would_be_caught():
    # The parser the test above relies on refuses what `ged` would refuse.
    with pytest.raises(click.UsageError):
        ged_command(["serv"])
    with pytest.raises(click.UsageError):
        ged_command(["serve", "--threads", "4"])
    with pytest.raises(click.UsageError):
        ged_command(["storage", "migrate"])  # --to is required


def instances(names: Sequence[str]) -> list[str]:
    """A template unit is verified through one of its instances."""
    return [name.replace("@.", "@1.") for name in names]


def test_the_units_pass_systemd_analyze_verify(units):
    checked = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *instances(SERVICES), "ged.target"],
        cwd=units,
        capture_output=True,
        text=True,
        check=False,
    )
    # Unknown keys and values are only warnings: none may be printed.
    assert (checked.returncode, checked.stderr, checked.stdout) == (0, "", "")


def test_the_units_run_in_a_sandbox(units):
    # The shared drop-in (ged-.service.d) applies to every unit: exposure 1.6 of 10 here,
    # about 9.6 ("UNSAFE") without it.
    for unit in instances(SERVICES):
        scored = subprocess.run(
            ["systemd-analyze", "security", "--offline=true", "--threshold=20", unit],
            cwd=units,
            capture_output=True,
            text=True,
            check=False,
        )
        assert scored.returncode == 0, scored.stdout[-500:]


@pytest.mark.skipif(os.geteuid() != 0, reason="systemd-tmpfiles changes owners: root only")
def test_the_account_and_directories_are_created(tmp_path):
    for tool, conf in (
        ("systemd-sysusers", "ged.sysusers.conf"),
        ("systemd-tmpfiles", "ged.tmpfiles.conf"),
    ):
        (tmp_path / "etc").mkdir(exist_ok=True)
        options = ["--create"] if tool == "systemd-tmpfiles" else []
        subprocess.run(
            [tool, f"--root={tmp_path}", *options, str(SYSTEMD / conf)],
            check=True,
            capture_output=True,
        )
    account = next(
        line.split(":")
        for line in (tmp_path / "etc/passwd").read_text().splitlines()
        if line.startswith("ged:")
    )
    assert account[5:] == ["/var/lib/ged", "/usr/sbin/nologin"]
    data = tmp_path / "var/lib/ged"
    for directory in (data, data / "blobs", data / "tmp", data / "transfers"):
        assert directory.stat().st_uid == int(account[2])
        assert directory.stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "etc/ged").stat().st_gid == int(account[3])


def test_the_units_write_only_where_the_configuration_writes():
    settings = load_settings(DEPLOY / "ged.toml", environ={})
    drop_in = (SYSTEMD / "ged-.service.d" / "ged.conf").read_text()
    assert "ProtectSystem=strict" in drop_in
    writable = Path(re.search(r"^ReadWritePaths=(.+)$", drop_in, re.M).group(1))
    assert "Environment=GED_CONFIG=/etc/ged/ged.toml" in drop_in
    for path in (
        settings.storage.path,
        settings.web.secret_key_file,
        settings.classification.model_path,
        settings.archives.packages_dir,
    ):
        assert path.is_relative_to(writable), path
    assert not settings.audit.key_file.is_relative_to(writable)  # read only, kept apart


def nginx_site(directory: Path, **replace: str) -> Path:
    """deploy/nginx/ged.conf as the main file of an nginx run in ``directory``: a
    certificate of its own, logs there, and any other text replaced."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ged.example.org")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("ged.example.org"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        # Its own authority, so that a client can trust it as such.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    site = (DEPLOY / "nginx" / "ged.conf").read_text()
    for old, new in {
        "/etc/ssl/ged/fullchain.pem": str(directory / "cert.pem"),
        "/etc/ssl/ged/privkey.pem": str(directory / "key.pem"),
        "/var/log/nginx/": f"{directory}/",
        **replace,
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    (directory / "site.conf").write_text(site)
    main = directory / "nginx.conf"
    # Started by root, nginx's workers would run as nobody, who may not read the checkout's
    # static files (a fresh clone in a private directory): they stay root, for the test.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"{user}pid {directory}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n    include {directory}/site.conf;\n}}\n"
    )
    return main


def test_the_nginx_site_passes_nginx_t(tmp_path):
    main = nginx_site(tmp_path)
    checked = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(main), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_nginx_takes_what_ged_takes():
    site = (DEPLOY / "nginx" / "ged.conf").read_text()
    settings = load_settings(DEPLOY / "ged.toml", environ={})
    limit = re.search(r"^\s*client_max_body_size (\d+)m;", site, re.M)
    assert int(limit.group(1)) == settings.web.max_upload_mb + UPLOAD_MARGIN_MB
    assert re.search(r"^\s*proxy_request_buffering off;", site, re.M)
    upstream = re.search(r"upstream ged_web \{\s*(?:#.*\n\s*)*server ([\d.]+):(\d+);", site)
    assert (upstream.group(1), int(upstream.group(2))) == (settings.web.host, settings.web.port)
    assert settings.web.trusted_proxy == "127.0.0.1" and settings.web.secure_cookies
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port"):
        assert f"proxy_set_header {header} " in site


def test_nginx_in_front_of_ged_serve(make_settings, tmp_path):
    """The site, on free ports, in front of a real `ged serve` whose upload limit is 1 MiB
    (and client_max_body_size what the site's rule gives for it): health checks, static
    files, an upload streamed through, and a file too large refused by ged itself."""
    settings = make_settings()
    migrate(settings.database.url)
    token = seed_accounts(settings)["agent"]
    https, http = free_port(), free_port()
    with serving(
        settings,
        tmp_path / "serve.log",
        GED_WEB__TRUSTED_PROXY="127.0.0.1",
        GED_WEB__MAX_UPLOAD_MB="1",
    ) as ged_url:
        main = nginx_site(
            tmp_path,
            **{
                "server 127.0.0.1:8000;": f"server {ged_url.removeprefix('http://')};",
                "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
                "listen [::]:443 ssl http2;": "",
                "listen 80;": f"listen 127.0.0.1:{http};",
                "listen [::]:80;": "",
                "client_max_body_size 528m;": f"client_max_body_size {1 + UPLOAD_MARGIN_MB}m;",
                "/opt/ged/venv/lib/python3.11/site-packages/ged/web/ui/static/": f"{STATIC}/",
            },
        )
        with running_nginx(main, tmp_path), requests.Session() as web:
            base = f"https://127.0.0.1:{https}"
            web.trust_env = False  # REQUESTS_CA_BUNDLE would override the certificate given
            web.verify = str(tmp_path / "cert.pem")
            wait_until(lambda: _answers(web, f"{base}/healthz"), 30, "nginx to answer")
            assert web.get(f"{base}/readyz").status_code == 200
            redirected = web.get(f"http://127.0.0.1:{http}/healthz", allow_redirects=False)
            assert redirected.headers["Location"] == "https://127.0.0.1/healthz"

            style = web.get(f"{base}/ui/static/ged.css")
            assert style.content == (STATIC / "ged.css").read_bytes()
            assert style.headers["Cache-Control"] == "max-age=300"

            bearer = {"Authorization": f"Bearer {token}"}
            pdf = b"%PDF-1.4\n" + os.urandom(512 * 1024) + b"\n%%EOF\n"
            accepted = web.post(
                f"{base}/api/v1/documents", headers=bearer, files={"file": ("a.pdf", pdf)}
            )
            assert accepted.status_code == 202, accepted.text
            stored = web.get(
                f"{base}/api/v1/documents/{accepted.json()['id']}/content", headers=bearer
            )
            assert stored.content == pdf

            too_large = web.post(
                f"{base}/api/v1/documents", headers=bearer, files={"file": ("big.pdf", pdf * 4)}
            )
            assert too_large.status_code == 413
            assert too_large.headers["Content-Type"] == "application/problem+json"


@contextlib.contextmanager
def running_nginx(main: Path, directory: Path) -> Iterator[subprocess.Popen]:
    with (directory / "nginx.log").open("w") as log:
        nginx = subprocess.Popen(
            ["nginx", "-p", str(directory), "-c", str(main), "-e", "stderr", "-g", "daemon off;"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield nginx
        finally:
            kill_group(nginx)


def _answers(web: requests.Session, url: str) -> bool:
    try:
        return web.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def ged_services(compose: dict) -> Iterator[tuple[str, dict]]:
    for name, service in compose["services"].items():
        if service.get("image") == "ged:latest":
            yield name, service


def test_compose_runs_real_ged_commands(compose):
    commands = {name: ged_command(service["command"]) for name, service in ged_services(compose)}
    assert commands == {"ged-migrate": "db upgrade", "ged-web": "serve", "ged-worker": "worker"}
    assert {"postgres", "redis", "opensearch", "minio"} <= set(compose["services"])


def test_compose_sets_real_configuration_keys(compose):
    for name, service in ged_services(compose):
        environment = service["environment"]
        assert all(key.startswith("GED_") for key in environment), name
        # An unknown key or an invalid value stops load_settings with its name.
        settings = load_settings(None, environ={k: str(v) for k, v in environment.items()})
        assert settings.storage.backend == "s3"
        assert settings.storage.bucket in str(compose["services"]["minio-bucket"]["command"])


def test_the_dockerfile_copies_every_package():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.M))
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert copied == packages


def test_a_wheel_holds_every_file_of_the_packages(tmp_path):
    # A production install (deploy/Dockerfile) is a wheel, not this checkout: templates,
    # static files, schemas and migrations must all be in it.
    listed = subprocess.run(
        [
            "git",
            "ls-files",
            "pyproject.toml",
            "README.md",
            "ged",
            "ingest",
            "search",
            "seda",
            "workers",
            "migrations",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    source = tmp_path / "source"
    for name in listed:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            ".",
        ],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    held = set(zipfile.ZipFile(wheel).namelist())
    assert [name for name in listed if "/" in name and name not in held] == []
