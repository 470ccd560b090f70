"""``ged archives reply`` against a real database (SQLite and PostgreSQL): the archives'
reply file recorded as the server's operator; a refusal is one line on stderr."""

from __future__ import annotations

from click.testing import CliRunner

from ged.bootstrap import Runtime
from ged.cli import cli
from tests.ged import disposal_setup
from tests.ged.disposal_setup import People, file, make_due
from tests.ged.transfer_setup import acknowledgement_xml, make_transfer, reply_xml

runtime = disposal_setup.runtime
people = disposal_setup.people


def ged(runtime: Runtime, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, list(args), env={"GED_DATABASE__URL": runtime.settings.database.url}
    )
    return result.exit_code, result.stdout, result.stderr


def test_archives_reply_records_the_file_and_says_what_became_of_the_documents(
    runtime: Runtime, people: People, tmp_path
):
    document_id = file(runtime, people.archivist, b"dossier")
    make_due(runtime, document_id, "transfer")
    transfer_id, message = make_transfer(runtime, "archives", [document_id])
    acknowledgement = tmp_path / "AR.xml"
    acknowledgement.write_bytes(acknowledgement_xml(message))
    accepted = tmp_path / "ATR.xml"
    accepted.write_bytes(reply_xml(message, units={f"AU-{document_id}": "FRAD075_9"}))

    code, out, err = ged(runtime, "archives", "reply", str(acknowledgement))
    assert code == 0, err
    assert "acknowledgement recorded; still ready" in out
    code, out, err = ged(
        runtime, "archives", "reply", str(accepted), "--transfer", str(transfer_id)
    )
    assert code == 0, err
    assert f"transfer {transfer_id} ({message}) accepted (OK): 1 document(s)" in out
    assert f"{document_id}\tFRAD075_9" in out

    code, out, err = ged(runtime, "archives", "reply", str(accepted))
    assert code == 1 and "already accepted" in err and "Traceback" not in err
