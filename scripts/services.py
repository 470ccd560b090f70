#!/usr/bin/env python3
"""Install and start ged's backing services (OpenSearch, Redis, PostgreSQL, a test TSA, an
OpenID provider, an IMAP server, an S3 server) on loopback.

Stdlib only: it runs before the project's venv exists.

    services.py ensure [--profile dev|test] [--instance NAME --port-offset N] SERVICE...
    services.py stop   [--profile ...] [--instance ...] [--node N] [SERVICE...]
    services.py status [--profile ...] [--instance ...] [SERVICE...]
    services.py check

`ensure` reuses a service that already answers on its port, otherwise starts it
detached, waits until it is ready and prints one JSON object of URLs on stdout.
Data, logs and pid files live in <project>/var/<instance>/<service>/.
The tsa service is a local RFC 3161 time-stamping authority with a test CA of its own
(scripts/tsa_server.py): each instance is a TSA the others' CAs do not trust.
The keycloak service is Keycloak from Maven Central with the realm of tests/oidc/realm.json
(re-imported whenever that file changes); it needs Java 21 or newer.
The dovecot service is Debian's Dovecot with a self-signed certificate and one test account
(DOVECOT_USER), STARTTLS on its port and IMAPS on the next, for the functional mailboxes;
a second account (DOVECOT_USER_WITHOUT_MOVE) is served as by a server that lacks MOVE.
The s3proxy service is s3proxy from Maven Central (an S3 server on a local directory, with
the account S3_CREDENTIALS), for the S3 blob store; it runs on Java 17.
The opensearch-cluster service is three nodes of the same OpenSearch, one cluster on loopback
(ports PORTS["opensearch-cluster"] + 0, 1, 2; transport +100), for the tests of a node's loss:
`ensure` reuses it when every node answers in a cluster of three (green or yellow) and starts
the nodes that are missing, `stop` stops the three, `stop --node N` (1 to 3) only the Nth.
Its URLs are one key holding a JSON list, node 1 first:
    {"opensearch_urls": ["http://127.0.0.1:9260", "http://127.0.0.1:9261", "http://127.0.0.1:9262"]}
Services named together are started at once, and `ensure` waits for all of them.
"""

import argparse
import contextlib
import fcntl
import grp
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTS = {
    "dev": {
        "opensearch": 9200,
        "opensearch-cluster": 9210,
        "redis": 6379,
        "postgres": 54320,
        "tsa": 8318,
        "keycloak": 8380,
        "dovecot": 1143,
        "s3proxy": 8480,
    },
    "test": {
        "opensearch": 9250,
        "opensearch-cluster": 9260,
        "redis": 6390,
        "postgres": 54390,
        "tsa": 9318,
        "keycloak": 9380,
        "dovecot": 9143,
        "s3proxy": 9480,
    },
}
SERVICES = (
    "opensearch",
    "opensearch-cluster",
    "redis",
    "postgres",
    "tsa",
    "keycloak",
    "dovecot",
    "s3proxy",
)
#: the nodes of the opensearch-cluster service
CLUSTER_SIZE = 3
SVC_USER = "ged-svc"  # OpenSearch and PostgreSQL refuse to run as root
IS_ROOT = os.geteuid() == 0

OS_VERSION = "2.19.6"
MAVEN = "https://repo1.maven.org/maven2/org/opensearch"
OS_ZIP_URL = (
    f"{MAVEN}/distribution/integ-test-zip/opensearch/{OS_VERSION}/opensearch-{OS_VERSION}.zip"
)
ANALYSIS_JAR_URL = f"{MAVEN}/plugin/analysis-common/{OS_VERSION}/analysis-common-{OS_VERSION}.jar"
# The minimal zip lacks analysis-common (elision, asciifolding, light_french...).
ANALYSIS_DESCRIPTOR = f"""\
description=Adds "built in" analyzers to OpenSearch.
version={OS_VERSION}
name=analysis-common
classname=org.opensearch.analysis.common.CommonAnalysisPlugin
java.version=11
opensearch.version={OS_VERSION}
custom.foldername=
extended.plugins=
has.native.controller=false
"""

KC_VERSION = "26.7.3"
KC_ZIP_URL = (
    "https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/"
    f"{KC_VERSION}/keycloak-quarkus-dist-{KC_VERSION}.zip"
)
#: the master realm's administrator (loopback only), created at the first start
KC_ADMIN = {"username": "admin", "password": "admin"}
KC_REALM_FILE = ROOT / "tests" / "oidc" / "realm.json"
#: the realm attribute that says which realm.json the imported realm came from
KC_REALM_STAMP = "gedRealmFileSha256"
S3PROXY_VERSION = "4.1.0"
S3PROXY_JAR_URL = (
    f"https://repo1.maven.org/maven2/org/gaul/s3proxy/{S3PROXY_VERSION}/"
    f"s3proxy-{S3PROXY_VERSION}-jar-with-dependencies.jar"
)
#: the S3 account of the tests and of a trial run (loopback only)
S3_CREDENTIALS = {"access_key": "ged-test", "secret_key": "ged-test-secret"}
#: written last by install_keycloak: an install without it was interrupted
KC_INSTALLED = ".ged-installed"


class Failure(Exception):
    """A one-line error for the user; main() prints it and exits non-zero."""


def say(msg):
    print(f"services: {msg}", file=sys.stderr, flush=True)


def describe(exc):
    if isinstance(exc, subprocess.CalledProcessError):
        return f"{' '.join(map(str, exc.cmd))} failed: {(exc.stderr or '').strip()}"
    return str(exc)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def as_service_user(cmd):
    # setpriv execs in place (runuser forks and waits), so Popen's pid is the server's.
    if not IS_ROOT:
        return cmd
    return ["setpriv", f"--reuid={SVC_USER}", f"--regid={SVC_USER}", "--init-groups", "--", *cmd]


def hand_to_service_user(path):
    """When root: create ged-svc if needed, give it path and traverse on path's ancestors."""
    if not IS_ROOT:
        return
    if subprocess.run(["id", SVC_USER], capture_output=True).returncode != 0:
        run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SVC_USER])
    run(["chown", "-R", f"{SVC_USER}:{SVC_USER}", str(path)])
    grant_traverse(path.parent)


def grant_traverse(path):
    # The project may live under a 0700 dir (/root, mktemp -d): let ged-svc pass through.
    for d in [path, *path.parents]:
        if not d.stat().st_mode & 0o001:
            run(["setfacl", "-m", f"u:{SVC_USER}:x", str(d)])


def pid_alive(pid_file, marker):
    """Pid from pid_file if that process is alive and its command line contains marker."""
    try:
        pid = int(pid_file.read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return None
    return pid if marker.encode() in cmdline else None


def has_live_thread(pid):
    """Whether any thread of pid still runs. Not pid_alive(): a JVM's cmdline empties
    before its last thread exits, and an exited server may stay a zombie until init reaps it."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return False
    for task in tasks:
        try:
            state = Path(f"/proc/{pid}/task/{task}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, IndexError):
            continue
        if state not in ("Z", "X"):
            return True
    return False


def spawn(cmd, log_file, pid_file, env=None):
    """Start cmd detached (own session, survives us), output appended to log_file."""
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True
        )
    pid_file.write_text(f"{proc.pid}\n")
    return proc


def download(url, dest):
    """Fetch url into dest once, verified against the .sha512 Maven Central publishes beside it."""
    if dest.exists():
        return
    say(f"downloading {url}")
    part = dest.with_name(dest.name + ".part")
    with urllib.request.urlopen(url, timeout=60) as resp, open(part, "wb") as out:
        shutil.copyfileobj(resp, out)
    with urllib.request.urlopen(url + ".sha512", timeout=60) as resp:
        expected = resp.read().decode().split()[0].lower()
    actual = hashlib.sha512(part.read_bytes()).hexdigest()
    if actual != expected:
        part.unlink()
        raise Failure(
            f"checksum mismatch for {url}: expected sha512 {expected}, got {actual}; file deleted"
        )
    part.rename(dest)


def cache_dir():
    # As root, stay out of /root (0700) so that ged-svc can read the install.
    if IS_ROOT:
        base = Path("/var/cache")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = base / "ged"
    path.mkdir(parents=True, exist_ok=True)
    return path


def install_opensearch():
    """OpenSearch unpacked in the cache with the analysis-common module; done once, atomically."""
    cache = cache_dir()
    home = cache / f"opensearch-{OS_VERSION}"
    with open(cache / ".lock", "w") as lock:  # several instances may start at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if home.exists():
            return home
        zip_file = cache / f"opensearch-{OS_VERSION}.zip"
        jar = cache / f"analysis-common-{OS_VERSION}.jar"
        download(OS_ZIP_URL, zip_file)
        download(ANALYSIS_JAR_URL, jar)
        tmp = Path(tempfile.mkdtemp(dir=cache))
        try:
            run(["unzip", "-q", str(zip_file), "-d", str(tmp)])
            module = tmp / home.name / "modules" / "analysis-common"
            module.mkdir()
            shutil.copy(jar, module)
            (module / "plugin-descriptor.properties").write_text(ANALYSIS_DESCRIPTOR)
            run(["chmod", "-R", "a+rX", str(tmp / home.name)])
            (tmp / home.name).rename(home)
        finally:
            shutil.rmtree(tmp)
    return home


def cached_jar(url, name):
    """The path of a jar from Maven Central, downloaded into the cache on first use (several
    test workers may ask at once: the cache lock makes one of them download it)."""
    cache = cache_dir()
    jar = cache / name
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        download(url, jar)
    return jar


def keycloak_java_home():
    """A JDK or JRE of Java 21 or newer (Keycloak 26 refuses older ones): $KEYCLOAK_JAVA_HOME,
    else the newest under /usr/lib/jvm (a Temurin JDK on the project's machines, or
    what scripts/bootstrap.sh installed from Debian), else java on PATH."""
    if os.environ.get("KEYCLOAK_JAVA_HOME"):
        return os.environ["KEYCLOAK_JAVA_HOME"]
    candidates = [p for p in Path("/usr/lib/jvm").glob("*") if (p / "bin" / "java").exists()]
    java = shutil.which("java")
    if java:
        candidates.append(Path(java).resolve().parent.parent)
    found = [(java_major(home), home) for home in candidates]
    found = [(major, home) for major, home in found if major >= 21]
    if not found:
        raise Failure("keycloak needs Java 21 or newer (run scripts/bootstrap.sh)")
    return str(max(found, key=lambda pair: (pair[0], "temurin" in pair[1].name))[1])


def java_major(home):
    """The major version a Java install says in its `release` file (0 if it does not)."""
    try:
        text = (home / "release").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("JAVA_VERSION="):
            version = line.split("=", 1)[1].strip('"')
            major = version.split(".")[0]
            return int(major) if major.isdigit() else 0
    return 0


def keycloak_env(home, extra_java_opts=""):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "JAVA_HOME": keycloak_java_home(),
        # A small heap: the realm of the tests has a handful of users.
        "JAVA_OPTS_KC_HEAP": "-Xms64m -Xmx512m",
        # C1 only: a server that lives for one test run gains nothing from C2's slow
        # optimisations, and starts faster without them.
        "JAVA_OPTS_APPEND": f"-XX:TieredStopAtLevel=1 {extra_java_opts}".strip(),
        "KC_BOOTSTRAP_ADMIN_USERNAME": KC_ADMIN["username"],
        "KC_BOOTSTRAP_ADMIN_PASSWORD": KC_ADMIN["password"],
    }


def keycloak_start_args(home, port, db_dir, work_dir):
    """`kc.sh start` on loopback, its H2 database in db_dir, its transaction log in work_dir."""
    return [
        str(home / "bin" / "kc.sh"),
        "start",
        "--optimized",
        "--http-enabled=true",
        "--http-host=127.0.0.1",
        f"--http-port={port}",
        # Fixed, so that the issuer in tokens is the same whoever asks (browser or ged).
        f"--hostname=http://127.0.0.1:{port}",
        "--cache=local",
        f"--db-url=jdbc:h2:file:{db_dir}/keycloakdb;NON_KEYWORDS=VALUE",
        # Not in the shared install: each instance writes its own.
        f"-Dquarkus.transaction-manager.object-store.directory={work_dir / 'transaction-logs'}",
    ]


def install_keycloak():
    """Keycloak unpacked in the cache and built once for its file database (`kc.sh build`,
    so that every start is --optimized), then started once to leave (1) a database with the
    master realm and its administrator already created, which each instance copies, and
    (2) a class-data archive of the JVM: both halve the start of every instance."""
    cache = cache_dir()
    home = cache / f"keycloak-{KC_VERSION}"
    # Its own lock: OpenSearch's install must not wait for this one.
    with open(cache / ".keycloak.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (home / KC_INSTALLED).exists():
            return home
        shutil.rmtree(home, ignore_errors=True)  # an install interrupted half-way
        zip_file = cache / f"keycloak-quarkus-dist-{KC_VERSION}.zip"
        download(KC_ZIP_URL, zip_file)
        tmp = Path(tempfile.mkdtemp(dir=cache))
        try:
            run(["unzip", "-q", str(zip_file), "-d", str(tmp)])
            (tmp / home.name).rename(home)
        finally:
            shutil.rmtree(tmp)
        say("keycloak: kc.sh build, once per install (about a minute)")
        run([str(home / "bin" / "kc.sh"), "build", "--db=dev-file"], env=keycloak_env(home))
        # In place, after the rename: the class-data archive is bound to the install's path.
        train_keycloak(home)
        run(["chmod", "-R", "a+rX", str(home)])
        (home / KC_INSTALLED).write_text(f"{KC_VERSION}\n")
    return home


def train_keycloak(home):
    """Start the new install once and stop it: see install_keycloak."""
    port = free_loopback_port()
    work = Path(tempfile.mkdtemp(dir=home))
    archive = f"-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile={home / 'keycloak.jsa'}"
    cmd = keycloak_start_args(home, port, home / "template-db", work)
    say("keycloak: first start, for the database template and the JVM's class archive")
    proc = spawn(cmd, work / "keycloak.log", work / "keycloak.pid", keycloak_env(home, archive))
    try:
        deadline = time.monotonic() + 600
        while not keycloak_answers(f"http://127.0.0.1:{port}", "master"):
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (work / "keycloak.log").read_text(errors="replace")[-3000:]
                raise Failure(f"keycloak: the first start failed:\n{log}")
            time.sleep(0.5)
        keycloak_admin_token(f"http://127.0.0.1:{port}")  # the admin exists: the template has it
    finally:
        proc.send_signal(signal.SIGTERM)  # the archive is written as the JVM exits
        proc.wait(timeout=120)
        shutil.rmtree(work)


def free_loopback_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keycloak_answers(url, realm):
    """Whether the realm's discovery document is served (503 while Keycloak boots)."""
    try:
        with urllib.request.urlopen(
            f"{url}/realms/{realm}/.well-known/openid-configuration", timeout=3
        ) as resp:
            return resp.status == 200
    except (OSError, ValueError):
        return False


def keycloak_admin_token(url):
    form = {"grant_type": "password", "client_id": "admin-cli", **KC_ADMIN}
    body = urllib.parse.urlencode(form).encode()
    token_url = f"{url}/realms/master/protocol/openid-connect/token"
    with urllib.request.urlopen(token_url, data=body, timeout=10) as resp:
        return json.load(resp)["access_token"]


def keycloak_admin(url, token, method, path, body=None):
    """One call of Keycloak's admin REST API; the decoded JSON answer, or None."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{url}/admin/realms{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        payload = resp.read()
    return json.loads(payload) if payload else None


def java_home():
    if os.environ.get("OPENSEARCH_JAVA_HOME"):
        return os.environ["OPENSEARCH_JAVA_HOME"]
    java = shutil.which("java")
    if not java:
        raise Failure("opensearch needs java on PATH (run scripts/bootstrap.sh)")
    return str(Path(java).resolve().parent.parent)


def machine_memory():
    """Bytes of memory processes may use here: the machine's, or its cgroup's limit if lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


def opensearch_heap_mb(memory):
    """The heap, in MiB, of an OpenSearch given ``memory`` bytes.

    A quarter: OpenSearch reads its index files through the page cache, which needs
    the rest as much as the heap does, and ged, its workers and PostgreSQL run beside
    it. At least the tests' 512 MiB; at most 31 GiB, past which the JVM loses its
    compressed object pointers."""
    return max(512, min(31 * 1024, memory // 4 // 2**20))


def postgres_bin(tool):
    # Debian's newest versioned dir, not wrappers such as /usr/local/bin/pg_ctl.
    found = [
        p for p in Path("/usr/lib/postgresql").glob("*/bin/postgres") if p.parents[1].name.isdigit()
    ]
    if not found:
        raise Failure(
            "postgres binaries not found in /usr/lib/postgresql (run scripts/bootstrap.sh)"
        )
    return max(found, key=lambda p: int(p.parents[1].name)).parent / tool


class Service:
    name = marker = url = ""
    stop_signal = signal.SIGTERM
    timeout = 60

    def __init__(self, instance, profile, offset):
        self.profile = profile
        self.instance = instance
        self.port = PORTS[profile][self.name] + offset
        self.dir = ROOT / "var" / instance / self.name
        self.log = self.dir / f"{self.name}.log"
        self.pid_file = self.dir / f"{self.name}.pid"

    def up(self):
        """Clients can use the service at self.url."""
        raise NotImplementedError

    def start(self):
        """Spawn the server; return its Popen."""
        raise NotImplementedError

    def ready(self):
        """The server accepts requests (maybe before provision())."""
        return self.up()

    def provision(self):
        """Create what clients expect once the server is ready."""

    def pid(self):
        return pid_alive(self.pid_file, self.marker)

    def urls(self):
        """What `ensure` prints for this service."""
        return {URL_KEYS[self.name]: self.url}

    def ensure(self):
        if self.up():
            say(f"{self.name}: reusing {self.url}")
            return
        proc = None
        if not self.pid():  # else still starting from an earlier call: wait for it
            say(f"{self.name}: starting on port {self.port} (log {self.log})")
            self.dir.mkdir(parents=True, exist_ok=True)
            try:
                proc = self.start()
            except (OSError, subprocess.CalledProcessError) as exc:
                raise Failure(f"{self.name}: {describe(exc)}; see {self.log}") from exc
        self.wait_ready(proc)
        self.provision()
        if not self.up():
            raise Failure(f"{self.name} is running but not usable at {self.url}; see {self.log}")

    def wait_ready(self, proc):
        start = time.monotonic()
        while not self.ready():
            # Our own child is polled: until it execs, its cmdline is still ours.
            if (proc.poll() is not None) if proc else not self.pid():
                raise Failure(f"{self.name} exited during startup; see {self.log}")
            if time.monotonic() - start > self.timeout:
                raise Failure(f"{self.name} not ready after {self.timeout}s; see {self.log}")
            time.sleep(0.25)
        say(f"{self.name}: ready in {time.monotonic() - start:.1f}s at {self.url}")

    def stop(self):
        pid = self.pid()
        if not pid:
            say(f"{self.name}: not running (or not started by this script)")
            return
        os.kill(pid, self.stop_signal)
        deadline = time.monotonic() + 30
        while has_live_thread(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if has_live_thread(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        say(f"{self.name}: stopped (pid {pid})")


class Redis(Service):
    name = "redis"
    marker = "redis-server"
    timeout = 20

    def __init__(self, *args):
        super().__init__(*args)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def up(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        # Not daemonized: Popen gives the pid and captures the log. No persistence:
        # Redis carries work, not state.
        options = {"port": self.port, "bind": "127.0.0.1", "dir": self.dir, "save": ""}
        options.update(appendonly="no", daemonize="no")
        cmd = ["redis-server", *(arg for k, v in options.items() for arg in (f"--{k}", str(v)))]
        return spawn(cmd, self.log, self.pid_file)


class OpenSearch(Service):
    """The single node of the quickstart and of most tests."""

    name = "opensearch"
    timeout = 180

    @property
    def java_opts(self):
        if self.profile == "test":
            # Many test instances may share a machine, each on small indices: a fixed heap.
            return "-Xms512m -Xmx512m"
        heap = opensearch_heap_mb(machine_memory())
        return f"-Xms{heap}m -Xmx{heap}m"

    def __init__(self, *args):
        super().__init__(*args)
        self.cluster_name = f"ged-{self.instance}"
        # The setting that names this process, passed last: the last argument of both the
        # launcher script and the java process it execs (self.marker).
        self.identity = ("cluster.name", self.cluster_name)
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def marker(self):
        return "=".join(self.identity) + "\0"

    def up(self):
        try:
            with urllib.request.urlopen(f"{self.url}/_cluster/health", timeout=2) as resp:
                health = json.load(resp)
        except (OSError, ValueError):
            return False
        return health.get("cluster_name") == self.cluster_name and health.get("status") in (
            "yellow",
            "green",
        )

    def discovery(self):
        """The settings by which this node finds its cluster."""
        return {"discovery.type": "single-node"}

    def start(self):
        home = install_opensearch()
        conf = self.config_copy(home)
        for sub in ("data", "logs", "tmp"):
            (self.dir / sub).mkdir(exist_ok=True)
        hand_to_service_user(self.dir)
        if IS_ROOT:
            grant_traverse(home)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.dir),
            "LANG": "C.UTF-8",
            "OPENSEARCH_JAVA_HOME": java_home(),
            "OPENSEARCH_JAVA_OPTS": self.java_opts,
            "OPENSEARCH_PATH_CONF": str(conf),
            "OPENSEARCH_TMPDIR": str(self.dir / "tmp"),
        }
        settings = {
            **self.discovery(),
            "http.host": "127.0.0.1",
            "transport.host": "127.0.0.1",
            "http.port": self.port,
            "transport.port": self.port + 100,
            "path.data": self.dir / "data",
            "path.logs": self.dir / "logs",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            "cluster.name": self.cluster_name,
        }
        key, value = self.identity
        settings.pop(key, None)
        settings[key] = value  # last: see self.marker
        args = [arg for key, value in settings.items() for arg in ("-E", f"{key}={value}")]
        cmd = as_service_user([str(home / "bin" / "opensearch"), *args])
        return spawn(cmd, self.log, self.pid_file, env)

    def config_copy(self, home):
        """A per-instance config dir, so that the shared install is never written to."""
        conf = self.dir / "config"
        if not conf.exists():
            shutil.copytree(home / "config", conf)
            # jvm.options paths are relative to the install dir (the launcher cd's there).
            options = conf / "jvm.options"
            text = options.read_text()
            text = text.replace("HeapDumpPath=data", f"HeapDumpPath={self.dir / 'data'}")
            text = text.replace("logs/", f"{self.dir / 'logs'}/")
            options.write_text(text)
        return conf


class OpenSearchNode(OpenSearch):
    """Node `number` (1 to CLUSTER_SIZE) of the opensearch-cluster service, in
    var/<instance>/opensearch-cluster/node-<number>/."""

    name = "opensearch-cluster"
    # C1 only: a test node serves small indices for one run, and starts faster without C2's
    # slow optimisations (a node's restart into the cluster: 11 s rather than 18 s here).
    java_opts = "-Xms384m -Xmx512m -XX:TieredStopAtLevel=1"

    def __init__(self, instance, profile, offset, number):
        super().__init__(instance, profile, offset)
        self.name = f"opensearch-cluster node {number}"
        self.port += number - 1
        self.dir = self.dir / f"node-{number}"
        self.log = self.dir / "opensearch.log"
        self.pid_file = self.dir / "opensearch.pid"
        self.url = f"http://127.0.0.1:{self.port}"
        self.cluster_name = f"ged-{instance}-cluster"
        self.node_name = f"{self.cluster_name}-{number}"
        self.identity = ("node.name", self.node_name)
        self.first_port = self.port - (number - 1)

    def discovery(self):
        ports = range(self.first_port, self.first_port + CLUSTER_SIZE)
        names = [f"{self.cluster_name}-{number}" for number in range(1, CLUSTER_SIZE + 1)]
        return {
            "discovery.seed_hosts": ",".join(f"127.0.0.1:{port + 100}" for port in ports),
            # Read only at the cluster's first start, from empty data directories.
            "cluster.initial_cluster_manager_nodes": ",".join(names),
        }


class OpenSearchCluster(Service):
    """The CLUSTER_SIZE nodes of one cluster: see the module's docstring."""

    name = "opensearch-cluster"
    timeout = 180

    def __init__(self, *args):
        super().__init__(*args)
        self.nodes = [OpenSearchNode(*args, number) for number in range(1, CLUSTER_SIZE + 1)]
        self.url = ",".join(node.url for node in self.nodes)

    def up(self):
        """Every node answers, green or yellow, in a cluster of all of them."""
        return all(node.up() and cluster_size(node.url) == CLUSTER_SIZE for node in self.nodes)

    def ensure(self):
        if self.up():
            say(f"{self.name}: reusing {self.url}")
            return
        # At once: the first start elects a cluster manager only once most nodes are up.
        cmd_ensure(self.nodes, quiet=True)
        start = time.monotonic()
        while not self.up():
            if time.monotonic() - start > self.timeout:
                raise Failure(f"{self.name}: no cluster of {CLUSTER_SIZE} nodes at {self.url}")
            time.sleep(0.25)

    def pid(self):
        pids = [str(pid) for pid in (node.pid() for node in self.nodes) if pid]
        return ", ".join(pids) or None

    def stop(self):
        for node in self.nodes:
            node.stop()

    def urls(self):
        return {"opensearch_urls": [node.url for node in self.nodes]}


def cluster_size(url):
    """The number of nodes the node at url counts in its cluster (0 if it does not answer)."""
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=2) as resp:
            return json.load(resp).get("number_of_nodes", 0)
    except (OSError, ValueError):
        return 0


class Postgres(Service):
    name = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown: does not wait for clients to leave

    def __init__(self, *args):
        super().__init__(*args)
        self.marker = str(postgres_bin("postgres"))
        self.data = self.dir / "data"
        self.url = f"postgresql+psycopg://ged:ged@127.0.0.1:{self.port}/ged"

    def psql(self, url, sql):
        env = {**os.environ, "PGCONNECT_TIMEOUT": "3"}
        return subprocess.run(
            [str(postgres_bin("psql")), "-XAtq", "-v", "ON_ERROR_STOP=1", url],
            input=sql,
            env=env,
            capture_output=True,
            text=True,
        )

    def up(self):
        result = self.psql(f"postgresql://ged:ged@127.0.0.1:{self.port}/ged", "select 1")
        return result.returncode == 0 and result.stdout.strip() == "1"

    def ready(self):
        cmd = [str(postgres_bin("pg_isready")), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        return subprocess.run(cmd).returncode == 0

    def start(self):
        hand_to_service_user(self.dir)
        if not (self.data / "PG_VERSION").exists():
            say("postgres: initdb")
            initdb = [str(postgres_bin("initdb")), "-D", str(self.data), "-U", "postgres"]
            run(as_service_user([*initdb, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]))
        # A unix socket path is limited to 107 bytes: deep checkouts get TCP only.
        sockets = str(self.dir) if len(str(self.dir)) < 90 else ""
        options = {
            "listen_addresses": "127.0.0.1",
            "port": self.port,
            "unix_socket_directories": sockets,
        }
        if self.profile == "test":  # throwaway data: trade durability for speed
            options.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        args = [arg for key, value in options.items() for arg in ("-c", f"{key}={value}")]
        cmd = as_service_user([str(postgres_bin("postgres")), "-D", str(self.data), *args])
        return spawn(cmd, self.log, self.pid_file)

    def provision(self):
        # CREATEDB: tests create one database per pytest-xdist worker.
        # pg_signal_backend: DROP DATABASE … WITH (FORCE) at the end of a run must also end
        # an autovacuum worker that happens to be in that database, which has no role.
        sql = """
            SELECT 'CREATE ROLE ged' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ged')\\gexec
            ALTER ROLE ged LOGIN CREATEDB PASSWORD 'ged';
            GRANT pg_signal_backend TO ged;
            SELECT 'CREATE DATABASE ged OWNER ged'
              WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ged')\\gexec
        """
        result = self.psql(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", sql)
        if result.returncode != 0:
            raise Failure(f"postgres: creating role/database ged failed: {result.stderr.strip()}")


class Tsa(Service):
    name = "tsa"
    marker = "tsa_server.py"
    timeout = 30

    def __init__(self, *args):
        super().__init__(*args)
        self.url = f"http://127.0.0.1:{self.port}/"

    def said(self):
        """What the TSA answers to GET /: its banner, then ``ca_file: PATH``; None if down."""
        try:
            with urllib.request.urlopen(self.url, timeout=2) as resp:
                text = resp.read(4096).decode("utf-8", "replace")
        except OSError:
            return None
        return text if text.startswith("ged test TSA") else None

    def up(self):
        return self.said() is not None

    def start(self):
        if not shutil.which("openssl"):
            raise Failure("the tsa needs openssl on PATH (run scripts/bootstrap.sh)")
        script = ROOT / "scripts" / "tsa_server.py"
        name = f"ged test TSA {self.instance}"
        cmd = [sys.executable, str(script), "--dir", str(self.dir), "--port", str(self.port)]
        return spawn([*cmd, "--name", name], self.log, self.pid_file)

    def urls(self):
        # The CA its certificate chains to (ged's [audit] tsa_ca_file), as the running TSA
        # says: one reused from another checkout keeps its PKI there.
        lines = (self.said() or "").splitlines()
        ca_file = next((line[9:] for line in lines if line.startswith("ca_file: ")), "")
        return {"tsa_url": self.url, "tsa_ca_file": ca_file}


class Keycloak(Service):
    name = "keycloak"
    timeout = 300  # the first start of an instance creates its database

    def __init__(self, *args):
        super().__init__(*args)
        # The last argument of kc.sh (whose pid is in the pid file) and of its java.
        self.marker = f"-Dged.instance={self.instance}"
        self.url = f"http://127.0.0.1:{self.port}"
        self.realm_stamp = hashlib.sha256(KC_REALM_FILE.read_bytes()).hexdigest()

    def ready(self):
        return keycloak_answers(self.url, "master")

    def up(self):
        """Answering, with the realm of the current tests/oidc/realm.json."""
        if not keycloak_answers(self.url, "ged"):
            return False
        try:
            realm = keycloak_admin(self.url, keycloak_admin_token(self.url), "GET", "/ged")
        except (OSError, ValueError):
            return False
        return (realm.get("attributes") or {}).get(KC_REALM_STAMP) == self.realm_stamp

    def start(self):
        home = install_keycloak()
        database = self.dir / "h2"
        if not database.exists():
            shutil.copytree(home / "template-db", database)
        archive = f"-XX:SharedArchiveFile={home / 'keycloak.jsa'} -Xshare:auto"
        cmd = [*keycloak_start_args(home, self.port, database, self.dir), self.marker]
        return spawn(cmd, self.log, self.pid_file, keycloak_env(home, archive))

    def pid(self):
        return pid_alive(self.pid_file, self.marker + "\0")

    def provision(self):
        """(Re-)import the realm when it is missing or older than realm.json: the tests'
        users, groups and clients are the file's, whatever an earlier run left."""
        if self.up():
            return
        token = keycloak_admin_token(self.url)
        realm = json.loads(KC_REALM_FILE.read_text())
        realm.setdefault("attributes", {})[KC_REALM_STAMP] = self.realm_stamp
        with contextlib.suppress(urllib.error.HTTPError):  # 404: not imported yet
            keycloak_admin(self.url, token, "DELETE", "/ged")
        say(f"keycloak: importing the realm of {KC_REALM_FILE.relative_to(ROOT)}")
        keycloak_admin(self.url, token, "POST", "", realm)

    def urls(self):
        return {
            "keycloak_url": self.url,
            "oidc_issuer": f"{self.url}/realms/ged",
            "keycloak_admin_username": KC_ADMIN["username"],
            "keycloak_admin_password": KC_ADMIN["password"],
        }


#: the account of the functional mailbox of the tests and of a trial run (loopback only)
DOVECOT_USER = {"username": "courrier", "password": "courrier"}
#: an account whose sessions announce bare IMAP4rev1 once logged in, as older servers do:
#: no MOVE, so ged's COPY path is what moves its messages
DOVECOT_USER_WITHOUT_MOVE = {"username": "courrier-ancien", "password": "courrier-ancien"}
DOVECOT_CONF = """\
instance_name = ged-{instance}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
auth_mechanisms = plain login
disable_plaintext_auth = yes
mail_location = maildir:{dir}/mail/%u
mail_uid = {user}
mail_gid = {group}
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  # passwd-file for its extra fields: a setting of one account (imap_capability)
  driver = passwd-file
  args = username_format=%u {dir}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
service stats {{
  user = {user}
}}
service imap {{
  user = {user}
}}
"""


class Dovecot(Service):
    name = "dovecot"
    timeout = 30

    def __init__(self, *args):
        super().__init__(*args)
        self.conf = self.dir / "dovecot.conf"
        # The master's command line: `dovecot -F -c <conf>`.
        self.marker = str(self.conf)
        self.url = f"imap://127.0.0.1:{self.port}"

    def up(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                return sock.recv(256).startswith(b"* OK")
        except OSError:
            return False

    def start(self):
        dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not Path(dovecot).exists():
            raise Failure("dovecot is not installed (run scripts/bootstrap.sh)")
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir(exist_ok=True)
        if not (self.dir / "cert.pem").exists():
            run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650"]
                + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
                + ["-keyout", str(self.dir / "key.pem"), "-out", str(self.dir / "cert.pem")]
            )
        account = SVC_USER if IS_ROOT else run(["id", "-un"]).stdout.strip()
        group = SVC_USER if IS_ROOT else run(["id", "-gn"]).stdout.strip()
        # passwd-file lines: name:password:uid:gid:gecos:home:shell:extra fields
        ids = f"{pwd.getpwnam(account).pw_uid}:{grp.getgrnam(group).gr_gid}"
        lines = [
            f"{user['username']}:{user['password']}:{ids}::{self.dir}/mail/{user['username']}::{extra}"
            for user, extra in [
                (DOVECOT_USER, ""),
                (DOVECOT_USER_WITHOUT_MOVE, "userdb_imap_capability=IMAP4rev1"),
            ]
        ]
        (self.dir / "passwd").write_text("\n".join(lines) + "\n")
        self.conf.write_text(
            DOVECOT_CONF.format(
                instance=self.instance,
                dir=self.dir,
                user=account,
                group=group,
                port=self.port,
                imaps_port=self.port + 1,
            )
        )
        hand_to_service_user(self.dir)
        cmd = as_service_user([dovecot, "-F", "-c", str(self.conf)])
        return spawn(cmd, self.log, self.pid_file)

    def urls(self):
        return {
            "imap_host": "127.0.0.1",
            "imap_port": self.port,
            "imaps_port": self.port + 1,
            "imap_username": DOVECOT_USER["username"],
            "imap_password": DOVECOT_USER["password"],
            "imap_username_without_move": DOVECOT_USER_WITHOUT_MOVE["username"],
            "imap_password_without_move": DOVECOT_USER_WITHOUT_MOVE["password"],
            "imap_ca_file": str(self.served_certificate()),
        }

    def served_certificate(self):
        """The certificate the running Dovecot presents, which is its own CA (self-signed):
        one reused from another checkout keeps its certificate there, as the TSA its PKI."""
        served = self.dir / "served-cert.pem"
        pem = ssl.get_server_certificate(("127.0.0.1", self.port + 1), timeout=10)
        if not served.exists() or served.read_text() != pem:
            self.dir.mkdir(parents=True, exist_ok=True)
            served.write_text(pem)
        return served


class S3Proxy(Service):
    """A real S3 server (s3proxy, jclouds' filesystem backend under var/<instance>/s3proxy),
    for the S3 blob store's tests; buckets are the tests' to create."""

    name = "s3proxy"
    timeout = 60

    def __init__(self, *args):
        super().__init__(*args)
        self.conf = self.dir / "s3proxy.conf"
        self.marker = str(self.conf)
        self.url = f"http://127.0.0.1:{self.port}"

    def up(self):
        # Anonymous: s3proxy answers 403 (AccessDenied) with its own XML error document.
        try:
            urllib.request.urlopen(self.url + "/", timeout=2).close()
        except urllib.error.HTTPError as exc:
            return exc.code == 403 and b"<Error>" in exc.read(4096)
        except OSError:
            return False
        return False

    def start(self):
        # All its dependencies inside.
        jar = cached_jar(S3PROXY_JAR_URL, f"s3proxy-{S3PROXY_VERSION}.jar")
        (self.dir / "data").mkdir(exist_ok=True)
        settings = {
            "s3proxy.endpoint": self.url,
            "s3proxy.authorization": "aws-v2-or-v4",
            "s3proxy.identity": S3_CREDENTIALS["access_key"],
            "s3proxy.credential": S3_CREDENTIALS["secret_key"],
            "jclouds.provider": "filesystem",
            "jclouds.filesystem.basedir": str(self.dir / "data"),
        }
        self.conf.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        java = str(Path(java_home()) / "bin" / "java")
        cmd = [java, "-Xmx256m", "-jar", str(jar), "--properties", str(self.conf)]
        return spawn(cmd, self.log, self.pid_file)

    def urls(self):
        return {
            "s3_endpoint": self.url,
            "s3_access_key": S3_CREDENTIALS["access_key"],
            "s3_secret_key": S3_CREDENTIALS["secret_key"],
        }


CLASSES = {
    "opensearch": OpenSearch,
    "opensearch-cluster": OpenSearchCluster,
    "redis": Redis,
    "postgres": Postgres,
    "tsa": Tsa,
    "keycloak": Keycloak,
    "dovecot": Dovecot,
    "s3proxy": S3Proxy,
}
URL_KEYS = {"opensearch": "opensearch_url", "redis": "redis_url", "postgres": "database_url"}


@contextlib.contextmanager
def locked(instance):
    """Hold var/<instance>/.lock so that concurrent callers (xdist workers) start nothing twice."""
    path = ROOT / "var" / instance / ".lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for {path}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def cmd_ensure(services, quiet=False):
    """Start every service at once (OpenSearch and Keycloak each take seconds of JVM
    start-up) and wait for all; one that fails does not stop the others."""
    failures = []

    def ensure(svc):
        try:
            svc.ensure()
        except (Failure, OSError, subprocess.CalledProcessError) as exc:
            failures.append(describe(exc))

    threads = [threading.Thread(target=ensure, args=(svc,)) for svc in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise Failure("; ".join(failures))
    if not quiet:
        print(json.dumps({key: url for svc in services for key, url in svc.urls().items()}))


def cmd_stop(services):
    for svc in services:
        svc.stop()


def cmd_status(services):
    all_up = True
    for svc in services:
        up = svc.up()
        all_up &= up
        pid = svc.pid()
        owner = f"  (pid {pid})" if pid else "  (not started by this script)" if up else ""
        print(f"{svc.name:<18} {'up' if up else 'down':<5} {svc.url}{owner}")
    return 0 if all_up else 1


def cmd_check():
    missing = [
        tool
        for tool in ("java", "redis-server", "unzip", "tesseract", "openssl", "dovecot")
        if not shutil.which(tool)
    ]
    try:
        keycloak_java_home()
    except Failure as exc:
        missing.append(str(exc))
    if IS_ROOT:
        missing += [tool for tool in ("setfacl", "setpriv") if not shutil.which(tool)]
    try:
        tools = [postgres_bin(tool) for tool in ("postgres", "initdb", "pg_isready", "psql")]
        missing += [str(tool) for tool in tools if not tool.exists()]
    except Failure as exc:
        missing.append(str(exc))
    if shutil.which("tesseract"):
        langs = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True
        ).stdout.split()
        missing += [f"tesseract language {lang}" for lang in ("fra", "eng") if lang not in langs]
    for item in missing:
        print(f"missing: {item}")
    if not missing:
        print("all tools present")
    return 1 if missing else 0


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, nargs in (("ensure", "+"), ("stop", "*"), ("status", "*")):
        cmd = sub.add_parser(name)
        cmd.add_argument("--profile", choices=PORTS, default="dev")
        cmd.add_argument(
            "--instance", help="separate data dir and cluster (default: the profile name)"
        )
        cmd.add_argument(
            "--port-offset", type=int, default=0, help="added to every port of the profile"
        )
        # Checked by hand: argparse rejects an empty "*" list when given choices=.
        cmd.add_argument("services", nargs=nargs, metavar="SERVICE", help=" | ".join(SERVICES))
        if name == "stop":
            cmd.add_argument(
                "--node",
                type=int,
                choices=range(1, CLUSTER_SIZE + 1),
                help="only this node of opensearch-cluster (the only service named)",
            )
    sub.add_parser("check")
    args = parser.parse_args(argv)
    if args.command != "check":
        for name in set(args.services) - set(SERVICES):
            parser.error(f"unknown service {name!r} (choose from {', '.join(SERVICES)})")
        if getattr(args, "node", None) and args.services != ["opensearch-cluster"]:
            parser.error("--node goes with opensearch-cluster, named alone")
        args.instance = args.instance or args.profile
        if not args.instance.replace("-", "").replace("_", "").isalnum():
            parser.error("--instance must be letters, digits, - or _")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.command == "check":
        return cmd_check()
    try:
        services = [
            CLASSES[name](args.instance, args.profile, args.port_offset)
            for name in args.services or SERVICES
        ]
        if args.command == "status":
            return cmd_status(services)
        if getattr(args, "node", None):
            services = [services[0].nodes[args.node - 1]]
        with locked(args.instance):
            (cmd_ensure if args.command == "ensure" else cmd_stop)(services)
    except (Failure, OSError, subprocess.CalledProcessError) as exc:
        print(f"services: error: {describe(exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
