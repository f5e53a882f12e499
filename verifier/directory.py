"""Every relying party the verifier serves, and the one way each is looked up.

Three sources join here: the built-in relying parties (:mod:`verifier.relying_parties`), those a
file declares (``PCTF_RELYING_PARTIES``, read once at start), and those created over the API
(kept in the verifier's database, so every verifier process sharing it serves them). An id is
taken once across all three: a file that reuses one refuses to start (``setting_invalid``), an
API call that reuses one is a conflict.

Back-end tokens. A built-in or file-declared relying party's token comes from the settings
(``PCTF_RELYING_PARTY_TOKENS``, generated into the data directory in local mode), resolved at
start so a service that may not run with them refuses to start. One created over the API gets a
random token, answered once to its creator; the database keeps only its SHA-256, which is how a
presented token is recognised (the digest is looked up, then compared in constant time).

A relying party, once created, never changes: what is read from the database is kept in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pctf.access import Identify, Principal, Role, configured_tokens
from pctf.clock import Clock
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings

from .declarations import RelyingPartyIn, load_file, parse
from .models import DeclaredRelyingParty
from .relying_parties import RELYING_PARTIES, RelyingParty


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def configured_ids(settings: Settings) -> tuple[str, ...]:
    """The relying parties whose back-end tokens come from the settings: the built-in ones and
    those ``PCTF_RELYING_PARTIES`` declares (those created over the API hold tokens of their own).
    What ``init-secrets`` generates tokens for, and what an operator's keyring presents them to."""
    declared = load_file(settings.relying_parties) if settings.relying_parties else []
    return (*RELYING_PARTIES, *(rp.id for rp in declared if rp.id not in RELYING_PARTIES))


class RelyingParties:
    """The built-in, file-declared and API-created relying parties of one verifier."""

    def __init__(self, settings: Settings, db: Engine) -> None:
        self.settings = settings
        self.db = db
        self._created: dict[str, RelyingParty] = {}
        self._lock = threading.Lock()
        self.declared: dict[str, RelyingParty] = {}
        if settings.relying_parties:
            for rp in load_file(settings.relying_parties):
                where = f"PCTF_RELYING_PARTIES={settings.relying_parties}: relying party {rp.id!r}: id"
                if rp.id in RELYING_PARTIES:
                    raise SandboxError(Reason.SETTING_INVALID, f"{where}: is the id of a built-in relying party")
                if self._stored(rp.id) is not None:
                    raise SandboxError(Reason.SETTING_INVALID, f"{where}: was created over the API already")
                self.declared[rp.id] = rp

    # -- looking up ------------------------------------------------------------------------------
    def find(self, rp_id: str) -> RelyingParty | None:
        return RELYING_PARTIES.get(rp_id) or self.declared.get(rp_id) or self._stored(rp_id)

    def get(self, rp_id: str) -> RelyingParty:
        """The relying party ``rp_id``; ``not_found`` (404) when there is none."""
        found = self.find(rp_id)
        if found is None:
            raise SandboxError(Reason.NOT_FOUND, f"unknown relying party {rp_id!r}", status_code=404)
        return found

    def all(self) -> list[RelyingParty]:
        """Every relying party: the built-in ones, the file's, then those created over the API by id."""
        with Session(self.db) as session:
            rows = session.exec(select(DeclaredRelyingParty).order_by(DeclaredRelyingParty.id)).all()
        created = [self._remember(row) for row in rows]
        return [*RELYING_PARTIES.values(), *self.declared.values(), *created]

    def _stored(self, rp_id: str) -> RelyingParty | None:
        if rp_id in self._created:
            return self._created[rp_id]
        with Session(self.db) as session:
            row = session.get(DeclaredRelyingParty, rp_id)
        return self._remember(row) if row is not None else None

    def _remember(self, row: DeclaredRelyingParty) -> RelyingParty:
        with self._lock:
            found = self._created.get(row.id)
            if found is None:
                found = self._created[row.id] = parse(row.declaration, where="a stored declaration").relying_party()
            return found

    # -- creating ----------------------------------------------------------------------------------
    def create(self, body: object, clock: Clock) -> tuple[RelyingParty, str]:
        """A new relying party from its declaration, and its back-end token (given only here)."""
        declared: RelyingPartyIn = parse(body)
        if declared.id in RELYING_PARTIES or declared.id in self.declared or self._stored(declared.id) is not None:
            raise SandboxError(Reason.CONFLICT, f"a relying party {declared.id!r} exists already", status_code=409)
        token = secrets.token_urlsafe(32)
        row = DeclaredRelyingParty(
            id=declared.id,
            declaration=declared.model_dump(mode="json"),
            token_hash=token_hash(token),
            created_at=clock.now(),
        )
        with Session(self.db) as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:  # created a moment ago by another request or process
                raise SandboxError(
                    Reason.CONFLICT, f"a relying party {declared.id!r} exists already", status_code=409
                ) from None
        return declared.relying_party(), token

    # -- back-end tokens ---------------------------------------------------------------------------
    def identify(self) -> Identify:
        """How the verifier recognises a back-end token: the configured ones (built-in and
        file-declared relying parties, resolved now), then the digests of those created over the API."""
        configured = configured_tokens(
            Role.RELYING_PARTY,
            {rp_id: self.settings.relying_party_token(rp_id) for rp_id in (*RELYING_PARTIES, *self.declared)},
        )

        def identify(token: str) -> Principal | None:
            found = configured(token)
            if found is not None:
                return found
            digest = token_hash(token)
            with Session(self.db) as session:
                row = session.exec(
                    select(DeclaredRelyingParty).where(DeclaredRelyingParty.token_hash == digest)
                ).first()
            if row is None or not hmac.compare_digest(row.token_hash, digest):
                return None
            return Principal(Role.RELYING_PARTY, row.id)

        return identify
