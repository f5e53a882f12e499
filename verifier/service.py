"""A relying party over OpenID4VP: it asks (DCQL), receives by ``direct_post``, and decides.

Each request gets a fresh ``nonce`` and ``state``; the ``state`` is answered once. A second
response for the same request is refused as a replay and leaves the first verdict untouched.
With the verdict the relying party keeps its evidence (:mod:`verifier.evidence`): what each
credential was verified on, for its back end to show.

A relying party whose policy ``signs_in`` opens a session on an accepted presentation, in the
same transaction as the verdict (a refused one opens none). The session names the person by a
*pairwise* subject: an HMAC-SHA256, under a secret the verifier generates once and keeps with
its records, over the relying party, the issuer, and the person's given name, family name and
birthdate. Another relying party gets another subject for the same person, so two services
cannot correlate their users by it; the same person signing in again with a credential from the
same issuer, from a new wallet or after a renewal, finds the same account. It is derived from
the claims rather than from the holder key, which changes with the wallet. Two people with one
name and one birthdate at one issuer would share a subject: the Verified Person carries no
identifier that tells them apart.

A request's back end may ask for the answer encrypted (``response_mode: direct_post.jwt``,
OpenID4VP 8.3). Each relying party has one response encryption key (P-256, ECDH-ES), generated
on first use and kept in the verifier's database beside the pairwise secret, for the same
reason: every verifier process sharing that database, and every restart, decrypts what a wallet
encrypted to the key another one published. Its public half is in every request's
``client_metadata``. A response that does not decrypt, or comes in plain text when encryption was
asked, is refused and leaves the request pending, as any bad input does.

A back end may also ask for the request signed (``client_id_prefix: x509_san_dns`` or
``x509_hash``, OpenID4VP 5.9.3): the link then carries only the client identifier and the URI of
the request object (:mod:`pctf.jar`), which is signed when a wallet fetches it with the
verifier's leaf of the sandbox CA. The client identifier is kept with the request, and is the
audience its key binding must name, as for ``redirect_uri``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pctf import jar, jwe, oid4vp
from pctf.ca import Leaf, SandboxCA
from pctf.clock import Clock, as_utc
from pctf.jose import b64u_encode, json_loads
from pctf.observability import record_verification
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import engine_for

from .directory import RelyingParties
from .engine import VerificationEngine
from .evidence import Evidence
from .models import PresentationSession, SignInSession, VerifierSecret

REQUEST_LIFETIME = timedelta(minutes=10)
# How long a sign-in session lasts: it is not extended, the person signs in again.
SESSION_LIFETIME = timedelta(minutes=20)
# What names the person a session is for, and goes into the pairwise subject.
SIGN_IN_CLAIMS = ("given_name", "family_name", "birthdate")
PAIRWISE_SECRET = "pairwise-subject"
# The name a relying party's response encryption key (a private JWK) is kept under.
ENCRYPTION_KEY = "response-encryption:{rp_id}"
# How a request names its verifier (OpenID4VP 5.9.3): by its response URI, sent by value, or by
# its certificate, signed and sent by reference (pctf.jar).
REDIRECT_URI = oid4vp.CLIENT_ID_PREFIX.rstrip(":")
CLIENT_ID_PREFIXES = (REDIRECT_URI, *jar.PREFIXES)


def pairwise_subject(secret: bytes, rp_id: str, issuer: str, claims: dict) -> str:
    """The person's subject at ``rp_id`` (see the module docstring): unlinkable across relying
    parties without ``secret``. The inputs are one JSON array, so no two differ only in where
    one value ends and the next begins."""
    message = json.dumps([rp_id, issuer, *(claims[k] for k in SIGN_IN_CLAIMS)], ensure_ascii=False)
    return b64u_encode(hmac.new(secret, message.encode(), hashlib.sha256).digest())


class RelyingPartyService:
    def __init__(
        self, settings: Settings, clock: Clock, engine: VerificationEngine, parties: RelyingParties | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.db = engine_for(settings, "verifier")
        # Built-in, file-declared and API-created relying parties: the one way each is looked up.
        self.parties = parties or RelyingParties(settings, self.db)
        self._pairwise_secret: bytes | None = None
        self._encryption_keys: dict[str, jwe.EncryptionKey] = {}

    def response_uri(self, rp_id: str) -> str:
        return f"{self.settings.service_url('verifier')}/verifier/{rp_id}/response"

    def client_id(self, rp_id: str) -> str:
        return oid4vp.client_id_for(self.response_uri(rp_id))

    def request_object_uri(self, rp_id: str, state: str) -> str:
        return f"{self.settings.service_url('verifier')}/verifier/{rp_id}/requests/{state}/request-object"

    def signing_leaf(self) -> Leaf:
        """The certificate the verifier signs request objects with: a leaf of the sandbox CA for the
        verifier's public host, kept in the data directory (:meth:`pctf.ca.SandboxCA.signing_leaf`)."""
        host = urlsplit(self.settings.service_url("verifier")).hostname or ""
        return SandboxCA.open(self.settings.ensure_data_dir()).signing_leaf(host)

    def _client_id(self, rp_id: str, prefix: str) -> str:
        """The client identifier a new request is sent under (see :func:`_request_options`)."""
        if prefix == REDIRECT_URI:
            return self.client_id(rp_id)
        name = jar.dns_name(self.settings.service_url("verifier"))
        if prefix == jar.X509_SAN_DNS and name is None:
            raise SandboxError(
                Reason.BAD_REQUEST,
                "x509_san_dns needs the verifier reached at a DNS name (PCTF_PUBLIC_URL or PCTF_VERIFIER_URL), "
                "not an IP address: use x509_hash",
            )
        return jar.client_id_for(prefix, self.signing_leaf().certificate, name)

    def create_request(self, rp_id: str, options: object = None) -> dict:
        """A new request; ``options`` (the back end's JSON body, optional) may choose
        ``response_mode``: ``direct_post`` (the default) or ``direct_post.jwt``, and
        ``client_id_prefix``: ``redirect_uri`` (the default: the request by value) or
        ``x509_san_dns`` / ``x509_hash`` (signed, by reference: the link names the request object's URI)."""
        rp = self.parties.get(rp_id)
        response_mode, prefix = _request_options(options)
        key = self.encryption_key(rp_id)
        client_id = self._client_id(rp_id, prefix)
        now = self.clock.now()
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        query = rp.policy.dcql_query()
        with Session(self.db) as session:
            session.add(
                PresentationSession(
                    state=state,
                    rp_id=rp_id,
                    nonce=nonce,
                    client_id=client_id,
                    response_uri=self.response_uri(rp_id),
                    dcql_query=query,
                    response_mode=response_mode,
                    created_at=now,
                    expires_at=now + REQUEST_LIFETIME,
                )
            )
            session.commit()
        request, link = oid4vp.authorization_request(
            response_uri=self.response_uri(rp_id),
            nonce=nonce,
            state=state,
            dcql_query=query,
            response_mode=response_mode,
            encryption_jwk=key.public_jwk,
            client_id=client_id,
        )
        if prefix != REDIRECT_URI:
            link = oid4vp.reference_link(client_id, self.request_object_uri(rp_id, state))
        return {
            "state": state,
            "request": request,
            "request_uri": link,
            "purpose": {"en": rp.policy.purpose_en, "fr": rp.policy.purpose_fr},
        }

    def request_object(self, rp_id: str, state: str) -> str:
        """The signed request object of a pending request sent by reference (:mod:`pctf.jar`),
        signed now and valid until the request expires. 404 for a request unknown here, sent by
        value or already answered (``not_found``), or expired (``request_expired``)."""
        self.parties.get(rp_id)
        with Session(self.db) as session:
            record = session.get(PresentationSession, state)
            if record is None or record.rp_id != rp_id or jar.prefix_of(record.client_id) is None:
                raise SandboxError(Reason.NOT_FOUND, "no signed presentation request with this state", status_code=404)
            if record.status != "pending":
                raise SandboxError(Reason.NOT_FOUND, "this presentation request was already answered", status_code=404)
            expires_at = as_utc(record.expires_at)
            if expires_at < self.clock.now():
                raise SandboxError(Reason.REQUEST_EXPIRED, "this presentation request has expired", status_code=404)
            request, _ = oid4vp.authorization_request(
                response_uri=record.response_uri,
                nonce=record.nonce,
                state=record.state,
                dcql_query=record.dcql_query,
                response_mode=record.response_mode,
                encryption_jwk=self.encryption_key(rp_id).public_jwk,
                client_id=record.client_id,
            )
        return jar.sign(request, self.signing_leaf(), iat=self.clock.timestamp(), exp=int(expires_at.timestamp()))

    def receive(self, rp_id: str, form: dict) -> dict:
        """The response endpoint (``direct_post``, or ``direct_post.jwt`` decrypted with this
        relying party's key): verify, store the verdict, answer the wallet."""
        self.parties.get(rp_id)
        response = oid4vp.read_response(form, self.encryption_key(rp_id))
        form = response.params
        state = form.get("state")
        if not state or not isinstance(state, str):
            raise SandboxError(Reason.BAD_REQUEST, "state is required")
        with Session(self.db) as session:
            record = session.get(PresentationSession, state)
            if record is None or record.rp_id != rp_id:
                raise SandboxError(Reason.NOT_FOUND, "no presentation request with this state", status_code=404)
            if record.status != "pending":
                raise SandboxError(Reason.PRESENTATION_REPLAYED, "this request was already answered", status_code=400)
            if as_utc(record.expires_at) < self.clock.now():
                raise SandboxError(Reason.REQUEST_EXPIRED, "this presentation request has expired")
            _check_response_mode(record.response_mode, response)
            if form.get("error"):
                record.status = "declined"
                record.verdict = {
                    "accepted": False,
                    "reasons": [Reason.CONSENT_REQUIRED.value],
                    "declined": form.get("error"),
                }
            else:
                vp_token = oid4vp.read_vp_token(form)
                evidence = Evidence()
                verdict = self.engine.verify_presentation(
                    self.parties.get(rp_id).policy,
                    vp_token,
                    aud=record.client_id,
                    nonce=record.nonce,
                    verifier=record.client_id,
                    evidence=evidence,
                ).as_dict()
                record.status = "accepted" if verdict["accepted"] else "rejected"
                record.verdict = verdict
                record.evidence = evidence.entries
                opened = self._open_session(rp_id, state, verdict)
                if opened is not None:
                    session.add(opened)
            session.add(record)
            session.commit()
            status = record.status
            record_verification(rp_id, record.verdict or {})
        # No redirect_uri: the verdict and the disclosed claims are for this relying party's back
        # end, which reads them with its own token; the wallet learns only how its answer was taken.
        return {"status": status}

    def result(self, rp_id: str, state: str) -> dict:
        with Session(self.db) as session:
            record = session.get(PresentationSession, state)
            if record is None or record.rp_id != rp_id:
                raise SandboxError(Reason.NOT_FOUND, "no presentation request with this state", status_code=404)
            answer = {"state": state, "status": record.status, "verdict": record.verdict, "evidence": record.evidence}
            if self.parties.get(rp_id).policy.signs_in:
                opened = session.exec(select(SignInSession).where(SignInSession.state == state)).first()
                answer["session"] = self._session_out(opened) if opened is not None else None
            return answer

    # -- signing in ----------------------------------------------------------------------------
    def _open_session(self, rp_id: str, state: str, verdict: dict) -> SignInSession | None:
        """The session an accepted verdict opens at a relying party that signs people in, for the
        person its Verified Person names; None for any other verdict or relying party."""
        if not verdict["accepted"] or not self.parties.get(rp_id).policy.signs_in:
            return None
        person = next((c for c in verdict["credentials"].values() if c.get("type") == "VerifiedPerson"), None)
        if person is None or not person.get("issuer") or any(k not in person["claims"] for k in SIGN_IN_CLAIMS):
            return None
        claims, now = person["claims"], self.clock.now()
        return SignInSession(
            session_id=secrets.token_urlsafe(32),
            state=state,
            rp_id=rp_id,
            subject=pairwise_subject(self.pairwise_secret(), rp_id, person["issuer"], claims),
            name={"given_name": claims["given_name"], "family_name": claims["family_name"]},
            issuer=person["issuer"],
            assurance_level=claims.get("assurance_level"),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )

    def _session_out(self, opened: SignInSession) -> dict:
        expires_at = as_utc(opened.expires_at)
        return {
            "session_id": opened.session_id,
            "subject": opened.subject,
            "name": opened.name,
            "issuer": opened.issuer,
            "assurance_level": opened.assurance_level,
            "created_at": _iso(opened.created_at),
            "expires_at": _iso(expires_at),
            "active": self.clock.now() < expires_at,
        }

    def pairwise_secret(self) -> bytes:
        """The verifier's pairwise-subject secret: made on first use and kept in its database, so
        every verifier process sharing that database, and every restart, derives the same subjects."""
        if self._pairwise_secret is None:
            self._pairwise_secret = self._kept(PAIRWISE_SECRET, lambda: secrets.token_urlsafe(32)).encode()
        return self._pairwise_secret

    def encryption_key(self, rp_id: str) -> jwe.EncryptionKey:
        """The key ``rp_id``'s wallets encrypt their responses to (see the module docstring)."""
        if rp_id not in self._encryption_keys:
            kept = self._kept(
                ENCRYPTION_KEY.format(rp_id=rp_id), lambda: json.dumps(jwe.generate_encryption_key().private_jwk)
            )
            self._encryption_keys[rp_id] = jwe.encryption_key(json_loads(kept))
        return self._encryption_keys[rp_id]

    def _kept(self, name: str, make: Callable[[], str]) -> str:
        """The secret kept under ``name``, made on first use; when two processes make it at once,
        the first one stored is the one both use."""
        with Session(self.db) as session:
            kept = session.get(VerifierSecret, name)
            if kept is None:
                session.add(VerifierSecret(name=name, value=make()))
                try:
                    session.commit()
                except IntegrityError:  # another process made it a moment ago: use that one
                    session.rollback()
                kept = session.get(VerifierSecret, name)
            assert kept is not None
            return kept.value


def _request_options(options: object) -> tuple[str, str]:
    """The response mode and the client identifier prefix a back end's request options choose
    (``direct_post`` and ``redirect_uri`` without any)."""
    if options is None:
        return oid4vp.RESPONSE_MODE, REDIRECT_URI
    if not isinstance(options, dict) or set(options) - {"response_mode", "client_id_prefix"}:
        raise SandboxError(
            Reason.BAD_REQUEST, "request options are a JSON object with at most response_mode and client_id_prefix"
        )
    mode = options.get("response_mode", oid4vp.RESPONSE_MODE)
    if mode not in oid4vp.RESPONSE_MODES:
        raise SandboxError(Reason.BAD_REQUEST, f"response_mode is one of {', '.join(oid4vp.RESPONSE_MODES)}")
    prefix = options.get("client_id_prefix", REDIRECT_URI)
    if prefix not in CLIENT_ID_PREFIXES:
        raise SandboxError(Reason.BAD_REQUEST, f"client_id_prefix is one of {', '.join(CLIENT_ID_PREFIXES)}")
    return str(mode), str(prefix)


def _check_response_mode(asked: str, response: oid4vp.Response) -> None:
    """A response must come as its request asked. One exception, 8.3.1: a wallet that cannot
    encrypt may send its error (a refusal, which carries no personal data) in plain text."""
    if asked == oid4vp.RESPONSE_MODE_JWT and not response.encrypted and not response.params.get("error"):
        raise SandboxError(
            Reason.RESPONSE_ENCRYPTION_REQUIRED, "this request asked for direct_post.jwt: encrypt the response"
        )
    if asked != oid4vp.RESPONSE_MODE_JWT and response.encrypted:
        raise SandboxError(Reason.BAD_REQUEST, f"this request asked for {asked}, not an encrypted response")


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()
