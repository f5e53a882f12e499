"""The real journey of each simulated opening, in a sandbox of the partition's own.

:class:`Sandbox` sets the scenario's levers up as real state: one issuer service per digital
identity program and per business registrar (each with its own keys, ledger and status lists, in
its own database under a temporary directory), a trust registry that lists the accredited ones with
their grants, lists the ``not_authorized`` ones without, does not know the ``unaccredited``
ones, and recognizes the frameworks (registries of their own) that accredit the ``recognized``
ones; and the banks' verifiers (the real :class:`~verifier.engine.VerificationEngine` with each
bank's business account policy) asking that registry and those status lists.

A person who goes online is then proofed from their evidence by their jurisdiction's program (the
LoA it reaches is the proofing's), issued a Verified Person on the day they got it, incorporates
with their registrar (the register records the corporation) and is issued the Verified
Organization and the director's Verified Relationship; revocations and deaths set the credential's
real status list bit; the wallet presents what the bank's DCQL query asks for with a Key Binding
JWT; the bank verifies against the registry and the status lists. The outcome is the verdict:
``digital``, or its first reason. Those who never reach a bank go to the branch with one of the
simulator's own reasons (:data:`NO_WALLET` ...).

The services are called as objects in this process, not over HTTP: every signature, registry
query and status list read is the real one, but a call costs microseconds instead of a request.
The one exception is a bank that follows recognitions, asking about an issuer its registry does not
know: it asks through the real registry client, over HTTP to the registries' apps in this process.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from issuers.service import IssuerService
from issuers.status import LocalStatusSource
from pctf import sdjwt, trqp
from pctf.clock import FrozenClock
from pctf.jose import generate_key
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_under, engine_for
from pctf.trust import TrustSource
from registry.app import create_app as create_registry_app
from registry.client import RegistryClient
from registry.local_trust import LocalTrust
from registry.seed import seed_issuer
from registry.service import RegistryService
from verifier.engine import VerificationEngine
from verifier.policy import Policy
from verifier.relying_parties import BUSINESS_ACCOUNT

from .partition import Partition
from .population import Person, person
from .sampling import SamplePlan
from .scenario import CREDENTIALS, Bank, PersonIssuer, Registrar, Scenario, canada
from .tally import DIGITAL, Tally

# The simulator's own reasons, for what never reaches a bank's verifier.
NO_WALLET = "no_wallet"  # no wallet to hold credentials
PREFERS_BRANCH = "prefers_branch"  # could have, chose the branch
NO_PERSON_CREDENTIAL = "no_person_credential"  # their jurisdiction has no digital identity program
NO_ORGANIZATION_CREDENTIAL = "no_organization_credential"  # their registrar issues no business credentials
SIMULATOR_REASONS = (NO_WALLET, PREFERS_BRANCH, NO_PERSON_CREDENTIAL, NO_ORGANIZATION_CREDENTIAL)

# The sandbox issuers whose code each program runs: a LoA 3 identity program proofs as Province 1
# does, a LoA 2 one as Province 2 (:mod:`issuers.jurisdictions`); every registrar as the federal one.
_PERSON_TEMPLATE = {3: "prov1", 2: "prov2"}
_REGISTRAR_TEMPLATE = "fed"
FEDERAL = "CA"  # the federal registrar's code

# People are verified in chunks of this many (by their index in the population or sample); the
# clock moves past the status lists' ttl between chunks so each chunk's banks read fresh lists,
# and a revocation made before a chunk is seen in it. A person's chunk, hence their clock, depends
# on their index alone, never on the partition.
CHUNK = 256
_MAX_ANSWERS = 4096  # positive registry answers a bank keeps, as registry.answer_cache bounds them
_EPOCH_YEARS = 12  # the registry and the issuers' keys predate every credential by this much
_ADDRESS = {"street_address": "1 Main Street", "locality": "Capital", "postal_code": "A1A 1A1", "country": "CA"}


def _settings(data_dir: Path, **urls: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=None,
        public_url=None,
        registry_url=urls.get("registry_url"),
        issuers_url=urls.get("issuers_url"),
        verifier_url=urls.get("verifier_url"),
        wallet_url=None,
        issuer_urls={},
        governance_token=secrets.token_urlsafe(32),
        assessor_token=secrets.token_urlsafe(32),
        # Incorporation makes a credential offer, whose code is keyed on the staff token.
        issuer_staff_tokens={t: secrets.token_urlsafe(32) for t in (*_PERSON_TEMPLATE.values(), _REGISTRAR_TEMPLATE)},
        unaccredited_issuers=(),
        event_bus="memory://",
    )


def bank_policy(bank: Bank) -> Policy:
    """The sandbox bank's business account policy cut to what ``bank`` asks for, at its LoA."""
    wanted = {
        "VerifiedPerson": "person",
        "VerifiedOrganization": "organization",
        "VerifiedRelationship": "relationship",
    }
    ids = {wanted[c] for c in bank.credentials}
    requirements = tuple(
        dataclasses.replace(r, min_loa=bank.min_loa) if r.query_id == "person" else r
        for r in BUSINESS_ACCOUNT.requirements
        if r.query_id in ids
    )
    links = tuple(link for link in BUSINESS_ACCOUNT.links if link.left in ids and link.right in ids)
    return dataclasses.replace(BUSINESS_ACCOUNT, requirements=requirements, links=links)


@dataclass(frozen=True)
class Presentation:
    """What a wallet sends a bank: the ``vp_token`` answering its query, for its ``nonce``."""

    bank: int
    vp_token: dict[str, str]
    nonce: str


class _Program:
    """One issuing program: an issuer service of its own, running a sandbox issuer's code."""

    def __init__(
        self, root: Path, host: str, template: str, lifetime_days: int, clock: FrozenClock, blank: Path
    ) -> None:
        settings = _settings(root / host, issuers_url=f"https://{host}.sim.pctf.example")
        settings = settings.model_copy(update={"credential_lifetime_days": lifetime_days})
        # A copy of an empty issuers' database already at the head of its migrations: the same
        # tables the issuer service would create, without running the history once per program.
        shutil.copyfile(blank, settings.ensure_data_dir() / blank.name)
        self.template = template
        self.service = IssuerService(settings, clock, hosted=(template, "vitalstats"))
        self.status = LocalStatusSource(self.service)

    @property
    def entity_id(self) -> str:
        return self.service.issuer_url(self.template)


def _blank_issuers_database(directory: Path) -> Path:
    """An issuers' SQLite database with its tables migrated and nothing in them; its file."""
    settings = _settings(directory)
    engine_for(settings, "issuers")
    dispose_under(directory)  # the last connection closed: the file holds everything, no WAL beside it
    return directory / "issuers.db"


class _CachingTrust(LocalTrust):
    """The registry as a bank's registry client sees it: what :class:`registry.client.RegistryClient`
    keeps, kept here too (an entity's record once found, a positive authorization answer for the
    instant it was asked about); everything else is asked of the registry every time."""

    def __init__(self, service: RegistryService) -> None:
        super().__init__(service)
        self._records: dict[str, dict[str, Any]] = {}
        self._answers: dict[tuple[Any, ...], trqp.AuthorizationAnswer] = {}

    def _record(self, entity_id: str) -> dict[str, Any] | None:
        found = self._records.get(entity_id)
        if found is None:
            found = super()._record(entity_id)
            if found is not None:
                self._records[entity_id] = found
        return found

    def authorization(
        self, entity_id: str, action: str, resource: str, *, at: datetime, assurance_level: int | None = None
    ) -> trqp.AuthorizationAnswer:
        key = (entity_id, action, resource, at, assurance_level)
        found = self._answers.get(key)
        if found is None:
            found = super().authorization(entity_id, action, resource, at=at, assurance_level=assurance_level)
            if found.authorized:
                if len(self._answers) >= _MAX_ANSWERS:
                    self._answers.clear()
                self._answers[key] = found
        return found


class _Recognizing:
    """A bank's trust that also follows recognitions: the home registry answers for the issuers it
    knows; for any other, the registry client asks, which follows the home registry's recognitions
    to the recognized framework's registry (:class:`registry.client.RegistryClient`)."""

    def __init__(self, home: _CachingTrust, client: RegistryClient) -> None:
        self.home = home
        self.client = client

    def _trust(self, entity_id: str) -> TrustSource:
        return self.home if self.home._record(entity_id) is not None else self.client

    def issuer_jwks(self, entity_id: str) -> dict[str, Any] | None:
        return self._trust(entity_id).issuer_jwks(entity_id)

    def key_state(self, entity_id: str, kid: str | None, *, at: datetime) -> tuple[str, str]:
        return self._trust(entity_id).key_state(entity_id, kid, at=at)

    def authorization(
        self, entity_id: str, action: str, resource: str, *, at: datetime, assurance_level: int | None = None
    ) -> trqp.AuthorizationAnswer:
        return self._trust(entity_id).authorization(entity_id, action, resource, at=at, assurance_level=assurance_level)


class InProcessTransport(httpx.BaseTransport):
    """HTTP to ASGI apps in this process, each found by the request's host: the request and the
    response are the real ones, only the network is left out."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.apps = apps
        # One event loop for every request, on a thread of its own: the apps' worker threads are
        # then started once, not at each request.
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="simulator-asgi", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        app = self.apps.get(request.url.netloc.decode())
        if app is None:
            return httpx.Response(502, json={"error": "no such host in this process"})
        body = request.read()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": (request.url.host, request.url.port or 443),
            "client": ("127.0.0.1", 0),
        }
        sent: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                sent["status"], sent["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                sent["body"] += message.get("body", b"")

        asyncio.run_coroutine_threadsafe(app(scope, receive, send), self.loop).result()
        return httpx.Response(sent["status"], headers=sent["headers"], content=bytes(sent["body"]), request=request)


class _ProgramsStatus:
    """The banks' status source: each program's lists, as its status list endpoint serves them.

    A Status List Token read costs its issuer a signature and the bank a verification, once per
    list and chunk; these are not counted in the tally, so that its counts stay the same however the
    population is partitioned (each partition reads the lists anew)."""

    def __init__(self) -> None:
        self.programs: list[_Program] = []

    def status_list_token(self, uri: str) -> str:
        for program in self.programs:
            if program.service.parse_status_list_uri(uri) is not None:
                return program.status.status_list_token(uri)
        raise SandboxError(Reason.STATUS_LIST_UNAVAILABLE, f"{uri} is no program's status list", status_code=503)


class Sandbox:
    """The in-process sandbox one partition runs in; a context manager that removes it after."""

    def __init__(self, scenario: Scenario, seed: int, *, directory: Path | None = None) -> None:
        self.scenario = scenario
        self.seed = seed
        self._own_dir = directory is None
        # In memory where the system has a tmpfs: the sandbox's databases are scratch, never kept.
        scratch = "/dev/shm" if Path("/dev/shm").is_dir() else None
        self.root = Path(tempfile.mkdtemp(prefix="pctf-simulate-", dir=scratch)) if directory is None else directory
        try:
            self._build(scenario)
        except BaseException:
            self.close()
            raise

    def _build(self, scenario: Scenario) -> None:
        """The registry, the programs and the banks' verifier, as the scenario's levers set them."""
        self.as_of = datetime.combine(scenario.as_of, time(12), tzinfo=UTC)
        self.clock = FrozenClock(self.as_of - timedelta(days=365 * _EPOCH_YEARS))
        self.registry = RegistryService(
            _settings(self.root / "registry", registry_url="https://registry.sim.pctf.example"), self.clock
        )
        self.status = _ProgramsStatus()
        self.frameworks: dict[str, RegistryService] = {}
        self.transport: InProcessTransport | None = None
        self.blank = _blank_issuers_database(self.root / "blank")
        self.person_programs: dict[str, _Program] = {}
        self.registrars: dict[str, _Program] = {}
        for code, row in canada()["jurisdictions"].items():
            levers = scenario.levers(code)
            if levers.person_issuer.status != "none":
                self.person_programs[code] = self._program(
                    f"id-{code.lower()}", levers.person_issuer, row["name_en"] + " Digital Identity Program", code
                )
            if levers.registrar.status != "none":
                self.registrars[code] = self._program(
                    f"registrar-{code.lower()}", levers.registrar, row["name_en"] + " Business Registry", code
                )
        if scenario.federal_registrar.status != "none":
            self.registrars[FEDERAL] = self._program(
                "registrar-ca", scenario.federal_registrar, "Corporations Canada", FEDERAL
            )
        verifier_url = "https://bank.sim.pctf.example"
        self.aud = f"redirect_uri:{verifier_url}/verifier/bank/response"
        home = _CachingTrust(self.registry)
        # A bank that follows recognitions asks through the registry client, which does; over HTTP
        # in process, for an issuer the home registry does not know (it never does otherwise).
        following = _Recognizing(home, self._registry_client()) if self.frameworks else home
        self.engines = [
            VerificationEngine(following if bank.accepts_recognized else home, self.clock, status=self.status)
            for bank in scenario.banks
        ]
        self.policies = [bank_policy(bank) for bank in scenario.banks]

    def _program(self, host: str, levers: PersonIssuer | Registrar, name: str, code: str) -> _Program:
        """An issuing program, set up in the registry as its status says."""
        grants: list[tuple[str, int]]
        if isinstance(levers, PersonIssuer):
            template, grants = _PERSON_TEMPLATE[levers.loa], [("VerifiedPerson", levers.loa)]
        else:
            template, grants = _REGISTRAR_TEMPLATE, [("VerifiedOrganization", 3), ("VerifiedRelationship", 3)]
        program = _Program(self.root, host, template, levers.lifetime_days, self.clock, self.blank)
        self.status.programs.append(program)
        if levers.status in ("accredited", "not_authorized", "recognized"):
            seed_issuer(
                self._framework(code) if levers.status == "recognized" else self.registry,
                program.entity_id,
                name=name,
                jurisdiction=code,
                jwks=program.service.jwks(template),
                grants=grants if levers.status != "not_authorized" else [],
            )
        return program

    def _registry_client(self) -> RegistryClient:
        """The real registry client, reaching the home registry and the frameworks' over HTTP in
        this process (:class:`InProcessTransport`), each registry's app by its host."""
        apps = {
            urlsplit(service.authority_id).netloc: create_registry_app(service.settings, self.clock, service)
            for service in (self.registry, *self.frameworks.values())
        }
        self.transport = InProcessTransport(apps)
        http = httpx.Client(transport=self.transport)
        return RegistryClient(
            self.registry.settings.service_url("registry"), http, self.registry.authority_id, clock=self.clock
        )

    def _framework(self, code: str) -> RegistryService:
        """Jurisdiction ``code``'s own trust framework: a registry of its own, which the
        pan-Canadian registry recognizes for every credential type it accredits programs for."""
        found = self.frameworks.get(code)
        if found is None:
            url = f"https://framework-{code.lower()}.sim.pctf.example"
            found = self.frameworks[code] = RegistryService(
                _settings(self.root / f"framework-{code.lower()}", registry_url=url), self.clock
            )
            for resource in CREDENTIALS:
                self.registry.recognize(found.authority_id, resource=resource)
        return found

    # -- running ----------------------------------------------------------------------------------
    def run(
        self,
        partition: Partition,
        *,
        sample: SamplePlan | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Tally:
        """Tally people ``[start, stop)`` of the population (of the sample with ``sample``), a
        chunk at a time: first everyone's credentials and what happened to them during the period,
        then every presentation to the banks, at the chunk's moment."""
        tally = Tally()
        start = partition.start
        while start < partition.stop:
            chunk = start // CHUNK
            stop = min(partition.stop, (chunk + 1) * CHUNK)
            now = self.as_of + timedelta(seconds=chunk * (self.status_ttl + 1))
            people = [self._person(i, sample) for i in range(start, stop)]
            prepared = [self.prepare(who, now, tally) for who, _ in people]
            self.clock.set(now)
            for (who, weight), ready in zip(people, prepared, strict=True):
                outcome = ready if isinstance(ready, str) else self.present(ready, tally)
                self._record(tally, who, outcome, weight, sampled=sample is not None)
            if progress is not None:
                progress(stop - start)
            start = stop
        return tally

    @property
    def status_ttl(self) -> int:
        """How long the banks keep a Status List Token (the issuers' ``ttl``)."""
        return self.registry.settings.status_list_ttl_seconds

    def _person(self, i: int, sample: SamplePlan | None) -> tuple[Person, float]:
        """Person ``i`` of the population, or of the sample with the weight of their stratum."""
        if sample is None:
            return person(self.scenario, self.seed, i), 1.0
        stratum, k = sample.locate(i)
        return person(self.scenario, self.seed, k, stratum=(stratum.jurisdiction, stratum.age_band)), stratum.weight

    def _record(self, tally: Tally, who: Person, outcome: str, weight: float, *, sampled: bool) -> None:
        tally.record(who.jurisdiction, outcome, weight)
        if outcome == DIGITAL:
            tally.minutes_digital += self.scenario.minutes.digital * weight
        else:
            tally.minutes_branch += self.scenario.minutes.branch * weight
        if sampled:
            seen = tally.strata.setdefault(who.stratum, [0, 0])
            seen[0] += 1
            seen[1] += outcome == DIGITAL

    def prepare(self, who: Person, now: datetime, tally: Tally) -> str | Presentation:
        """Everything before the bank: the branch reason of someone who never reaches it, or the
        presentation their wallet makes to the bank at ``now``."""
        if not who.has_wallet:
            return NO_WALLET
        if not who.tries_online:
            return PREFERS_BRANCH
        identity = self.person_programs.get(who.jurisdiction)
        if identity is None:
            return NO_PERSON_CREDENTIAL
        bank, policy = self.scenario.banks[who.bank], self.policies[who.bank]
        needs_business = "VerifiedOrganization" in bank.credentials or "VerifiedRelationship" in bank.credentials
        registrar = self.registrars.get(FEDERAL if who.federal else who.jurisdiction)
        if needs_business and registrar is None:
            return NO_ORGANIZATION_CREDENTIAL
        holder = generate_key()
        credentials: dict[str, str] = {}
        claims = self._person_claims(who)
        # The Verified Person, on the day the person got it: proofing from their evidence first.
        self.clock.set(now - timedelta(days=who.credential_age_days))
        proofed = identity.service.registration.proofed_person(
            identity.template, {**claims, "evidence": self._evidence(who)}
        )
        credentials["person"], person_issuance = identity.service.ledger.mint_recorded(
            identity.template, "VerifiedPerson", proofed, holder.public_jwk
        )
        tally.credentials_issued += 1
        tally.signatures_made += 1
        self.clock.set(now)
        if needs_business and registrar is not None:
            credentials.update(self._incorporate(registrar, who, claims, holder.public_jwk))
            tally.credentials_issued += 2
            tally.signatures_made += 2
        # During the period: the issuer revokes, or vital statistics registers the death and the
        # issuer revokes on it. The bank sees it: its lists were read in an earlier chunk, older than their ttl.
        if who.dies or who.revoked:
            identity.service.set_status(
                identity.template, person_issuance, "revoked", "deceased" if who.dies else "lost or stolen"
            )
            tally.revocations += 1
            tally.deaths += who.dies
        # The wallet answers the bank's DCQL query: each credential asked for, the claims asked
        # for disclosed, bound to this request by a Key Binding JWT.
        nonce = f"sim-{self.seed}-{who.index}-{who.stratum}"
        vp_token = {
            req.query_id: sdjwt.present(
                credentials[req.query_id],
                holder,
                reveal=req.claims,
                aud=self.aud,
                nonce=nonce,
                iat=self.clock.timestamp(),
            )
            for req in policy.requirements
        }
        tally.signatures_made += len(vp_token)
        return Presentation(who.bank, vp_token, nonce)

    def present(self, presentation: Presentation, tally: Tally) -> str:
        """The bank's full verification: ``digital``, or the first reason its verdict gives."""
        bank, policy = self.scenario.banks[presentation.bank], self.policies[presentation.bank]
        verdict = self.engines[presentation.bank].verify_presentation(
            policy, presentation.vp_token, aud=self.aud, nonce=presentation.nonce, verifier=bank.name
        )
        tally.verifications += 1
        tally.signatures_verified += 2 * len(presentation.vp_token)
        if verdict.accepted:
            return DIGITAL
        return verdict.reasons[0] if verdict.reasons else Reason.BAD_REQUEST.value

    @staticmethod
    def _person_claims(who: Person) -> dict[str, Any]:
        return {
            "given_name": who.given_name,
            "family_name": who.family_name,
            "birthdate": who.birthdate,
            "address": {**_ADDRESS, "region": who.jurisdiction},
        }

    @staticmethod
    def _evidence(who: Person) -> list[dict[str, Any]]:
        """What the person brings to proofing: a photo ID, and a birth certificate when ``full_evidence``."""
        same = {"given_name": who.given_name, "family_name": who.family_name, "birthdate": who.birthdate}
        docs = [{"type": "drivers_licence", "number": f"DL-{who.index}", **same}]
        if who.full_evidence:
            docs.append({"type": "birth_certificate", "number": f"BC-{who.index}", **same})
        return docs

    def _incorporate(
        self, registrar: _Program, who: Person, claims: dict[str, Any], holder_jwk: dict[str, Any]
    ) -> dict[str, str]:
        """The person incorporates with ``registrar``, which puts the corporation on its register
        and issues the Verified Organization and the director's Verified Relationship."""
        legal_name = f"{who.family_name} Ventures {who.index} Inc."
        office = {**_ADDRESS, "region": who.jurisdiction}
        director = {k: claims[k] for k in ("given_name", "family_name", "birthdate")}
        service, template = registrar.service, registrar.template
        registered = service.incorporate(
            template, {"legal_name": legal_name, "registered_office": office, "director": director, "role": "director"}
        )
        bn, today = registered["business_number"], self.clock.now().date().isoformat()
        organization = {
            "legal_name": legal_name,
            "business_number": bn,
            "jurisdiction_of_incorporation": "CA",
            "corporate_status": "active",
            "incorporation_date": today,
            "registered_office": office,
        }
        relationship = {
            "relationship_type": "director",
            "person": director,
            "effective_date": today,
            "organization": {"legal_name": legal_name, "business_number": bn},
        }
        return {
            "organization": service.mint(template, "VerifiedOrganization", organization, holder_jwk),
            "relationship": service.mint(template, "VerifiedRelationship", relationship, holder_jwk),
        }

    # -- lifetime ---------------------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        transport = getattr(self, "transport", None)
        if transport is not None:
            transport.close()
        # Only this sandbox's databases: another partition may be running in the same process.
        dispose_under(self.root)
        if self._own_dir:
            shutil.rmtree(self.root, ignore_errors=True)


__all__ = ["SIMULATOR_REASONS", "Sandbox", "bank_policy"]
