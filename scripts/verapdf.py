#!/usr/bin/env python3
"""veraPDF, the PDF/A validator of the tests: its command-line jar from Maven Central,
downloaded once into the same cache as OpenSearch, checked against its published SHA-512.

Stdlib only, like services.py, whose download and cache it shares.

    verapdf.py install            download it (once) and print the jar's path
    verapdf.py validate FILE...   validate as PDF/A-2b; prints veraPDF's JSON report,
                                  exits 0 when every file is compliant
"""

import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from services import Failure, cached_jar  # noqa: E402

VERSION = "1.28.2"
# greenfield-apps is self-contained (its dependencies are shaded in): one jar to fetch.
JAR_URL = (
    "https://repo1.maven.org/maven2/org/verapdf/apps/greenfield-apps/"
    f"{VERSION}/greenfield-apps-{VERSION}.jar"
)
# The jar's manifest starts the GUI; this is its command-line entry point.
MAIN_CLASS = "org.verapdf.apps.GreenfieldCliWrapper"


def install():
    """The path of the veraPDF jar, downloaded on first use."""
    return cached_jar(JAR_URL, f"verapdf-greenfield-apps-{VERSION}.jar")


def command(*files, flavour="2b"):
    """The command line validating ``files`` as PDF/A ``flavour``, with a JSON report."""
    java = shutil.which("java")
    if java is None:
        raise Failure("veraPDF needs java on PATH (run scripts/bootstrap.sh)")
    return [
        java,
        "-Xss8m",  # deep PDF object trees overflow the default thread stack
        "-cp",
        str(install()),
        MAIN_CLASS,
        "--flavour",
        flavour,
        "--format",
        "json",
        *map(str, files),
    ]


def main(argv):
    if argv[:1] == ["install"] and len(argv) == 1:
        print(install())
        return 0
    if argv[:1] == ["validate"] and len(argv) > 1:
        return subprocess.run(command(*argv[1:])).returncode
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Failure as exc:
        print(f"verapdf: error: {exc}", file=sys.stderr)
        sys.exit(1)
