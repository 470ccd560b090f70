from pathlib import Path

import pytest

from ged.config import Settings, load_settings
from ged.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ged.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_apply_without_file_or_environment():
    settings = load_settings(None, environ={})
    assert settings.web.port == 8000
    assert settings.ocr.languages == "fra+eng"
    assert settings.database.url.startswith("sqlite:///")


def test_file_overrides_defaults_and_environment_overrides_file(tmp_path):
    path = write(tmp_path, '[web]\nport = 9000\nhost = "0.0.0.0"\n[ocr]\ndpi = 200\n')
    settings = load_settings(path, environ={"GED_WEB__PORT": "9100"})
    assert settings.web.port == 9100  # environment beats file
    assert settings.web.host == "0.0.0.0"  # file beats default
    assert settings.ocr.dpi == 200
    assert settings.redis.queue == "ged"  # untouched default


def test_ged_config_variable_names_the_file(tmp_path):
    path = write(tmp_path, '[redis]\nqueue = "mairie"\n')
    assert load_settings(None, environ={"GED_CONFIG": str(path)}).redis.queue == "mairie"


def test_list_values_can_come_from_the_environment_as_json():
    environ = {"GED_OPENSEARCH__URLS": '["http://os1:9200", "http://os2:9200"]'}
    assert load_settings(None, environ=environ).opensearch.urls == (
        "http://os1:9200",
        "http://os2:9200",
    )


def test_relative_paths_resolve_against_the_config_file_directory(tmp_path):
    path = write(
        tmp_path, '[storage]\npath = "data/blobs"\n[database]\nurl = "sqlite:///data/ged.db"\n'
    )
    settings = load_settings(path, environ={})
    assert settings.storage.path == tmp_path / "data" / "blobs"
    assert settings.database.url == f"sqlite:///{tmp_path}/data/ged.db"


def test_unknown_key_in_file_is_named(tmp_path):
    path = write(tmp_path, "[web]\nprot = 80\n")
    with pytest.raises(ConfigError, match=r"unknown key web\.prot \(in .*ged\.toml\)"):
        load_settings(path, environ={})


def test_unknown_section_in_environment_is_named():
    with pytest.raises(ConfigError, match=r"unknown key serveur .*GED_SERVEUR__PORT"):
        load_settings(None, environ={"GED_SERVEUR__PORT": "80"})


def test_invalid_value_names_key_and_variable():
    with pytest.raises(ConfigError, match=r"web\.port: .*GED_WEB__PORT"):
        load_settings(None, environ={"GED_WEB__PORT": "quatre-vingts"})


def test_second_factor_roles_must_be_roles(tmp_path):
    path = write(tmp_path, '[web]\nsecond_factor_roles = ["admin", "archiviste"]\n')
    with pytest.raises(ConfigError, match=r"second_factor_roles: .*unknown role\(s\) archiviste"):
        load_settings(path, environ={})
    roles = '["admin", "archivist", "auditor"]'
    settings = load_settings(None, environ={"GED_WEB__SECOND_FACTOR_ROLES": roles})
    assert settings.web.second_factor_roles == ("admin", "archivist", "auditor")


def test_malformed_variable_name_is_refused():
    with pytest.raises(ConfigError, match="GED_PORT is not of the form"):
        load_settings(None, environ={"GED_PORT": "80"})


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    path = write(tmp_path, "[web\nport = 1\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(path, environ={})


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_unsupported_database_url_is_refused():
    with pytest.raises(ConfigError, match="database"):
        load_settings(None, environ={"GED_DATABASE__URL": "mysql://x/y"})


def test_settings_are_frozen():
    settings = load_settings(None, environ={})
    with pytest.raises(ValueError):
        settings.web.port = 1  # type: ignore[misc]


def test_example_file_documents_every_key_with_its_default():
    example = ROOT / "config.example.toml"
    from_example = load_settings(example, environ={})
    defaults = load_settings(None, environ={})
    # Paths resolve against different directories; compare everything else.
    assert from_example.model_dump(exclude={"storage", "web", "database"}) == defaults.model_dump(
        exclude={"storage", "web", "database"}
    )
    assert from_example.web.model_dump(exclude={"secret_key_file"}) == defaults.web.model_dump(
        exclude={"secret_key_file"}
    )
    text = example.read_text(encoding="utf-8")
    for section_name, section in Settings.model_fields.items():
        assert f"[{section_name}]" in text
        for key in section.annotation.model_fields:
            documented = f"{key} =" in text or any(
                f"{table}" in text
                for table in (f"[[{section_name}.{key}]]", f"[{section_name}.{key}]")
            )
            assert documented, f"{section_name}.{key} is not documented"
    from ged.config import WatchedFolder

    for key in WatchedFolder.model_fields:
        assert f"# {key} =" in text, f"watch.folders.{key} is not documented"


def test_single_sign_on_is_off_until_an_issuer_is_set():
    assert not load_settings(None, environ={}).oidc.enabled


def test_single_sign_on_needs_its_client_and_no_privileged_role(tmp_path):
    issuer = {"GED_OIDC__ISSUER": "https://auth.agentconnect.gouv.fr/api/v2/"}
    with pytest.raises(ConfigError, match=r"client_id is required with an issuer"):
        load_settings(None, environ=issuer)
    complete = {**issuer, "GED_OIDC__CLIENT_ID": "ged", "GED_OIDC__CLIENT_SECRET": "s"}
    settings = load_settings(None, environ=complete)
    assert settings.oidc.issuer == "https://auth.agentconnect.gouv.fr/api/v2"  # no final /
    mapped = {**complete, "GED_OIDC__ROLE_CLAIMS": '{"groups": {"dsi": "admin"}}'}
    with pytest.raises(ConfigError, match=r"role 'admin' cannot come from single sign-on"):
        load_settings(None, environ=mapped)


def test_the_client_secret_may_come_from_a_file_beside_the_configuration(tmp_path):
    (tmp_path / "secret").write_text("le secret\n", encoding="utf-8")
    path = write(
        tmp_path,
        '[oidc]\nissuer = "https://sso.example.fr/realms/agents"\nclient_id = "ged"\n'
        'client_secret_file = "secret"\n',
    )
    assert load_settings(path, environ={}).oidc.secret() == "le secret"
