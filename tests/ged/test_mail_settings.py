"""[mail] settings: accounts and the acknowledgement, and the errors that name what is wrong."""

from __future__ import annotations

import json

import pytest

from ged.config import load_settings
from ged.errors import ConfigError

ACCOUNT = {
    "name": "courrier",
    "server": "imap.mairie.fr",
    "username": "courrier",
    "station": "mail",
}


def settings_with(accounts=(), **acknowledgement):
    environ = {"GED_MAIL__ACCOUNTS": json.dumps(list(accounts))}
    if acknowledgement:
        environ["GED_MAIL__ACKNOWLEDGEMENT"] = json.dumps(acknowledgement)
    return load_settings(None, environ=environ)


def test_an_account_has_the_defaults_of_a_watched_folder_and_safe_ones_of_its_own():
    account = settings_with([ACCOUNT]).mail.accounts[0]
    assert (account.document_type, account.group_permission, account.tags) == (
        "classify",
        "write",
        (),
    )
    assert (account.tls, account.imap_port, account.after, account.mode, account.body_as) == (
        "ssl",
        993,
        "move",
        "body_and_attachments",
        "pdf",
    )
    starttls = settings_with([{**ACCOUNT, "tls": "starttls"}]).mail.accounts[0]
    assert starttls.imap_port == 143
    assert settings_with().mail.acknowledgement.enabled is False


def test_the_password_can_come_from_a_file_named_relative_to_the_configuration(tmp_path):
    (tmp_path / "secret").write_text("s3cret\n")
    config = tmp_path / "ged.toml"
    config.write_text(
        '[[mail.accounts]]\nname = "courrier"\nserver = "imap"\nusername = "u"\n'
        'station = "mail"\npassword_file = "secret"\n'
    )
    account = load_settings(config, environ={}).mail.accounts[0]
    assert account.password_file == tmp_path / "secret"
    assert account.secret() == "s3cret"


@pytest.mark.parametrize(
    ("accounts", "acknowledgement", "message"),
    [
        ([{**ACCOUNT, "station": ""}], {}, "mail.accounts.0.station"),
        ([{**ACCOUNT, "tls": "none"}], {}, "mail.accounts.0.tls"),
        ([{**ACCOUNT, "mode": "everything"}], {}, "mail.accounts.0.mode"),
        ([{**ACCOUNT, "delete": True}], {}, "unknown key mail.accounts.0.delete"),
        ([ACCOUNT, ACCOUNT], {}, "account names must be unique: courrier given twice"),
        ([{**ACCOUNT, "processed_folder": "Traités"}], {}, "folder names must be plain ASCII"),
        ([], {"enabled": True}, "sender is required when acknowledgements are enabled"),
        ([], {"body": "Réf. {ref}"}, "the template names 'ref' which is not one of"),
    ],
)
def test_invalid_mail_settings_name_the_key(accounts, acknowledgement, message):
    with pytest.raises(ConfigError) as error:
        settings_with(accounts, **acknowledgement)
    assert message in str(error.value)
    assert "GED_MAIL__" in str(error.value)
