"""Where a story finds each service of the deployment it is told against.

A deployment may run every service on one port (``pctf-sandbox up``), each service in its own
process (docker-compose), or even each issuer in its own process (``serve issuers --issuer
prov1``): a story never guesses which. It asks a :class:`Deployment` for the registry, the
wallet service, the verifier, and each issuer by its short id, and uses what it is given. One is
built from the settings the services themselves read (:meth:`Deployment.from_settings`: the
``PCTF_*_URL`` settings and ``PCTF_ISSUER_URLS``), or from one base URL when everything answers
there (:meth:`Deployment.at`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pctf.settings import Settings


@dataclass(frozen=True)
class Deployment:
    """The base URLs of one deployment's services (no trailing slash).

    ``issuers`` serves every issuer ``issuer_urls`` does not place elsewhere."""

    registry: str
    issuers: str
    wallet: str
    verifier: str
    issuer_urls: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("registry", "issuers", "wallet", "verifier"):
            object.__setattr__(self, name, getattr(self, name).rstrip("/"))
        object.__setattr__(self, "issuer_urls", {k: v.rstrip("/") for k, v in self.issuer_urls.items()})

    @classmethod
    def at(cls, base_url: str) -> Deployment:
        """Every service, and every issuer, at ``base_url``."""
        base = base_url.rstrip("/")
        return cls(registry=base, issuers=base, wallet=base, verifier=base)

    @classmethod
    def from_settings(cls, settings: Settings) -> Deployment:
        """Where ``settings`` say each service is: its ``PCTF_<SERVICE>_URL``, else the base URL;
        each issuer at its ``PCTF_ISSUER_URLS`` entry, else with the issuers service."""
        return cls(
            registry=settings.service_url("registry"),
            issuers=settings.service_url("issuers"),
            wallet=settings.service_url("wallet"),
            verifier=settings.service_url("verifier"),
            issuer_urls=dict(settings.issuer_urls),
        )

    @classmethod
    def of(cls, where: str | Deployment) -> Deployment:
        """``where`` as a deployment: a base URL is a deployment with everything there."""
        return where if isinstance(where, Deployment) else cls.at(where)

    def issuer(self, short_id: str) -> str:
        """The base URL of the process serving issuer ``short_id``; its routes are under
        ``/issuers/<short_id>`` there."""
        return self.issuer_urls.get(short_id, self.issuers)

    def issuer_id(self, short_id: str) -> str:
        """The identifier issuer ``short_id`` signs as, and the registry knows it by."""
        return f"{self.issuer(short_id)}/issuers/{short_id}"

    def issuer_bases(self) -> list[str]:
        """Each process that serves issuers, once (the issuers service first)."""
        return list(dict.fromkeys([self.issuers, *self.issuer_urls.values()]))
