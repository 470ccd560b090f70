#!/usr/bin/env bash
# Install what ged needs on a Debian 12 machine, then the Python venv.
# Idempotent and fast when everything is already present: apt-get runs only
# when a package is missing, pip only when pyproject.toml or requirements.lock changed.
# Python packages come from requirements.lock, pinned with their hashes (scripts/lock.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PACKAGES=(redis-server postgresql tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng tesseract-ocr-osd
          libmagic1 acl curl unzip
          openssl poppler-utils ghostscript qpdf  # time-stamping authority of the tests; PDF/A checks
          dovecot-core dovecot-imapd  # the IMAP server of the functional mailboxes' tests
          chromium fonts-dejavu-core  # the web UI's browser tests (Playwright drives it)
          nginx  # deploy/nginx/ged.conf checked (nginx -t) and run in front of ged by the tests
          systemd)  # systemd-analyze checks deploy/systemd (a container image may lack it)
# OpenSearch needs a JDK; keep whatever java the machine already has.
command -v java >/dev/null 2>&1 || PACKAGES+=(openjdk-17-jre-headless)
# Keycloak (the OpenID provider of the tests) needs Java 21 or newer: the project's machines
# have a Temurin JDK under /usr/lib/jvm; elsewhere, Debian's newest if it has one (Debian 13
# has 21 and 25, Debian 12 only 17). scripts/services.py picks it (keycloak_java_home).
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
if ! grep -Eqs '^JAVA_VERSION="(2[1-9]|[3-9][0-9])' /usr/lib/jvm/*/release; then
    $SUDO apt-get update -qq
    for pkg in openjdk-25-jre-headless openjdk-21-jre-headless; do
        if apt-cache policy "$pkg" | grep -Eq 'Candidate: [0-9]'; then
            PACKAGES+=("$pkg")
            break
        fi
    done
fi
# Debian splits venv/ensurepip out of the interpreter.
python3 -c 'import ensurepip, venv' 2>/dev/null || PACKAGES+=(python3-venv)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done

if ((${#missing[@]})); then
    echo "bootstrap: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
    echo "bootstrap: system packages present" >&2
fi

if [[ ! -x .venv/bin/python ]]; then
    echo "bootstrap: creating .venv" >&2
    python3 -m venv .venv
fi

if [[ ! -f pyproject.toml ]]; then
    echo "bootstrap: no pyproject.toml yet, skipping pip install" >&2
    exit 0
fi

# Reinstall only when the dependency declaration or the lock changed.
stamp=.venv/.ged-installed
hash="$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)"
if [[ -f $stamp && "$(cat "$stamp")" == "$hash" ]]; then
    echo "bootstrap: .venv up to date" >&2
else
    echo "bootstrap: pip install -r requirements.lock (hashes checked), then ged itself" >&2
    .venv/bin/pip install -q --require-hashes --no-deps -r requirements.lock >&2
    # ged's own code, editable, with nothing fetched: its dependencies and its build
    # backend are already installed from the lock above.
    .venv/bin/pip install -q --no-deps --no-build-isolation -e . >&2
    echo "$hash" >"$stamp"
fi
