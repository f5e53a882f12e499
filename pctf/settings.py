"""The one settings object.

Everything configurable comes from here, read from ``PCTF_*`` environment variables:

* ``PCTF_DATA_DIR``: where the embedded SQLite databases and secrets live.
* ``PCTF_DATABASE_URL``: a SQLAlchemy URL (e.g. PostgreSQL) used instead of SQLite files.
* ``PCTF_HOST`` / ``PCTF_PORT``: where ``pctf-sandbox up`` listens.
* ``PCTF_PUBLIC_URL``: the base URL every identifier (issuer ``iss``, registry authority,
  verifier client id) is built from. Defaults to ``http://HOST:PORT``, ``https://HOST:PORT`` with
  ``PCTF_TLS``. It may be an https tunnel or reverse proxy that terminates TLS elsewhere.
* ``PCTF_TLS``: ``pctf-sandbox up`` serves HTTPS with a certificate from the sandbox CA
  (pctf.ca; the same as ``up --tls``).
* ``PCTF_REGISTRY_URL``, ``PCTF_ISSUERS_URL``, ``PCTF_WALLET_URL``, ``PCTF_VERIFIER_URL``: where
  each service is reached when they run as separate processes (default: the public URL).
* ``PCTF_ISSUER_URLS``: where each issuer is served when the issuers run as several processes
  (``pctf-sandbox serve issuers --issuer prov1``), as a JSON object of base URLs by short id
  (``{"prov1": "http://127.0.0.1:8611"}``). An issuer's identifier is ``<its URL>/issuers/<id>``;
  an issuer missing from it is served at ``PCTF_ISSUERS_URL``.
* ``PCTF_GOVERNANCE_TOKEN``: the bearer token of the registry's governance role. When unset a
  random one is generated once and kept in ``DATA_DIR/governance.token`` (mode 0600).
* ``PCTF_ISSUER_STAFF_TOKENS``: each issuer's own staff bearer token, as a JSON object
  (``{"prov1": "...", "fed": "..."}``); one issuer's token never opens another issuer. An issuer
  missing from it gets one generated into ``DATA_DIR/issuer-staff-<id>.token``.
* ``PCTF_RELYING_PARTY_TOKENS``: each relying party's back-end bearer token (JSON object by
  relying party id); only that back end creates its requests and reads its verdicts. Generated
  into ``DATA_DIR/relying-party-<id>.token`` when missing.
* ``PCTF_RELYING_PARTIES``: a YAML or TOML file declaring more relying parties (their names,
  purpose, the credentials and claims they ask for, minimum LoA, value rules and links;
  docs/relying-parties.md), served beside the built-in ones; a file the verifier cannot use
  refuses its start (``setting_invalid``).
* ``PCTF_LOCAL_MODE``: the sandbox on one machine. Tokens may be generated into the data
  directory, and outbound fetches may reach ``http://`` on loopback. Default: on when the
  sandbox listens on and is reached at loopback addresses. Outside local mode every role token
  must be configured, long and not a well-known default, or the services refuse to start.
* ``PCTF_MAX_BODY_BYTES``: the largest request body any service reads (413 above it).
* ``PCTF_EVENT_BUS``: the publish/subscribe bus that carries events such as a registered death
  to every issuer: ``memory://`` (in-process, the default) or ``nats://host:4222`` (NATS
  JetStream: stored events, a durable consumer per issuer). ``PCTF_EVENT_TOPIC_PREFIX``
  namespaces its subjects, stream and consumers on a shared broker.
* ``PCTF_METRICS_TOKEN``: the bearer token that reads every service's ``/metrics`` (the
  monitoring role). Generated into ``DATA_DIR/metrics.token`` when unset, in local mode.
* ``PCTF_LOG_LEVEL`` (``debug``, ``info``, ``warning``, ``error``; default ``info``) and
  ``PCTF_LOG_FORMAT`` (``text``, the default, or ``json``: one object a line): the services'
  own logs (pctf.observability).
* ``PCTF_TRACING``: OpenTelemetry traces (the ``otel`` extra; pctf.tracing): ``off`` (the
  default), ``otlp`` (to the collector at the standard ``OTEL_EXPORTER_OTLP_ENDPOINT``) or
  ``console`` (stderr). ``OTEL_SDK_DISABLED`` and ``OTEL_SERVICE_NAME`` keep their meaning.
* ``PCTF_UNACCREDITED_ISSUERS``: sandbox issuers (short ids, comma-separated: ``terr2``) that run
  their services but start out of the registry, to try onboarding with.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Tokens that ship in examples and tutorials: outside local mode they are refused like an empty one.
KNOWN_DEFAULT_TOKENS = frozenset(
    {
        "change-me",
        "change-me-too",
        "change-me-three",
        "changeme",
        "change_me",
        "secret",
        "password",
        "admin",
        "token",
        "test",
        "default",
        "governance",
        "assessor",
        "staff",
        "issuer",
        "pctf",
        "sandbox",
    }
)
MIN_TOKEN_LENGTH = 24


class InsecureSetting(ValueError):
    """A role token that must not be used where the sandbox is reachable by strangers."""


def _is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "pctf-sandbox"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PCTF_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8600
    public_url: str | None = None
    # `up` serves HTTPS with a certificate from the sandbox CA (pctf.ca).
    tls: bool = False
    registry_url: str | None = None
    issuers_url: str | None = None
    wallet_url: str | None = None
    verifier_url: str | None = None
    # The base URL of the process serving each issuer, by short id (JSON), when the issuers run apart.
    issuer_urls: dict[str, str] = Field(default_factory=dict)
    governance_token: str | None = None
    # The assessor role marks PCTF criteria during onboarding (else generated in DATA_DIR/assessor.token).
    assessor_token: str | None = None
    # The presenter opens the dashboard's stories, wallets and event log (else generated in
    # DATA_DIR/presenter.token; `pctf-sandbox up` prints the link that logs a browser in).
    presenter_token: str | None = None
    # The monitoring role reads every service's /metrics (else generated in DATA_DIR/metrics.token).
    metrics_token: str | None = None
    # The services' own logs (pctf.observability): from this level up, as text or as JSON lines.
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = "text"
    # OpenTelemetry tracing (pctf.tracing, the otel extra): off, OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, or stderr.
    tracing: Literal["off", "otlp", "console"] = "off"
    # Key-binding JWTs older than this are stale (RFC 9901 section 7.3 leaves the window to policy).
    kb_max_age_seconds: int = 300
    # Tolerated clock skew between parties.
    leeway_seconds: int = 30
    # How long a credential issued by the sandbox stays valid.
    credential_lifetime_days: int = 365
    # How long a pre-authorized code and an access token stay usable (OpenID4VCI).
    offer_lifetime_seconds: int = 600
    http_timeout_seconds: float = 10.0
    # Each issuer's own staff token, by issuer short id (JSON); missing ones are generated locally.
    issuer_staff_tokens: dict[str, str] = Field(default_factory=dict)
    # Each relying party's back-end token, by relying party id (JSON); missing ones generated locally.
    relying_party_tokens: dict[str, str] = Field(default_factory=dict)
    # A YAML or TOML file of relying parties declared as data (verifier.declarations), beside the built-in ones.
    relying_parties: Path | None = None
    # None: decided from where the sandbox listens and is reached (see is_local).
    local_mode: bool | None = None
    # The largest request body a service reads; larger ones are refused with 413 before parsing.
    max_body_bytes: int = Field(default=1_000_000, gt=0)
    # Failed authentications (unknown tokens, wrong codes) one client may make per window before
    # it gets 429: tokens and codes cannot be guessed at network speed.
    auth_failure_limit: int = Field(default=20, gt=0)
    auth_failure_window_seconds: float = Field(default=60.0, gt=0)
    # How long a Status List Token may be cached (its `ttl` claim, draft-ietf-oauth-status-list 5.1).
    status_list_ttl_seconds: int = Field(default=300, gt=0)
    # A wallet shows a credential as expiring soon this many days before its `exp`.
    expiring_soon_days: int = Field(default=30, ge=0)
    # The event bus (pctf.events): memory:// or a nats:// URL (JetStream); subjects are <prefix>.<topic>,
    # in the stream EVENTS_<prefix>. A broker call waits at most http_timeout_seconds.
    event_bus: str = "memory://"
    event_topic_prefix: str = Field(default="pctf", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    # How often events a broker outage kept in the outbox are published again.
    event_relay_interval_seconds: float = Field(default=5.0, gt=0)
    # How long a verifier may rely on the registry's signed snapshot once the registry is unreachable.
    trust_list_lifetime_seconds: int = 86400
    # The registry's public JWKS, as JSON, for verifiers to check snapshots with; when unset they
    # pin the key the registry publishes at their first contact (DATA_DIR/registry-anchor.json).
    registry_anchor_jwks: str | None = None
    # Sandbox issuers (short ids, comma-separated) that run their services but are left out of the
    # registry at start-up, so a jurisdiction can try onboarding with one of them. Which ids exist
    # is the issuers' business: the start-up that seeds the registry refuses an unknown one.
    unaccredited_issuers: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("unaccredited_issuers", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        ids = tuple(part.strip() for part in value.split(",") if part.strip())
        for short_id in ids:
            if not re.fullmatch(r"[a-z0-9_-]{1,64}", short_id):
                raise ValueError(f"{short_id!r} is not an issuer short id (such as terr2)")
        return ids

    @field_validator("issuer_urls")
    @classmethod
    def _issuer_urls(cls, value: dict[str, str]) -> dict[str, str]:
        for short_id, url in value.items():
            if not re.fullmatch(r"[a-z0-9_-]{1,64}", short_id):
                raise ValueError(f"PCTF_ISSUER_URLS: {short_id!r} is not an issuer short id (such as prov1)")
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
                raise ValueError(f"PCTF_ISSUER_URLS[{short_id}] must be an http(s) base URL")
        return {short_id: url.rstrip("/") for short_id, url in value.items()}

    @field_validator("registry_anchor_jwks")
    @classmethod
    def _anchor_is_a_key_set(cls, value: str | None) -> str | None:
        if value:
            try:
                parsed = json.loads(value)
            except ValueError:
                raise ValueError("PCTF_REGISTRY_ANCHOR_JWKS must be a JWKS or a JWK, as JSON") from None
            if not isinstance(parsed, dict) or not (isinstance(parsed.get("keys"), list) or "kty" in parsed):
                raise ValueError("PCTF_REGISTRY_ANCHOR_JWKS must be a JWKS or a JWK, as JSON")
        return value

    # -- derived values -------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def service_url(self, service: str) -> str:
        """Base URL of one service (``registry``, ``issuers``, ``wallet``, ``verifier``)."""
        explicit = getattr(self, f"{service}_url")
        return (explicit or self.base_url).rstrip("/")

    @property
    def registry_authority_id(self) -> str:
        """The identifier of the sandbox ecosystem's governance authority (TRQP ``authority_id``)."""
        return f"{self.service_url('registry')}/registry"

    def issuer_base_url(self, short_id: str) -> str:
        """Base URL of the process serving issuer ``short_id``: ``PCTF_ISSUER_URLS[short_id]``,
        else the issuers service's URL."""
        return (self.issuer_urls.get(short_id) or self.service_url("issuers")).rstrip("/")

    def issuer_id(self, short_id: str) -> str:
        """The ``iss`` / credential issuer identifier of a sandbox issuer."""
        return f"{self.issuer_base_url(short_id)}/issuers/{short_id}"

    def issuer_short_id(self, identifier: object) -> str | None:
        """The short id ``s`` for which ``identifier`` is :meth:`issuer_id` ``(s)``, else None: the
        one way an issuer identifier is read back, wherever each issuer is served. Whether ``s``
        names an issuer of this sandbox is the caller's question."""
        if not isinstance(identifier, str) or len(identifier) > 2048:
            return None
        found = re.fullmatch(r".+/issuers/([a-z0-9_-]{1,64})", identifier)
        if found is None or self.issuer_id(found.group(1)) != identifier:
            return None
        return found.group(1)

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def anchor_jwks(self) -> dict[str, Any] | None:
        """``registry_anchor_jwks`` parsed (a JWKS or a single JWK), or None when not configured."""
        if not self.registry_anchor_jwks:
            return None
        value = json.loads(self.registry_anchor_jwks)
        return value if "keys" in value else {"keys": [value]}

    @property
    def is_local(self) -> bool:
        """Local mode: ``PCTF_LOCAL_MODE`` when set, else whether the sandbox both listens on and
        is reached at loopback addresses (nobody else can reach it)."""
        if self.local_mode is not None:
            return self.local_mode
        hosts = [self.host] + [
            urlsplit(u).hostname
            for u in (
                self.public_url,
                self.registry_url,
                self.issuers_url,
                self.wallet_url,
                self.verifier_url,
                *self.issuer_urls.values(),
            )
            if u
        ]
        return all(_is_loopback_host(h) for h in hosts)

    # -- role tokens ------------------------------------------------------------------
    def resolved_governance_token(self) -> str:
        """The governance role's bearer token (``PCTF_GOVERNANCE_TOKEN``, else generated once)."""
        return self.resolved_secret("governance", self.governance_token, variable="PCTF_GOVERNANCE_TOKEN")

    def resolved_assessor_token(self) -> str:
        """The assessor role's bearer token (``PCTF_ASSESSOR_TOKEN``, else generated once)."""
        return self.resolved_secret("assessor", self.assessor_token, variable="PCTF_ASSESSOR_TOKEN")

    def resolved_presenter_token(self) -> str:
        """The presenter's token (``PCTF_PRESENTER_TOKEN``, else generated once): it opens the
        dashboard's story, wallet and event pages, which act with this operator's keyring."""
        return self.resolved_secret("presenter", self.presenter_token, variable="PCTF_PRESENTER_TOKEN")

    def resolved_metrics_token(self) -> str:
        """The monitoring role's token (``PCTF_METRICS_TOKEN``, else generated once): it reads
        every service's ``/metrics``, and nothing else."""
        return self.resolved_secret("metrics", self.metrics_token, variable="PCTF_METRICS_TOKEN")

    def issuer_staff_token(self, short_id: str) -> str:
        """The bearer token of one issuer's staff (``PCTF_ISSUER_STAFF_TOKENS[short_id]``)."""
        return self.resolved_secret(
            f"issuer-staff-{short_id}",
            self.issuer_staff_tokens.get(short_id),
            variable=f"PCTF_ISSUER_STAFF_TOKENS[{short_id}]",
        )

    def relying_party_token(self, rp_id: str) -> str:
        """The bearer token of one relying party's back end (``PCTF_RELYING_PARTY_TOKENS[rp_id]``)."""
        return self.resolved_secret(
            f"relying-party-{rp_id}",
            self.relying_party_tokens.get(rp_id),
            variable=f"PCTF_RELYING_PARTY_TOKENS[{rp_id}]",
        )

    def resolved_secret(self, name: str, explicit: str | None = None, *, variable: str | None = None) -> str:
        """A bearer token for one role: ``explicit`` when configured, else ``DATA_DIR/<name>.token``,
        generated (mode 0600) on first use so every process sharing the data dir agrees on it.

        Outside local mode a token must be configured (``variable`` names where), at least
        :data:`MIN_TOKEN_LENGTH` characters long and not a well-known default: anything else
        raises :class:`InsecureSetting`, so a service exposed to strangers refuses to start.
        """
        variable = variable or f"the {name} token"
        if explicit:
            if not self.is_local and (
                len(explicit) < MIN_TOKEN_LENGTH or explicit.strip().lower() in KNOWN_DEFAULT_TOKENS
            ):
                raise InsecureSetting(
                    f"{variable} is a well-known default or shorter than {MIN_TOKEN_LENGTH} "
                    "characters; outside local mode use a random token "
                    "(pctf-sandbox init-secrets generates them)"
                )
            return explicit
        if not self.is_local:
            raise InsecureSetting(
                f"{variable} is not set; outside local mode every role token must be configured "
                "(pctf-sandbox init-secrets generates them)"
            )
        path = self.ensure_data_dir() / f"{name}.token"
        if path.exists():
            return path.read_text().strip()
        token = secrets.token_urlsafe(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it a moment ago
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(token)
        return token

    # -- a holder's wallet tokens, kept by the client that created the wallet -------------------
    def wallet_token_path(self, wallet_id: str) -> Path:
        return self.data_dir / "wallet-tokens" / f"{wallet_id}.token"

    def save_wallet_token(self, wallet_id: str, token: str) -> Path:
        """Keep a wallet's holder token (shown once, when the wallet is created) for later commands,
        readable by its owner only."""
        path = self.wallet_token_path(wallet_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(token)
        os.replace(tmp, path)
        return path

    def wallet_token(self, wallet_id: str) -> str | None:
        """The holder token this data directory keeps for ``wallet_id``, if any."""
        try:
            return self.wallet_token_path(wallet_id).read_text().strip() or None
        except OSError:
            return None
