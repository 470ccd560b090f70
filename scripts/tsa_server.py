#!/usr/bin/env python3
"""A local RFC 3161 time-stamping authority for tests and trials: `openssl ts -reply` over HTTP.

Stdlib and the openssl command only, like scripts/services.py, which starts it:

    tsa_server.py --dir DIR --port PORT [--name NAME]

On first start it makes, under DIR/pki/, a test CA (ca.pem: what ged's
[audit] tsa_ca_file names) and a TSA certificate it signs (extendedKeyUsage
critical timeStamping, as RFC 3161 requires), and the `openssl ts` configuration.
Then it answers POST application/timestamp-query with application/timestamp-reply
on 127.0.0.1:PORT, and GET / with a line naming itself and one naming its CA file
(what services.py polls and reports: a TSA started from another checkout has its own).
Each DIR is its own authority: a second one, with another DIR, is a TSA the first
one's CA does not trust.
"""

import argparse
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

QUERY, REPLY = "application/timestamp-query", "application/timestamp-reply"
#: what GET / answers, so that a port taken by something else is not mistaken for this
BANNER = "ged test TSA"
#: a time-stamp query is a hash and a nonce: a few hundred bytes
MAX_QUERY = 64 * 1024
# No `certs` (chain) in replies: OpenSSL writes the certificates' SET OF unsorted, which
# DER forbids and rfc3161-client refuses; the signer's certificate alone (certReq) is
# what a verifier needs besides the CA it trusts.
TS_CONFIG = """\
[tsa]
default_tsa = tsa_config

[tsa_config]
dir = {pki}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.4146.2.3
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
TSA_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(pki, name):
    """The CA, the TSA key and certificate, the serial file and the ts configuration;
    made in a temporary directory renamed into place, so a crash leaves none half made."""
    if (pki / "tsa.cnf").exists():
        return
    work = Path(tempfile.mkdtemp(prefix="pki.", dir=pki.parent))
    try:
        days = "3650"
        openssl(
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", days, "-subj", f"/O=ged tests/CN={name} CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=work,
        )  # fmt: skip
        openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
            "-subj", f"/O=ged tests/CN={name}",
            cwd=work,
        )  # fmt: skip
        (work / "tsa.ext").write_text(TSA_EXTENSIONS)
        openssl(
            "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", days, "-extfile", "tsa.ext", "-out", "tsa.pem",
            cwd=work,
        )  # fmt: skip
        (work / "serial").write_text("01\n")
        # Written last: its presence says the directory is complete.
        (work / "tsa.cnf").write_text(TS_CONFIG.format(pki=pki))
        work.rename(pki)
    finally:
        shutil.rmtree(work, ignore_errors=True)


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "ged-test-tsa/1"
    config: Path
    ca_file: Path
    #: `openssl ts -reply` rewrites the serial file: one reply at a time
    lock = threading.Lock()

    def do_GET(self):
        said = f"{BANNER}: POST {QUERY} here\nca_file: {self.ca_file}\n"
        self.answer(200, "text/plain", said.encode())

    def do_POST(self):
        if self.headers.get("Content-Type", "").split(";")[0].strip() != QUERY:
            self.answer(415, "text/plain", f"send {QUERY}\n".encode())
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_QUERY:
            self.answer(400, "text/plain", b"a time-stamp query of at most 64 KiB\n")
            return
        query = self.rfile.read(length)
        with tempfile.TemporaryDirectory() as work, self.lock:
            (Path(work) / "query.tsq").write_bytes(query)
            done = subprocess.run(
                ["openssl", "ts", "-reply", "-config", str(self.config), "-queryfile",
                 "query.tsq", "-out", "reply.tsr"],
                cwd=work, capture_output=True,
            )  # fmt: skip
            if done.returncode != 0:
                self.answer(400, "text/plain", done.stderr)
                return
            self.answer(200, REPLY, (Path(work) / "reply.tsr").read_bytes())

    def answer(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        sys.stderr.write(f"{self.log_date_time_string()} {format % args}\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="where the PKI is kept")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", default=BANNER, help="common name of the TSA certificate")
    args = parser.parse_args(argv)
    pki = args.dir.resolve() / "pki"
    make_pki(pki, args.name)
    Handler.config, Handler.ca_file = pki / "tsa.cnf", pki / "ca.pem"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"{BANNER} on http://127.0.0.1:{args.port}/, CA {pki / 'ca.pem'}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
