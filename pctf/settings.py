"""The one settings object.

Everything configurable comes from here, read from ``PCTF_*`` environment variables:

* ``PCTF_DATA_DIR``: where the embedded SQLite databases and secrets live.
* ``PCTF_DATABASE_URL``: a SQLAlchemy URL (e.g. PostgreSQL) used instead of SQLite files.
* ``PCTF_HOST`` / ``PCTF_PORT``: where ``pctf-sandbox up`` listens.
* ``PCTF_PUBLIC_URL``: the base URL every identifier (issuer ``iss``, registry authority,
  verifier client id) is built from. Defaults to ``http://HOST:PORT``.
* ``PCTF_REGISTRY_URL``, ``PCTF_ISSUERS_URL``, ``PCTF_WALLET_URL``, ``PCTF_VERIFIER_URL``: where
  each service is reached when they run as separate processes (default: the public URL).
* ``PCTF_GOVERNANCE_TOKEN``: the bearer token of the registry's governance role. When unset a
  random one is generated once and kept in ``DATA_DIR/governance.token`` (mode 0600).
* ``PCTF_ISSUER_ADMIN_TOKEN``: the bearer token of issuer staff (suspending, reinstating and
  revoking single credentials, registering deaths). When unset, generated once into
  ``DATA_DIR/issuer-admin.token``.
* ``PCTF_EVENT_BUS``: the publish/subscribe bus that carries events such as a registered death
  to every issuer: ``memory://`` (in-process, the default) or ``redis://host:6379/0`` (the
  ``redis`` extra). ``PCTF_EVENT_TOPIC_PREFIX`` namespaces its channels on a shared broker.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    registry_url: str | None = None
    issuers_url: str | None = None
    wallet_url: str | None = None
    verifier_url: str | None = None
    governance_token: str | None = None
    # The assessor role marks PCTF criteria during onboarding (else generated in DATA_DIR/assessor.token).
    assessor_token: str | None = None
    # Key-binding JWTs older than this are stale (RFC 9901 section 7.3 leaves the window to policy).
    kb_max_age_seconds: int = 300
    # Tolerated clock skew between parties.
    leeway_seconds: int = 30
    # How long a credential issued by the sandbox stays valid.
    credential_lifetime_days: int = 365
    # How long a pre-authorized code and an access token stay usable (OpenID4VCI).
    offer_lifetime_seconds: int = 600
    http_timeout_seconds: float = 10.0
    issuer_admin_token: str | None = None
    # How long a Status List Token may be cached (its `ttl` claim, draft-ietf-oauth-status-list 5.1).
    status_list_ttl_seconds: int = Field(default=300, gt=0)
    # A wallet shows a credential as expiring soon this many days before its `exp`.
    expiring_soon_days: int = Field(default=30, ge=0)
    # The event bus (pctf.events): memory:// or a redis:// URL; channels are <prefix>.<topic>.
    event_bus: str = "memory://"
    event_topic_prefix: str = Field(default="pctf", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    # How often events a broker outage kept in the outbox are published again.
    event_relay_interval_seconds: float = Field(default=5.0, gt=0)
    # How long a verifier may rely on the registry's signed snapshot once the registry is unreachable.
    trust_list_lifetime_seconds: int = 86400
    # The registry's public JWKS, as JSON, for verifiers to check snapshots with; when unset they
    # pin the key the registry publishes at their first contact (DATA_DIR/registry-anchor.json).
    registry_anchor_jwks: str | None = None

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
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def service_url(self, service: str) -> str:
        """Base URL of one service (``registry``, ``issuers``, ``wallet``, ``verifier``)."""
        explicit = getattr(self, f"{service}_url")
        return (explicit or self.base_url).rstrip("/")

    @property
    def registry_authority_id(self) -> str:
        """The identifier of the sandbox ecosystem's governance authority (TRQP ``authority_id``)."""
        return f"{self.service_url('registry')}/registry"

    def issuer_id(self, short_id: str) -> str:
        """The ``iss`` / credential issuer identifier of a sandbox issuer."""
        return f"{self.service_url('issuers')}/issuers/{short_id}"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def anchor_jwks(self) -> dict | None:
        """``registry_anchor_jwks`` parsed (a JWKS or a single JWK), or None when not configured."""
        if not self.registry_anchor_jwks:
            return None
        value = json.loads(self.registry_anchor_jwks)
        return value if "keys" in value else {"keys": [value]}

    def resolved_governance_token(self) -> str:
        """The governance role's bearer token (``PCTF_GOVERNANCE_TOKEN``, else generated once)."""
        return self.resolved_secret("governance", self.governance_token)

    def resolved_secret(self, name: str, explicit: str | None = None) -> str:
        """A bearer token for one role: ``explicit`` when configured, else ``DATA_DIR/<name>.token``,
        generated (mode 0600) on first use so every process sharing the data dir agrees on it."""
        if explicit:
            return explicit
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
