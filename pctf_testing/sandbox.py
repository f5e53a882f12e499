"""A whole sandbox in this process, and what a test does with it.

:meth:`Sandbox.start` runs every service (registry, issuers, wallet, relying parties, dashboard)
on one uvicorn server on a free loopback port, as ``pctf-sandbox up`` does, with a data
directory of its own and a :class:`~pctf.clock.FrozenClock` that every service reads: moving it
(:meth:`Sandbox.advance`) moves credential expiry, key-binding freshness, request lifetimes and
the relying parties' status list caches with it.

The helpers speak the services' public HTTP APIs, with the role tokens the sandbox's operator
holds (:mod:`scenarios.keyring`): issuer staff make offers, the holder redeems them over
OpenID4VCI, relying parties ask over OpenID4VP and read their verdicts, governance changes the
registry. A refusal comes back as :class:`~pctf.reasons.SandboxError`, whose ``reason`` is the
sandbox's reason code (``exc.reason == Reason.CREDENTIAL_REVOKED``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509

from cli.stack import PathDispatcher, RunningServer, build_app, free_port, serve_in_thread
from issuers.jurisdictions import SANDBOX_ISSUERS, jurisdiction
from pctf import jar, oid4vci, oid4vp, sdjwt
from pctf.ca import root_path
from pctf.clock import FrozenClock
from pctf.http import checked_json
from pctf.jose import SigningKey, generate_key
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_all
from registry.governance_client import GovernanceClient
from scenarios.keyring import held_token, operator_client

# How long :meth:`Sandbox.register_death` waits for every issuer to have processed the death.
DEATH_DELIVERY_SECONDS = 30.0

# A claim path to disclose: a top-level claim's name, or the path to a nested one.
ClaimPath = str | Sequence[str | int | None]


@dataclass(frozen=True)
class Offer:
    """A credential offer from issuer staff: its ``openid-credential-offer://`` URI and the
    transaction code the holder must enter (sent out of band; the sandbox hands it back)."""

    issuer: str
    uri: str
    tx_code: str | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class Issued:
    """A credential issued to a holder key: the SD-JWT VC as issued (every disclosure), the
    issuance number issuer staff change its status with, and the other credentials the same
    offer carried (an incorporation's Verified Relationship beside its Verified Organization)."""

    issuer: str
    type: str
    credential: str
    issuance: int
    others: dict[str, str] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        """The issuer-signed JWT's payload (digests in place of the selectively disclosable claims)."""
        return sdjwt.SdJwt.parse(self.credential).payload


@dataclass(frozen=True)
class PresentationRequest:
    """An OpenID4VP request a relying party made: ``uri`` (``openid4vp://``) for a wallet, and the
    ``nonce`` and ``client_id`` a presentation's key binding must carry (``client_id`` is its ``aud``)."""

    rp: str
    state: str
    uri: str
    nonce: str
    client_id: str
    response_uri: str
    query_ids: tuple[str, ...]
    raw: dict[str, Any]
    response_mode: str = oid4vp.RESPONSE_MODE

    @property
    def by_reference(self) -> bool:
        """Whether the request was sent signed, by reference (``client_id_prefix`` ``x509_san_dns``
        or ``x509_hash``): ``uri`` then names the request object a wallet fetches."""
        return oid4vp.request_reference(self.uri) is not None


@dataclass(frozen=True)
class Verdict:
    """A relying party's verdict on a request: ``status`` (pending, accepted, rejected, declined),
    whether it ``accepted``, and the reason codes of every failed check."""

    status: str
    accepted: bool
    reasons: list[str]
    raw: dict[str, Any]

    @property
    def credentials(self) -> dict[str, dict[str, Any]]:
        """What the relying party learned of each presented credential, by DCQL query id
        (``type``, ``issuer`` and the disclosed ``claims``)."""
        return dict(((self.raw.get("verdict") or {}).get("credentials")) or {})

    @property
    def evidence(self) -> list[dict[str, Any]] | None:
        """What the verdict was reached on (key binding, registry answers, status lists)."""
        return self.raw.get("evidence")


def _verdict(result: dict[str, Any]) -> Verdict:
    verdict = result.get("verdict") or {}
    return Verdict(
        status=str(result.get("status")),
        accepted=bool(verdict.get("accepted")),
        reasons=[str(r) for r in verdict.get("reasons") or []],
        raw=result,
    )


def _path(path: ClaimPath) -> tuple[Any, ...]:
    return (path,) if isinstance(path, str) else tuple(path)


def _evidence(person: Mapping[str, Any], assurance_level: int) -> list[dict[str, Any]]:
    """Proofing evidence about ``person`` that reaches ``assurance_level`` (issuers.proofing):
    a birth certificate (2), and a driver's licence (3), compared to its holder's face (4)."""
    named = {k: person.get(k) for k in ("given_name", "family_name", "birthdate")}
    documents: list[dict[str, Any]] = [{"type": "birth_certificate", "number": "BC-0001", **named}]
    if assurance_level >= 3:
        documents.append(
            {"type": "drivers_licence", "number": "DL-0001", **named, "biometric_match": assurance_level >= 4}
        )
    return documents


class Wallet:
    """A persona's wallet in the sandbox's wallet service, opened with the holder token the
    sandbox keeps for it."""

    def __init__(self, sandbox: Sandbox, wallet_id: str, opened: dict[str, Any]) -> None:
        self.sandbox = sandbox
        self.id = wallet_id
        self.holder_jwk: dict[str, Any] = opened["holder_jwk"]
        self.raw = opened

    def _url(self, path: str = "") -> str:
        return f"{self.sandbox.wallet_url}/wallet/{self.id}{path}"

    def receive(self, offer: Offer | str, tx_code: str | None = None) -> list[dict[str, Any]]:
        """Redeem an offer (OpenID4VCI) into this wallet; returns the credentials received."""
        uri, code = (offer.uri, offer.tx_code) if isinstance(offer, Offer) else (offer, tx_code)
        body = {"offer": uri, "tx_code": code}
        received: list[dict[str, Any]] = checked_json(self.sandbox.http.post(self._url("/offers"), json=body))
        return received

    def credentials(self) -> list[dict[str, Any]]:
        """The credentials this wallet holds, as it shows them to its holder."""
        held: list[dict[str, Any]] = checked_json(self.sandbox.http.get(self._url("/credentials")))
        return held

    def answer(self, request: PresentationRequest | str, *, approve: bool = True) -> dict[str, Any]:
        """Show a request to the holder and send their decision: with ``approve``, what the wallet
        would disclose; otherwise a refusal. Returns the wallet's review of the request."""
        uri = request.uri if isinstance(request, PresentationRequest) else request
        review: dict[str, Any] = checked_json(
            self.sandbox.http.post(self._url("/presentations"), json={"request": uri})
        )
        checked_json(
            self.sandbox.http.post(
                self._url(f"/presentations/{review['request_id']}/decision"),
                json={"approve": approve, "review_hash": review["review_hash"]},
            )
        )
        return review

    def present(self, rp: str, *, approve: bool = True) -> Verdict:
        """One whole OpenID4VP exchange: ``rp`` asks, this wallet answers, the verdict is read."""
        request = self.sandbox.request(rp)
        self.answer(request, approve=approve)
        return self.sandbox.verdict(request)


class Sandbox:
    """Every sandbox service on one loopback port, with helpers for a test (module docstring).

    Start it with :meth:`start` and end it with :meth:`stop`, or use it as a context manager.
    """

    def __init__(self, settings: Settings, clock: FrozenClock, app: PathDispatcher, server: RunningServer) -> None:
        self.settings = settings
        self.clock = clock
        self.app = app
        self.server = server
        self.http = operator_client(settings)  # the operator's keyring: staff, holder, relying-party tokens
        self.public = httpx.Client(timeout=settings.http_timeout_seconds)  # a wallet or a stranger: no token
        self._governance = GovernanceClient(
            settings.service_url("registry"), self.public, settings.registry_authority_id
        )

    @classmethod
    def start(cls, data_dir: Path, *, start_at: datetime | None = None, **settings: Any) -> Sandbox:
        """Start a sandbox that keeps its state under ``data_dir`` (a directory of its own) on a
        free loopback port; its clock starts at ``start_at`` (default: now) and moves only when
        told. ``settings`` override :class:`~pctf.settings.Settings` fields (e.g.
        ``status_list_ttl_seconds=60``); anything else comes from ``PCTF_*`` variables, except
        where the services are and what they store: never another deployment's."""
        isolated: dict[str, Any] = {
            "data_dir": Path(data_dir),
            "host": "127.0.0.1",
            "port": free_port(),
            "public_url": None,
            "registry_url": None,
            "issuers_url": None,
            "wallet_url": None,
            "verifier_url": None,
            "issuer_urls": {},
            "database_url": None,
            "unaccredited_issuers": (),
        }
        config = Settings(**{**isolated, **settings})
        config.ensure_data_dir()
        clock = FrozenClock(start_at)
        app = build_app(config, clock)
        server = serve_in_thread(app, config.host, config.port, config.base_url)
        return cls(config, clock, app, server)

    def stop(self) -> None:
        """Stop the services and close what they and the helpers hold open."""
        self.http.close()
        self.public.close()
        self.server.stop()
        dispose_all()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- where things are -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The sandbox's base URL (the dashboard; every service's paths hang off it)."""
        return self.settings.base_url

    @property
    def registry_url(self) -> str:
        return self.settings.service_url("registry")

    @property
    def issuers_url(self) -> str:
        return self.settings.service_url("issuers")

    @property
    def wallet_url(self) -> str:
        return self.settings.service_url("wallet")

    @property
    def verifier_url(self) -> str:
        return self.settings.service_url("verifier")

    def issuer_id(self, issuer: str) -> str:
        """A sandbox issuer's identifier (its credentials' ``iss``) from its short id (``prov1``)."""
        return self.settings.issuer_id(issuer)

    def token(self, role: str) -> str:
        """A role's bearer token: ``governance``, ``assessor``, ``staff:<issuer>`` or ``rp:<relying party>``."""
        return held_token(self.settings, role)

    def wallet_token(self, wallet_id: str) -> str | None:
        """The holder token of a wallet :meth:`wallet` opened."""
        return self.settings.wallet_token(wallet_id)

    # -- time --------------------------------------------------------------------------------------
    def now(self) -> datetime:
        """The sandbox's time, which every service reads."""
        return self.clock.now()

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
        """Move the sandbox's clock forward; returns the new time."""
        self.clock.advance(timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds))
        return self.clock.now()

    @property
    def status_list_ttl(self) -> int:
        """How long (seconds of the sandbox's clock) a relying party reuses a status list it
        fetched: a credential's new status reaches it once the clock has moved this far."""
        return self.settings.status_list_ttl_seconds

    # -- holders -----------------------------------------------------------------------------------
    @staticmethod
    def holder_key() -> SigningKey:
        """A new holder key pair (ES256), for a wallet of the test's own."""
        return generate_key()

    def wallet(self, persona_id: str) -> Wallet:
        """Open the persona's wallet in the sandbox's wallet service (or reopen it)."""
        from scenarios.steps import open_wallet

        return Wallet(self, persona_id, open_wallet(self.http, self.wallet_url, persona_id))

    # -- issuers -----------------------------------------------------------------------------------
    def offer(
        self,
        issuer: str,
        type: str,
        claims: Mapping[str, Any],
        *,
        assurance_level: int = 3,
        evidence: list[dict[str, Any]] | None = None,
    ) -> Offer:
        """Issuer staff's offer of a ``type`` credential with these ``claims``, at the staff route
        that makes it: identity proofing for a ``VerifiedPerson`` (from ``evidence``, by default
        documents about the person that reach ``assurance_level``, capped at the issuer's), an
        incorporation for a registrar's ``VerifiedOrganization`` (``claims``: ``legal_name``,
        ``registered_office``, ``director``, ``role``; its offer carries the director's
        ``VerifiedRelationship`` too), an ``Immunization``, or vital statistics' parent–child and
        a health authority's delegation ``VerifiedRelationship``."""
        kind = jurisdiction(issuer).kind
        body: dict[str, Any] = dict(claims)
        if type == "VerifiedPerson" and kind == "person":
            route = "proofing"
            body["evidence"] = evidence if evidence is not None else _evidence(claims, assurance_level)
        elif type in ("VerifiedOrganization", "VerifiedRelationship") and kind == "registrar":
            route = "incorporations"
        elif type == "Immunization" and kind == "health":
            route = "immunizations"
        elif type == "VerifiedRelationship" and kind == "vital_statistics":
            route = "relationships"
        elif type == "VerifiedRelationship" and kind == "health":
            route = "delegations"
        else:
            raise SandboxError(Reason.CREDENTIAL_TYPE_UNKNOWN, f"{issuer} ({kind}) makes no {type} offer")
        made = self.staff(issuer, route, body)
        return Offer(issuer, made["credential_offer_uri"], made.get("tx_code"), made)

    def staff(self, issuer: str, route: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /issuers/<issuer>/<route>`` with that issuer's staff token (``births``,
        ``deaths``, ...): any staff act the other helpers do not name."""
        answer: dict[str, Any] = checked_json(self.http.post(f"{self.issuers_url}/issuers/{issuer}/{route}", json=body))
        return answer

    def issue(
        self,
        issuer: str,
        type: str,
        claims: Mapping[str, Any],
        holder_key: SigningKey,
        *,
        assurance_level: int = 3,
        evidence: list[dict[str, Any]] | None = None,
    ) -> Issued:
        """A credential straight to ``holder_key``: the offer of :meth:`offer`, redeemed over
        OpenID4VCI as a wallet does (metadata, token with the transaction code, nonce, key proof)."""
        made = self.offer(issuer, type, claims, assurance_level=assurance_level, evidence=evidence)
        offer = oid4vci.resolve_offer(self.public, made.uri)
        redeemed = oid4vci.redeem(self.public, offer, holder_key, clock=self.clock, tx_code=made.tx_code)
        ids = {c.configuration_id: c.credential for c in redeemed.credentials}
        credential = ids.pop(type, None)
        if credential is None:
            raise SandboxError(Reason.CREDENTIAL_TYPE_UNKNOWN, f"{issuer}'s offer carried no {type}")
        return Issued(issuer, type, credential, self.issuance_of(issuer, credential), ids)

    def issuance_of(self, issuer: str, credential: str) -> int:
        """The issuance number of a credential ``issuer`` issued (found by its status list entry)."""
        entry = (sdjwt.SdJwt.parse(credential).payload.get("status") or {}).get("status_list") or {}
        listed = checked_json(self.http.get(f"{self.issuers_url}/issuers/{issuer}/issuances"))
        for row in listed:
            if row.get("status_list") == {"idx": entry.get("idx"), "uri": entry.get("uri")}:
                return int(row["id"])
        raise SandboxError(Reason.NOT_FOUND, f"{issuer} has no issuance of this credential", status_code=404)

    def set_status(
        self, issuer: str, issuance: int | Issued, status: str, *, reason: str | None = None
    ) -> dict[str, Any]:
        """Issuer staff set one credential's status: ``suspended``, ``valid`` (reinstated) or
        ``revoked`` (final). Relying parties read it from the status list once their copy is
        older than :attr:`status_list_ttl`: ``advance(seconds=sandbox.status_list_ttl)``."""
        number = issuance.issuance if isinstance(issuance, Issued) else issuance
        body = {"status": status, "reason": reason}
        url = f"{self.issuers_url}/issuers/{issuer}/issuances/{number}/status"
        answer: dict[str, Any] = checked_json(self.http.post(url, json=body))
        return answer

    def register_death(self, person: Mapping[str, Any], *, date_of_death: str | None = None) -> dict[str, Any]:
        """Vital statistics register ``person``'s death (``given_name``, ``family_name``,
        ``birthdate``), and every issuer hears of it; returns the registration once each issuer
        has processed the event, with what each revoked under ``revoked`` (by issuer)."""
        body = {k: person[k] for k in ("given_name", "family_name", "birthdate")}
        body["date_of_death"] = date_of_death or self.clock.now().date().isoformat()
        registered = self.staff("vitalstats", "deaths", body)
        revoked: dict[str, list[Any]] = {}
        deadline = time.monotonic() + DEATH_DELIVERY_SECONDS
        for issuer in SANDBOX_ISSUERS:
            url = f"{self.issuers_url}/issuers/{issuer}/events/{registered['event_id']}"
            while (answer := self.http.get(url)).status_code == 404 and time.monotonic() < deadline:
                time.sleep(0.02)
            revoked[issuer] = checked_json(answer)["revoked"]
        return {**registered, "revoked": revoked}

    # -- holders' presentations and relying parties ------------------------------------------------
    def present(
        self,
        credential: str | Issued,
        holder_key: SigningKey,
        *,
        disclose: Iterable[ClaimPath],
        audience: str,
        nonce: str,
    ) -> str:
        """A presentation of ``credential`` that discloses only the claims at ``disclose``
        (``"given_name"``, or a path such as ``["address", "locality"]``), with a Key Binding JWT
        for ``audience`` (a request's ``client_id``) and ``nonce``, signed now by ``holder_key``."""
        issued = credential.credential if isinstance(credential, Issued) else credential
        reveal = [_path(p) for p in disclose]
        return sdjwt.present(issued, holder_key, reveal=reveal, aud=audience, nonce=nonce, iat=self.clock.timestamp())

    def request(
        self, rp: str, *, client_id_prefix: str | None = None, response_mode: str | None = None
    ) -> PresentationRequest:
        """A new OpenID4VP request at relying party ``rp`` (``bank``, ``fed-benefits``, ...).
        ``response_mode``: ``direct_post`` (the default) or ``direct_post.jwt`` (the answer
        encrypted to the relying party); ``client_id_prefix``: ``redirect_uri`` (the default, the
        request by value) or ``x509_hash`` / ``x509_san_dns`` (signed, by reference; ``x509_san_dns``
        needs the sandbox reached at a DNS name, which :meth:`start`'s loopback address is not)."""
        options = {k: v for k, v in (("client_id_prefix", client_id_prefix), ("response_mode", response_mode)) if v}
        made = checked_json(self.http.post(f"{self.verifier_url}/verifier/{rp}/requests", json=options or None))
        request = made["request"]
        return PresentationRequest(
            rp=rp,
            state=made["state"],
            uri=made["request_uri"],
            nonce=request["nonce"],
            client_id=request["client_id"],
            response_uri=request["response_uri"],
            query_ids=tuple(q["id"] for q in request["dcql_query"]["credentials"]),
            raw=made,
            response_mode=request["response_mode"],
        )

    def fetch_request(self, request: PresentationRequest) -> dict[str, Any]:
        """The request's parameters as a wallet reads them: for one sent by reference, the request
        object fetched from its ``request_uri`` and verified (signature, certificate chain to this
        sandbox's root, client identifier; :func:`pctf.jar.verify`); otherwise the link's."""
        reference = oid4vp.request_reference(request.uri)
        if reference is None:
            return oid4vp.parse_request(request.uri)
        client_id, request_uri = reference
        roots = [x509.load_pem_x509_certificate(root_path(self.settings.data_dir).read_bytes())]
        verified = jar.verify(jar.fetch(self.public, request_uri), client_id=client_id, roots=roots, now=self.now())
        return oid4vp.parse_request(verified, signed=True)

    def respond(self, request: PresentationRequest, presentations: str | Mapping[str, str]) -> Verdict:
        """Send presentations to the request's response URI as a wallet does (``direct_post``, or
        encrypted to the relying party for ``direct_post.jwt``; a request sent by reference is
        fetched and verified first, :meth:`fetch_request`), and read the verdict.
        ``presentations``: by DCQL query id, or one presentation when the request asks for one
        credential."""
        if isinstance(presentations, str):
            if len(request.query_ids) != 1:
                raise SandboxError(
                    Reason.BAD_REQUEST, f"{request.rp} asks for {', '.join(request.query_ids)}: name each presentation"
                )
            presentations = {request.query_ids[0]: presentations}
        params = self.fetch_request(request)
        form = oid4vp.response_form(params, vp_token={k: [v] for k, v in presentations.items()})
        checked_json(self.public.post(params["response_uri"], data=form))
        return self.verdict(request)

    def verdict(self, request: PresentationRequest) -> Verdict:
        """The relying party's verdict on ``request`` (``pending`` until a wallet answered)."""
        url = f"{self.verifier_url}/verifier/{request.rp}/requests/{request.state}"
        return _verdict(checked_json(self.http.get(url)))

    # -- the registry ------------------------------------------------------------------------------
    def onboard(
        self,
        issuer_id: str,
        jwks: Mapping[str, Any],
        grants: Iterable[tuple[str, int]],
        *,
        name: str | None = None,
        jurisdiction: str = "Test",
    ) -> dict[str, Any]:
        """Register an issuer of the test's own (``issuer_id``, its credentials' ``iss``) with its
        public keys and grants (credential type or ``vct``, highest level of assurance), so the
        relying parties accept what it issues. Returns the registry's entity record."""
        entity = self._governance.seed_issuer(
            issuer_id,
            name=name or issuer_id,
            jurisdiction=jurisdiction,
            jwks=dict(jwks),
            grants=list(grants),
            token=self.token("governance"),
        )
        self._forget_registry_answers()
        return entity

    def suspend(
        self, entity: str, *, reason: str = "suspended by governance", retroactive: bool | None = None
    ) -> dict[str, Any]:
        """Suspend an issuer (a sandbox short id or an entity id) from now; with ``retroactive``,
        what it issued before is refused too (the registry's default: not)."""
        return self._entity_status(entity, "suspended", reason, retroactive)

    def revoke(
        self, entity: str, *, reason: str = "revoked by governance", retroactive: bool | None = None
    ) -> dict[str, Any]:
        """Revoke an issuer for good; what it issued before is refused too unless ``retroactive=False``."""
        return self._entity_status(entity, "revoked", reason, retroactive)

    def reinstate(self, entity: str, *, reason: str | None = None) -> dict[str, Any]:
        """Lift an issuer's suspension from now."""
        return self._entity_status(entity, "active", reason, None)

    def _entity_status(self, entity: str, status: str, reason: str | None, retroactive: bool | None) -> dict[str, Any]:
        entity_id = entity if "://" in entity else self.issuer_id(entity)
        record = self._governance.set_entity_status(
            entity_id, status, token=self.token("governance"), reason=reason, retroactive=retroactive
        )
        self._forget_registry_answers()
        return record

    def _forget_registry_answers(self) -> None:
        """The relying parties drop the registry answers they keep (a deployed one keeps a positive
        answer for a minute), so a governance decision counts at the next verification, as a
        test that makes it expects."""
        for prefix, app in self.app.routes:
            if prefix == "/verifier":
                app.state.service.engine.trust.clear_cache()
