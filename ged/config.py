"""Settings: built-in defaults, then a TOML file, then ``GED_<SECTION>__<KEY>`` variables.

One frozen, typed object is built at start-up and passed down explicitly
(``create_app(settings)``, ``make_engine(settings)``); nothing reads the
environment later. Any unknown or invalid key stops start-up with a message
naming the key and where its value came from.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ged.config_sections import FilingDefaults
from ged.config_sections import Section as _Section
from ged.errors import ConfigError
from ged.mail_settings import MailSettings
from ged.storage_settings import StorageSettings
from ingest.classify_rules import ClassificationRule

ENV_PREFIX = "GED_"
CONFIG_ENV = "GED_CONFIG"


class DatabaseSettings(_Section):
    url: str = "sqlite:///var/ged.sqlite3"
    echo: bool = False


class OpenSearchSettings(_Section):
    urls: tuple[str, ...] = ("http://127.0.0.1:9200",)
    index_prefix: str = Field("ged", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    timeout: float = Field(10.0, gt=0)
    username: str = ""
    password: str = ""
    verify_certs: bool = True


class RedisSettings(_Section):
    url: str = "redis://127.0.0.1:6379/0"
    queue: str = Field("ged", min_length=1)


class OcrSettings(_Section):
    languages: str = Field("fra+eng", pattern=r"^[a-z_]+(\+[a-z_]+)*$")
    dpi: int = Field(300, ge=72, le=1200)
    #: OCR processes of a worker; 0: up to one per core, shared by the host's workers
    processes: int = Field(0, ge=0)
    #: pages beyond this are stored but not OCR'd (bounds the time a huge scan takes)
    max_pages: int = Field(500, ge=1)
    #: seconds tesseract may spend on one page
    page_timeout: float = Field(180.0, gt=0)
    #: images larger than this many pixels are refused as decompression bombs
    max_image_pixels: int = Field(200_000_000, ge=1)
    #: scans (images, PDFs with OCR'd pages) also get a searchable PDF/A-2b rendition,
    #: made from the same tesseract run as their text
    pdfa_renditions: bool = True


class ClassificationSettings(_Section):
    #: below this confidence the document is marked "to review" instead of typed
    threshold: float = Field(0.6, ge=0, le=1)
    #: where `ged classifier train` keeps the statistical model
    model_path: Path = Path("var/classifier.joblib")
    #: empty: the built-in rules for French administrations (ingest.classify)
    rules: tuple[ClassificationRule, ...] = ()


class PipelineSettings(_Section):
    #: attempts of a step that failed for a transient reason (OpenSearch or Redis down)
    max_attempts: int = Field(5, ge=1)
    #: seconds before a job is considered stuck and killed
    job_timeout: int = Field(3600, ge=10)
    #: a version whose worker sent no heartbeat for this long is taken up again
    stale_seconds: float = Field(60.0, gt=0)
    #: how often each worker looks for such abandoned versions
    recovery_seconds: float = Field(30.0, gt=0)


class WebSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    secret_key: str = ""
    secret_key_file: Path = Path("var/secret_key")
    max_upload_mb: int = Field(512, ge=1)
    #: mark session cookies Secure (sent over HTTPS only): true whenever users reach ged by HTTPS
    secure_cookies: bool = False
    #: failed logins in a row before an account is locked, and for how long (minutes)
    max_failed_logins: int = Field(5, ge=1)
    lockout_minutes: int = Field(15, ge=1)
    #: a browser session ends after this long without a request, and this long after its
    #: login whatever it does
    session_idle_minutes: int = Field(30, ge=1)
    session_max_hours: int = Field(12, ge=1)
    threads: int = Field(8, ge=1)
    #: the reverse proxy whose X-Forwarded-For/-Proto/-Host/-Port ged believes (its address,
    #: or "*" for any peer); empty: none, and those headers are dropped (a client could forge them)
    trusted_proxy: str = ""
    #: proxies in a row that each append to X-Forwarded-For (nginx alone: 1)
    trusted_proxy_count: int = Field(1, ge=1)
    #: roles whose accounts need a second factor (TOTP) besides their password; empty so that
    #: stations and scripts keep working: list at least "admin", "archivist", "auditor"
    second_factor_roles: tuple[str, ...] = ()
    #: seconds between a right password and its code (or the enrolment) before starting again
    second_factor_pending_seconds: int = Field(300, ge=1)

    @field_validator("second_factor_roles")
    @classmethod
    def _known_roles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Imported here: the models import the database layer, which imports this module.
        from ged.models import ROLES

        unknown = [role for role in value if role not in ROLES]
        if unknown:
            raise ValueError(
                f"unknown role(s) {', '.join(unknown)}; the roles are {', '.join(ROLES)}"
            )
        return value


class ApiSettings(_Section):
    #: documents one bulk job may change; at most the search index's result window, since
    #: a selection by search pages through the hits
    bulk_max_documents: int = Field(1000, ge=1, le=10_000)


class WorkerSettings(_Section):
    count: int = Field(2, ge=1)


class AccessSettings(_Section):
    #: unit of a document filed without one (empty: none, only its uploader's grant applies)
    default_unit: str = ""
    #: group given default_group_permission on every document filed through the API or the UI
    default_group: str = ""
    default_group_permission: Literal["read", "write", "manage"] = "read"


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class WatchedFolder(FilingDefaults):
    path: Path
    #: sub-folder name -> tag, or -> "type:<code>" to set the document type
    subfolders: dict[str, str] = {}
    after: Literal["move", "delete"] = "move"
    #: "separators": each file is a batch split at its separator sheets (ged.services.batches)
    split: Literal["none", "separators"] = "none"
    #: with split = "separators": leave blank pages out of the documents
    drop_blank: bool = False
    stability_seconds: float = Field(5.0, ge=0)
    poll_seconds: float = Field(10.0, gt=0)


class SeparatorSettings(_Section):
    """How batches are split (ingest.separators): what marks a separator sheet, what
    files a segment, how pages are looked at."""

    #: the value of a QR code or Code 128 that makes its page a separator
    value: str = Field("GED-SEPARATEUR", min_length=1)
    #: the Kodak patch code that makes its page a separator ("" reads none)
    patch: Literal["T", "1", "2", "3", "4", "6", ""] = "T"
    #: a code starting with this files its segment: <prefix>type=…;unit=…;tags=a,b;ref=…
    filing_prefix: str = "GED:"
    #: more filing codes: regular expressions with named groups type, unit, tags, ref
    patterns: tuple[str, ...] = ()
    #: resolution the pages of a PDF batch are looked at
    dpi: int = Field(150, ge=72, le=400)
    #: a page with less ink than this share of its surface is blank (when blank pages go)
    blank_ink: float = Field(0.002, ge=0, le=0.2)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern {pattern!r} is not a regular expression: {exc}"
                ) from None
        return patterns


class WatchSettings(_Section):
    folders: tuple[WatchedFolder, ...] = ()


#: six months: the shortest the CNIL recommends keeping access traces
MIN_ACCESS_RETENTION_DAYS = 180


class AuditSettings(_Section):
    #: Ed25519 private key signing the checkpoints (`ged audit keygen`); its public key is
    #: <key_file>.pub. Outside the database, so whoever can rewrite the database cannot re-sign.
    key_file: Path = Path("var/audit-signing.key")
    #: minutes between checkpoints; at most a day, so no event stays unsealed longer than that
    checkpoint_minutes: int = Field(60, ge=1, le=1440)
    #: days the access log is kept before its purge (`ged audit purge`, the workers daily);
    #: 0 keeps it forever. The lifecycle journal is never purged (ged.audit.streams)
    access_retention_days: int = Field(365, ge=0)
    #: RFC 3161 time-stamping authority that stamps each checkpoint (ged.audit.timestamp);
    #: empty: checkpoints are not time-stamped. A third party's clock: proof of the journal's
    #: dates that ged's own key cannot give
    tsa_url: str = ""
    #: the certificates (PEM) the TSA's certificate must chain to; required with tsa_url
    tsa_ca_file: Path | None = None
    #: seconds the TSA has to answer one request; a TSA that is slower or down delays the
    #: stamp to the workers' next sweep, never sealing
    tsa_timeout: float = Field(10.0, gt=0, le=120)

    @field_validator("tsa_ca_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _tsa_with_its_chain(self) -> AuditSettings:
        if self.tsa_url and not self.tsa_url.startswith(("http://", "https://")):
            raise ValueError(f"tsa_url must be an http:// or https:// URL, not {self.tsa_url!r}")
        if self.tsa_url and self.tsa_ca_file is None:
            raise ValueError(
                "tsa_url needs tsa_ca_file: the certificates (PEM) its TSA certificate chains "
                "to, without which no time-stamp could be verified"
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def _renamed_retention(cls, values: Any) -> Any:
        if isinstance(values, Mapping) and "retention_days" in values:
            raise ValueError(
                "retention_days is now access_retention_days: only the access log is purged, "
                "the lifecycle journal is kept (rename the key, and see config.example.toml)"
            )
        return values

    @field_validator("access_retention_days")
    @classmethod
    def _as_the_cnil_recommends(cls, value: int) -> int:
        # Shorter would purge the traces an incident is investigated with before it is
        # noticed; longer than a year needs a legal obligation, which ged cannot check.
        if 0 < value < MIN_ACCESS_RETENTION_DAYS:
            raise ValueError(
                f"keep the access log at least {MIN_ACCESS_RETENTION_DAYS} days (six months, "
                "as the CNIL recommends), or 0 to keep it forever"
            )
        return value


class WebhookSettings(_Section):
    #: seconds a receiver has to accept the connection, then to answer
    timeout: float = Field(5.0, gt=0, le=60)
    #: attempts of one delivery before it is marked failed (an administrator can retry it)
    max_attempts: int = Field(8, ge=1)
    #: seconds before each retry, in order; the last one repeats
    backoff: tuple[float, ...] = Field((30.0, 120.0, 600.0, 3600.0, 10800.0, 21600.0), min_length=1)

    @field_validator("backoff")
    @classmethod
    def _no_negative_delay(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(delay < 0 for delay in value):
            raise ValueError("delays must be zero or more seconds")
        return value


class DisposalSettings(_Section):
    #: documents one disposal list (bordereau d'élimination) may hold
    max_documents: int = Field(10_000, ge=1, le=100_000)
    #: the body that disposes of its records, named on every certificate (e.g. "Mairie de Trifouilly")
    organisation: str = Field("", max_length=200)


class Agency(_Section):
    """An organisation named in a SEDA message: its identifier (a SIRET, a SIAF code…) and name."""

    identifier: str = Field("", max_length=100)
    name: str = Field("", max_length=200)


class ArchivesSettings(_Section):
    """Transfers to the archives (versements) as SEDA 2.2 packages."""

    #: where transfer packages are written (one ZIP per transfer)
    packages_dir: Path = Path("var/transfers")
    #: the ArchivalAgreement (convention de versement) identifier the archives gave
    archival_agreement: str = Field("", max_length=200)
    #: the archives service receiving the packages (ArchivalAgency)
    archival_agency: Agency = Agency()
    #: the service transferring them (TransferringAgency), usually the administration itself
    transferring_agency: Agency = Agency()
    #: the default OriginatingAgency, for documents that have no unit
    originating_agency: Agency = Agency()
    #: the OriginatingAgency identifier of each unit (service producteur), by unit name;
    #: a unit not named here is described under the default originating_agency
    unit_agencies: dict[str, str] = Field(default_factory=dict)
    #: the AccessRule (communicability delay) of the archives' referential put on every
    #: document, e.g. "AR038" (immediately communicable); empty: no AccessRule
    access_rule: str = Field("", max_length=100)
    #: the start of each MessageIdentifier: <prefix>-<yyyymmdd>-<transfer id>
    message_prefix: str = Field("GED", min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    #: documents one transfer may hold
    max_documents: int = Field(10_000, ge=1, le=100_000)
    #: which versions of a document a package carries: the current one, or all of them
    versions: Literal["current", "all"] = "current"
    #: scanned documents are carried as their PDF/A rendition (when the agreement asks for it)
    pdfa: bool = False
    #: a folder watched for the archives' replies (ArchiveTransferReply XML); none by default
    reply_folder: Path | None = None


#: roles an account created by single sign-on may get: administrators and stations keep
#: local accounts (ged.models.ROLES, which this module cannot import, lists them all)
SSO_ROLES = ("agent", "archivist", "auditor", "archives_authority")


class OidcSettings(_Section):
    """Single sign-on through an OpenID Connect provider (ProConnect, Keycloak…): the
    authorization code flow with PKCE, accounts created and updated from the claims."""

    #: the provider's issuer URL, exactly as its discovery document
    #: (<issuer>/.well-known/openid-configuration) names it; empty: no single sign-on
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    #: a file whose first line is the client secret, to keep it out of this file
    client_secret_file: Path | None = None
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    #: the provider's name on the login page: "Se connecter avec <label>"
    label: str = Field("ProConnect", min_length=1, max_length=60)
    #: also ask the userinfo endpoint for the claims (ProConnect sends most of them there
    #: only, as a signed JWT); its claims complete the ID token's
    userinfo: bool = True
    #: the claim that gives the account's user name (email, preferred_username…)
    username_claim: str = Field("email", min_length=1)
    given_name_claim: str = Field("given_name", min_length=1)
    #: the first of these claims present gives the family name (ProConnect: usual_name)
    family_name_claims: tuple[str, ...] = ("usual_name", "family_name")
    #: role of an account created at its first login, when no role_claims mapping matches
    default_role: str = "agent"
    #: claim -> value -> ged group names, e.g. {"groups": {"urbanisme": ["urbanisme"]}};
    #: the groups named here follow the provider at every login, others are left alone
    group_claims: dict[str, dict[str, tuple[str, ...]]] = Field(default_factory=dict)
    #: claim -> value -> the name of a ged unit, e.g. {"organizational_unit": {"DGFIP": "Finances"}}
    unit_claims: dict[str, dict[str, str]] = Field(default_factory=dict)
    #: claim -> value -> role, the first match wins; with any mapping, the role follows the
    #: provider at every login (default_role when none matches)
    role_claims: dict[str, dict[str, str]] = Field(default_factory=dict)
    #: seconds of clock difference tolerated with the provider on a token's dates
    leeway_seconds: int = Field(60, ge=0, le=600)
    #: seconds the provider has to answer ged (discovery, keys, token, userinfo)
    timeout: float = Field(10.0, gt=0, le=120)
    #: the address agents reach ged at (https://ged.example.fr), which the redirect URIs
    #: given to the provider start with; empty: the address of each request (no proxy)
    public_url: str = ""

    @field_validator("client_secret_file", mode="before")
    @classmethod
    def _empty_file_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("issuer")
    @classmethod
    def _an_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"the issuer must be an https:// URL, not {value!r}")
        return value.rstrip("/")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"public_url must be an https:// URL, not {value!r}")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _complete(self) -> OidcSettings:
        if not self.issuer:
            return self
        if not self.client_id:
            raise ValueError("client_id is required with an issuer (the provider gave it)")
        if not self.client_secret and self.client_secret_file is None:
            raise ValueError("client_secret or client_secret_file is required with an issuer")
        if "openid" not in self.scopes:
            raise ValueError("scopes must include openid")
        roles = [self.default_role, *(r for m in self.role_claims.values() for r in m.values())]
        for role in roles:
            if role not in SSO_ROLES:
                raise ValueError(
                    f"role {role!r} cannot come from single sign-on: choose one of "
                    f"{', '.join(SSO_ROLES)} (administrators and stations keep local accounts)"
                )
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    def secret(self) -> str:
        """The client secret, from the file when one is named."""
        if self.client_secret_file is None:
            return self.client_secret
        try:
            lines = self.client_secret_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"oidc.client_secret_file: cannot read it ({exc})") from None
        return lines[0].strip() if lines else ""


class Settings(_Section):
    database: DatabaseSettings = DatabaseSettings()
    storage: StorageSettings = StorageSettings()
    opensearch: OpenSearchSettings = OpenSearchSettings()
    redis: RedisSettings = RedisSettings()
    ocr: OcrSettings = OcrSettings()
    classification: ClassificationSettings = ClassificationSettings()
    pipeline: PipelineSettings = PipelineSettings()
    web: WebSettings = WebSettings()
    api: ApiSettings = ApiSettings()
    worker: WorkerSettings = WorkerSettings()
    access: AccessSettings = AccessSettings()
    logging: LoggingSettings = LoggingSettings()
    watch: WatchSettings = WatchSettings()
    audit: AuditSettings = AuditSettings()
    webhooks: WebhookSettings = WebhookSettings()
    disposal: DisposalSettings = DisposalSettings()
    archives: ArchivesSettings = ArchivesSettings()
    oidc: OidcSettings = OidcSettings()
    mail: MailSettings = MailSettings()
    separators: SeparatorSettings = SeparatorSettings()

    @field_validator("database")
    @classmethod
    def _known_database_scheme(cls, value: DatabaseSettings) -> DatabaseSettings:
        if not value.url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("database.url must be a sqlite:// or postgresql:// URL")
        return value


def load_settings(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings from defaults < TOML file < environment.

    ``path`` defaults to ``$GED_CONFIG``; without either, only the defaults and
    the environment apply. Relative paths in the result are resolved against
    the directory of the file, or the current directory without one.
    """
    environ = os.environ if environ is None else environ
    path = path or environ.get(CONFIG_ENV) or None
    merged: dict[str, Any] = {}
    origins: dict[tuple[str, ...], str] = {}
    base_dir = Path.cwd()
    if path is not None:
        file_values = _read_toml(Path(path))
        _merge(merged, file_values, origins, origin=str(path))
        base_dir = Path(path).resolve().parent
    _merge(merged, _read_environment(environ), origins, origin="environment")
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origins)) from None
    return _resolve_paths(settings, base_dir)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"configuration file {path} does not exist (named by {CONFIG_ENV} or --config)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from None


def _read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """``GED_WEB__PORT=8080`` becomes ``{"web": {"port": "8080"}}``.

    Values that look like JSON lists or tables (``[...]``, ``{...}``) are
    decoded, so list-valued keys such as ``GED_OPENSEARCH__URLS`` can be set too.
    """
    values: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV:
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        if len(parts) != 2 or not all(parts):
            raise ConfigError(
                f"environment variable {name} is not of the form GED_<SECTION>__<KEY>"
            )
        section, key = parts
        values.setdefault(section, {})[key] = _decode_env_value(name, raw)
    return values


def _decode_env_value(name: str, raw: str) -> Any:
    if raw.lstrip().startswith(("[", "{")):
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"environment variable {name} looks like JSON but is not valid: {exc}"
            ) from None
    return raw


def _merge(
    target: dict[str, Any],
    values: Mapping[str, Any],
    origins: dict[tuple[str, ...], str],
    origin: str,
    prefix: tuple[str, ...] = (),
) -> None:
    for key, value in values.items():
        where = (*prefix, key)
        if isinstance(value, Mapping) and isinstance(target.get(key, {}), dict):
            _merge(target.setdefault(key, {}), value, origins, origin, where)
        else:
            target[key] = value
            origins[where] = origin


def _describe(exc: ValidationError, origins: dict[tuple[str, ...], str]) -> str:
    problems = []
    for error in exc.errors():
        where = tuple(str(part) for part in error["loc"])
        key = ".".join(where)
        if error["type"] == "extra_forbidden":
            message = f"unknown key {key}"
        else:
            message = f"{key}: {error['msg']}"
        problems.append(message + _origin_of(where, origins))
    return "invalid configuration: " + "; ".join(problems)


def _origin_of(where: tuple[str, ...], origins: dict[tuple[str, ...], str]) -> str:
    """Where the value at ``where`` (or, for a whole section, one of its keys) was set."""
    candidates = [where[:length] for length in range(len(where), 0, -1)]
    candidates += [key for key in origins if key[: len(where)] == where]
    for candidate in candidates:
        origin = origins.get(candidate)
        if origin == "environment":
            return f" (from {ENV_PREFIX}{'__'.join(candidate[:2]).upper()})"
        if origin:
            return f" (in {origin})"
    return ""


def _resolve_paths(settings: Settings, base_dir: Path) -> Settings:
    def absolute(path: Path) -> Path:
        return path if path.is_absolute() else base_dir / path

    database = settings.database
    prefix = "sqlite:///"
    if database.url.startswith(prefix) and not database.url.startswith(prefix + "/"):
        relative = database.url[len(prefix) :]
        if relative and relative != ":memory:":
            database = database.model_copy(update={"url": prefix + str(absolute(Path(relative)))})
    folders = tuple(
        folder.model_copy(update={"path": absolute(folder.path)})
        for folder in settings.watch.folders
    )
    return settings.model_copy(
        update={
            "database": database,
            "storage": settings.storage.resolved(absolute),
            "classification": settings.classification.model_copy(
                update={"model_path": absolute(settings.classification.model_path)}
            ),
            "web": settings.web.model_copy(
                update={"secret_key_file": absolute(settings.web.secret_key_file)}
            ),
            "watch": settings.watch.model_copy(update={"folders": folders}),
            "audit": settings.audit.model_copy(
                update={"key_file": absolute(settings.audit.key_file)}
            ),
            "archives": settings.archives.model_copy(
                update={"packages_dir": absolute(settings.archives.packages_dir)}
            ),
            "mail": settings.mail.resolved(absolute),
            "oidc": settings.oidc.model_copy(
                update={
                    "client_secret_file": absolute(settings.oidc.client_secret_file)
                    if settings.oidc.client_secret_file
                    else None
                }
            ),
        }
    )
