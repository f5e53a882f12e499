"""The other issuers, as one issuer reaches them: their keys, and the identity questions it asks them.

Each jurisdiction may run its issuers in a process of its own (``pctf-sandbox serve issuers
--issuer prov1``), over its own database. Nothing here reads another issuer's tables: an issuer
this process does not serve is reached as any party would reach it.

- **Its keys** come from the trust registry's record of it (``GET /registry/entity``), as a
  relying party learns them, cached and fetched again for a key id the cache does not hold: a
  death event is believed only when vital statistics' registered key signed it.
- **Identity questions.** A health authority offering a delegation asks the identity programs
  whether each person holds a valid Verified Person at the delegation's level of assurance or
  more, and every issuer asks vital statistics whether a person is on the death register before
  it offers a credential about them. The question goes to the program's
  ``POST /issuers/<id>/identity-queries`` as a short-lived JWT the asking issuer signs with its
  own key (``typ: pctf-identity-query+jwt``, ``aud`` the program's identifier, at most
  :data:`QUERY_LIFETIME_SECONDS` long). The program believes it only when the signature verifies
  with the keys the registry records for the asker and the registry lists the asker as an active
  sandbox issuer: a stranger cannot probe who holds a credential. The answer is minimal: yes or
  no, and for a Verified Person the level of assurance, never a claim.

When the program is served in this process, the same question is answered by a direct query of
this process's database (:meth:`Peers.verified_person_loa`, :meth:`Peers.is_deceased`): one code
path, two transports.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse
from sqlmodel import Session, col, select

from pctf.access import Role, owner
from pctf.clock import as_utc
from pctf.http import checked_json, make_client, send
from pctf.jose import Jws
from pctf.reasons import Reason, SandboxError
from pctf.schemas import Record, documented
from pctf.vocab import LEVELS_OF_ASSURANCE, VERIFIED_PERSON

from .deaths import same_person
from .jurisdictions import SANDBOX_ISSUERS, jurisdiction
from .models import Issuance
from .vital_statistics import is_registered_deceased, person_of

if TYPE_CHECKING:
    from .keys import IssuerKeys

QUERY_TYP = "pctf-identity-query+jwt"
QUERY_LIFETIME_SECONDS = 60
# Which question each kind of issuer answers.
QUESTIONS = {"person": "verified_person", "vital_statistics": "deceased"}
# How long another issuer's registered keys are used before they are read again, and how soon a
# key id the cache lacks may send this process to the registry again (a forged kid costs one read).
KEYS_TTL_SECONDS = 300.0
KEYS_REFETCH_SECONDS = 5.0


class PeerUnreachable(ConnectionError):
    """The registry could not be asked for another issuer's keys: a failure a later try may not have."""


class IdentityAnswerOut(Record):
    """Yes or no, and for a Verified Person the level of assurance held; never a claim."""

    issuer: str
    question: str
    answer: bool
    assurance_level: int | None


def identity_programs() -> list[str]:
    """The sandbox's identity programs: the issuers of Verified Person."""
    return [j.short_id for j in SANDBOX_ISSUERS.values() if j.kind == "person"]


def death_registrar() -> str:
    """The vital statistics agency that keeps the death register."""
    return next(j.short_id for j in SANDBOX_ISSUERS.values() if j.kind == "vital_statistics")


def _unauthenticated(message: str) -> SandboxError:
    return SandboxError(Reason.INVALID_TOKEN, message, status_code=401)


class Peers:
    """The other sandbox issuers, from one process: local when it serves them, else over HTTP."""

    def __init__(self, keys: IssuerKeys, http: httpx.Client | None = None) -> None:
        self.keys = keys
        self.settings = keys.settings
        self.clock = keys.clock
        self._http = http
        self._lock = threading.Lock()
        # short id -> (monotonic time read, the registry's record of that issuer)
        self._records: dict[str, tuple[float, dict[str, Any] | None]] = {}

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = make_client(self.settings)
        return self._http

    # -- keys ------------------------------------------------------------------------------------
    def record(self, short_id: str, *, kid: str | None = None) -> dict[str, Any] | None:
        """The trust registry's record of issuer ``short_id`` (None when it has none), cached for
        :data:`KEYS_TTL_SECONDS`; read again when ``kid`` is not among the cached keys."""
        now = time.monotonic()
        with self._lock:
            cached = self._records.get(short_id)
        if cached is not None:
            read_at, entity = cached
            fresh = now - read_at < KEYS_TTL_SECONDS
            knows_kid = kid is None or any(k.get("kid") == kid for k in _keys_of(entity))
            if fresh and (knows_kid or now - read_at < KEYS_REFETCH_SECONDS):
                return entity
        url = f"{self.settings.service_url('registry')}/registry/entity"
        answer = send(self.http, "GET", url, params={"entity_id": self.settings.issuer_id(short_id)})
        entity = None if answer.status_code == 404 else checked_json(answer)
        if entity is not None and not isinstance(entity, dict):
            raise SandboxError(Reason.BAD_REQUEST, "the registry's entity record is not a JSON object")
        with self._lock:
            self._records[short_id] = (now, entity)
        return entity

    def jwks(self, short_id: str, *, kid: str | None = None) -> list[dict[str, Any]]:
        """The public keys of issuer ``short_id``: its own when this process serves it, else
        those the registry records for it (none when the registry does not know it)."""
        if self.keys.hosts(short_id):
            return self.keys.jwks(short_id)["keys"]
        try:
            return _keys_of(self.record(short_id, kid=kid))
        except SandboxError as exc:
            if exc.reason == Reason.ENDPOINT_UNREACHABLE or exc.status_code >= 500:
                # Not an answer about the keys: whoever asked (a death event's handler) tries again later.
                raise PeerUnreachable(exc.message) from None
            raise

    # -- the questions, asked --------------------------------------------------------------------
    def is_deceased(self, person: dict[str, Any], *, asker: str) -> bool:
        """Whether vital statistics has registered the death of ``person`` (``asker``: the issuer that asks)."""
        registrar = death_registrar()
        if self.keys.hosts(registrar):
            return is_registered_deceased(self.keys.db, person)
        return self._ask(asker, registrar, "deceased", person)["answer"]

    def verified_person_loa(self, person: dict[str, Any], at_least: int, *, asker: str) -> int | None:
        """The level of assurance of a valid Verified Person of ``person`` at ``at_least`` or more
        from one of the identity programs (the first that has one), else None."""
        for program in identity_programs():
            if self.keys.hosts(program):
                loa = held_loa(self.keys.db, program, person, self.clock.now())
            else:
                answer = self._ask(asker, program, "verified_person", person, min_assurance_level=at_least)
                loa = answer["assurance_level"] if answer["answer"] else None
            if loa is not None and loa >= at_least:
                return loa
        return None

    def _ask(self, asker: str, program: str, question: str, person: dict[str, Any], **extra: Any) -> dict[str, Any]:
        audience = self.settings.issuer_id(program)
        now = self.clock.timestamp()
        claims = {
            "iss": self.settings.issuer_id(asker),
            "aud": audience,
            "iat": now,
            "exp": now + QUERY_LIFETIME_SECONDS,
            "question": question,
            "person": person,
            **extra,
        }
        assertion = self.keys.signing_key(asker).sign(claims, typ=QUERY_TYP)
        answer = checked_json(send(self.http, "POST", f"{audience}/identity-queries", json={"assertion": assertion}))
        if (
            not isinstance(answer, dict)
            or answer.get("issuer") != audience
            or answer.get("question") != question
            or not isinstance(answer.get("answer"), bool)
            or not (answer.get("assurance_level") is None or answer.get("assurance_level") in LEVELS_OF_ASSURANCE)
        ):
            raise SandboxError(
                Reason.BAD_REQUEST, f"{audience} did not answer the {question} question", status_code=502
            )
        return answer

    # -- the questions, answered -----------------------------------------------------------------
    def answer(self, short_id: str, body: object) -> dict[str, Any]:
        """Answer another sandbox issuer's signed question (``{"assertion": <JWT>}``) to ``short_id``."""
        issuer = jurisdiction(self.keys.hosted_issuer(short_id))
        question = QUESTIONS.get(issuer.kind)
        if question is None:
            raise SandboxError(Reason.BAD_REQUEST, f"{short_id} answers no identity question", status_code=404)
        assertion = body.get("assertion") if isinstance(body, dict) else None
        if not isinstance(assertion, str) or not assertion or len(assertion) > 8192:
            raise SandboxError(Reason.BAD_REQUEST, "an identity query is {assertion: the asking issuer's signed JWT}")
        try:
            claims = self._authenticated(short_id, assertion)
        except SandboxError as exc:
            if exc.reason == Reason.INVALID_TOKEN and exc.status_code != 401:  # from the JWS checks (400)
                raise _unauthenticated(exc.message) from None
            raise
        if claims.get("question") != question:
            raise SandboxError(Reason.BAD_REQUEST, f"{short_id} answers the {question} question only")
        person = person_of(claims.get("person"))
        identifier = self.settings.issuer_id(short_id)
        if question == "deceased":
            return {
                "issuer": identifier,
                "question": question,
                "answer": is_registered_deceased(self.keys.db, person),
                "assurance_level": None,
            }
        at_least = claims.get("min_assurance_level")
        if isinstance(at_least, bool) or at_least not in LEVELS_OF_ASSURANCE:
            raise SandboxError(Reason.BAD_REQUEST, "min_assurance_level must be a level of assurance (1-4)")
        loa = held_loa(self.keys.db, short_id, person, self.clock.now())
        held = loa is not None and loa >= at_least
        return {"issuer": identifier, "question": question, "answer": held, "assurance_level": loa if held else None}

    def _authenticated(self, short_id: str, assertion: str) -> dict[str, Any]:
        """The claims of ``assertion`` once it is shown to come from an active sandbox issuer, for ``short_id``."""
        jws = Jws.parse(assertion, malformed=Reason.INVALID_TOKEN)
        jws.check_header((QUERY_TYP,), typ_reason=Reason.INVALID_TOKEN, alg_reason=Reason.INVALID_TOKEN)
        claims = jws.payload
        asker = self.settings.issuer_short_id(claims.get("iss"))
        if asker is None or asker not in SANDBOX_ISSUERS or asker == short_id:
            raise _unauthenticated("the query is not from another issuer of this sandbox")
        kid = jws.header.get("kid")
        entity = None if self.keys.hosts(asker) else self.record(asker, kid=kid if isinstance(kid, str) else None)
        keys = self.keys.jwks(asker)["keys"] if self.keys.hosts(asker) else _keys_of(entity)
        if entity is not None and (entity.get("role") != "issuer" or entity.get("status") != "active"):
            entity = None
        if not self.keys.hosts(asker) and entity is None:
            raise _unauthenticated("the trust registry lists no active issuer by that name")
        jws.verify_with_any(
            keys, whose="the asker's registered keys", reason=Reason.INVALID_TOKEN, unknown=Reason.INVALID_TOKEN
        )
        if claims.get("aud") != self.settings.issuer_id(short_id):
            raise _unauthenticated("the query is addressed to another issuer")
        now, leeway = self.clock.timestamp(), self.settings.leeway_seconds
        iat, exp = claims.get("iat"), claims.get("exp")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (iat, exp)):
            raise _unauthenticated("the query carries no iat and exp")
        assert isinstance(iat, int) and isinstance(exp, int)
        if exp <= now - leeway or iat > now + leeway or exp - iat > QUERY_LIFETIME_SECONDS:
            raise _unauthenticated(f"the query has expired, or lives longer than {QUERY_LIFETIME_SECONDS} seconds")
        return claims


def held_loa(db: Any, program: str, person: dict[str, Any], now: datetime) -> int | None:
    """The highest level of assurance of a valid, unexpired Verified Person ``program`` issued
    to ``person``, from this process's own register of issuances; None when it issued none."""
    with Session(db) as session:
        rows = session.exec(
            select(Issuance).where(
                Issuance.vct == VERIFIED_PERSON.vct,
                col(Issuance.issuer_id) == program,
                Issuance.status == "valid",
            )
        ).all()
    levels = [r.assurance_level for r in rows if as_utc(r.expires_at) > now and same_person(r.claims, person)]
    return max(levels) if levels else None


def _keys_of(entity: dict[str, Any] | None) -> list[dict[str, Any]]:
    jwks = entity.get("jwks") if isinstance(entity, dict) else None
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    return [k for k in keys if isinstance(k, dict)] if isinstance(keys, list) else []


def add_identity_queries(app: FastAPI, keys: IssuerKeys) -> None:
    """``POST /issuers/{issuer}/identity-queries`` on the issuers' app."""

    @app.post(
        "/issuers/{issuer}/identity-queries",
        response_model=IdentityAnswerOut,
        **documented(owner(Role.PUBLIC), 401, 502),
    )
    def identity_query(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """Another sandbox issuer asks an identity program whether a person holds a valid Verified
        Person (at a level of assurance or more), or vital statistics whether a person is on the
        death register. Public as a door, with its own proof: the asker's signed query, checked
        against the keys the trust registry records for it. The answer is yes or no (and the
        level of assurance), never a claim."""
        return JSONResponse(keys.peers.answer(issuer, body), headers={"Cache-Control": "no-store"})
