"""The issuer engine: one object for every sandbox issuer, made of parts that each hold one concern.

One engine serves the jurisdictions of :mod:`issuers.jurisdictions` this process hosts (all of
them by default; ``pctf-sandbox serve issuers --issuer prov1`` hosts one, as a jurisdiction runs
its own). Its parts share this process's database and clock, and each is given only the other
parts it uses:

- :class:`~issuers.keys.IssuerKeys`: identifiers, which issuers are hosted here, signing keys;
- :class:`~issuers.peers.Peers` (``keys.peers``): the other issuers, reached over HTTP when
  another process serves them (their keys, the identity questions asked of them);
- :class:`~issuers.status_lists.StatusLists`: status list entries, tokens and status changes;
- :class:`~issuers.ledger.IssuanceLedger`: minting, the record of issuances, replacements;
- :class:`~issuers.metadata.IssuerMetadata`: the ``/.well-known`` documents;
- :class:`~issuers.offers.Offers`: credential offers and the OpenID4VCI endpoints;
- :class:`~issuers.registration.Registration`: identity proofing and incorporation;
- :class:`~issuers.vital_statistics.VitalStatistics`: the death register, parent–child relationships;
- :class:`~issuers.deaths.DeathNotifications`: every issuer's part in a registered death;
- :class:`~issuers.reissuance.Reissuance`: renewal and re-issuance at the holder's request.

The methods below are what the HTTP app, the command line and the stories call most; each
hands the call to the part that holds it.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import SQLModel

from pctf.clock import Clock
from pctf.events import OutboxEvent, ProcessedEvent
from pctf.jose import SigningKey
from pctf.settings import Settings
from pctf.storage import engine_for

from .deaths import DeathNotifications
from .keys import IssuerKeys
from .ledger import IssuanceLedger
from .metadata import IssuerMetadata
from .models import (
    AuthorizationRequest,
    BirthRecord,
    CredentialOffer,
    DeathRecord,
    DelegationConsent,
    Issuance,
    IssuerKey,
    IssuerNonce,
    Organization,
    StatusListRecord,
)
from .offers import Offers
from .registration import Registration
from .reissuance import Reissuance
from .status_lists import StatusLists
from .vital_statistics import VitalStatistics

# The models of the issuers' database, whose tables pctf/migrations/versions/issuers creates
# (tests/test_migrations.py holds the two to agreeing).
TABLES: list[type[SQLModel]] = [
    IssuerKey,
    CredentialOffer,
    IssuerNonce,
    Issuance,
    Organization,
    StatusListRecord,
    DeathRecord,
    BirthRecord,
    DelegationConsent,
    OutboxEvent,
    ProcessedEvent,
    AuthorizationRequest,
]


class IssuerService:
    """The issuers this process hosts (``hosted``; default: all), over one database: the parts, wired together."""

    def __init__(self, settings: Settings, clock: Clock, *, hosted: tuple[str, ...] | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.db = engine_for(settings, "issuers")
        self.keys = IssuerKeys(self.db, settings, clock, hosted)
        self.status_lists = StatusLists(self.db, settings, clock, self.keys)
        self.ledger = IssuanceLedger(self.db, settings, clock, self.keys, self.status_lists)
        self.metadata = IssuerMetadata(self.keys)
        self.offers = Offers(self.db, settings, clock, self.keys, self.ledger)
        self.registration = Registration(self.db, clock, self.offers)
        self.vital_statistics = VitalStatistics(self.db, clock, self.keys, self.offers)
        self.deaths = DeathNotifications(self.db, clock, self.keys, self.status_lists)
        self.reissuance = Reissuance(settings, clock, self.keys, self.status_lists, self.ledger, self.offers)

    # -- identity and keys -------------------------------------------------------------------------
    def issuer_url(self, short_id: str) -> str:
        return self.keys.issuer_url(short_id)

    @property
    def hosted(self) -> frozenset[str]:
        return self.keys.hosted

    def short_id_for(self, issuer_url: str) -> str | None:
        return self.keys.short_id_for(issuer_url)

    def signing_key(self, short_id: str) -> SigningKey:
        return self.keys.signing_key(short_id)

    def rotate_key(self, short_id: str) -> dict[str, Any]:
        return self.keys.rotate_key(short_id)

    def jwks(self, short_id: str) -> dict[str, list[dict[str, Any]]]:
        return self.keys.jwks(short_id)

    # -- issuances and their status ----------------------------------------------------------------
    def mint(self, short_id: str, type_name: str, claims: dict[str, Any], holder_jwk: dict[str, Any]) -> str:
        return self.ledger.mint(short_id, type_name, claims, holder_jwk)

    def issuances(self, short_id: str, *, subject: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.ledger.issuances(short_id, subject=subject)

    def parse_status_list_uri(self, uri: str) -> tuple[str, int] | None:
        return self.status_lists.parse_uri(uri)

    def status_list_token(self, short_id: str, list_id: int) -> str:
        return self.status_lists.token(short_id, list_id)

    def set_status(self, short_id: str, issuance_id: int, status: object, reason: object = None) -> dict[str, Any]:
        return self.status_lists.set_status(short_id, issuance_id, status, reason)

    # -- before an offer ---------------------------------------------------------------------------
    def proof_person(self, short_id: str, application: dict[str, Any]) -> dict[str, Any]:
        return self.registration.proof_person(short_id, application)

    def incorporate(self, short_id: str, application: dict[str, Any]) -> dict[str, Any]:
        return self.registration.incorporate(short_id, application)

    # -- OpenID4VCI ----------------------------------------------------------------------------------
    def credential_issuer_metadata(self, short_id: str) -> dict[str, Any]:
        return self.metadata.credential_issuer(short_id)

    def authorization_server_metadata(self, short_id: str) -> dict[str, Any]:
        return self.metadata.authorization_server(short_id)

    def jwt_vc_issuer_metadata(self, short_id: str) -> dict[str, Any]:
        return self.metadata.jwt_vc_issuer(short_id)

    def token(self, short_id: str, form: dict[str, Any]) -> dict[str, Any]:
        return self.offers.token(short_id, form)

    def nonce(self, short_id: str) -> dict[str, str]:
        return self.offers.nonce(short_id)

    def consume_nonce(self, short_id: str, nonce: str | None) -> None:
        self.offers.consume_nonce(short_id, nonce)

    def credential(self, short_id: str, access_token: str | None, body: object) -> dict[str, Any]:
        return self.offers.credential(short_id, access_token, body)
