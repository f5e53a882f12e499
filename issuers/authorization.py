"""The wallet-initiated authorization code flow (OpenID4VCI 3.4): what an issuer keeps of it.

A wallet that knows only the issuer's URL pushes its authorization request (RFC 9126) and gets a
``request_uri``; the person, sent to the authorization endpoint with it, proves who they are there
the way issuer staff proof a person (:meth:`issuers.registration.Registration.proofed_person`),
and their browser is sent back to the pushed ``redirect_uri`` with an authorization code. The
wallet exchanges the code, with its PKCE verifier, at the token endpoint
(:meth:`issuers.offers.Offers.token`), which records what the code grants as a redeemed credential
offer: from there on, nonce and credential endpoints serve both flows alike.

The rules of the protocol (reading a pushed request, PKCE, authorization details) are
:mod:`pctf.oid4vci`'s. Kept here, in :class:`~issuers.models.AuthorizationRequest`: the pushed
request, and the code once given. The ``request_uri`` and the code are stored only as SHA-256
digests, so a copy of the database authorizes nothing; each is used once, and both are short-lived.
No parameter of the authorization request is taken from the browser: the redirect URI, the
client's ``state`` and the configurations come from the pushed request alone, so the endpoint
sends nobody anywhere a wallet did not first push (no open redirect).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from pctf import oid4vci
from pctf.clock import Clock, as_utc
from pctf.reasons import Reason, SandboxError

from .jurisdictions import jurisdiction
from .keys import IssuerKeys
from .models import AuthorizationRequest

if TYPE_CHECKING:
    from .registration import Registration

# How long a wallet's request_uri stays good: the person fills the proofing form meanwhile
# (RFC 9126 2.2 suggests between 5 and 600 seconds).
REQUEST_URI_LIFETIME = timedelta(minutes=10)
# How long an authorization code stays good: the browser brings it straight to the wallet
# (RFC 6749 4.1.2: a maximum of 10 minutes is recommended).
CODE_LIFETIME = timedelta(minutes=1)
# Authorization request parameters which, sent to the authorization endpoint without a
# request_uri, show a request that was not pushed (RFC 9126 5: refused when PAR is required).
DIRECT_PARAMETERS = ("response_type", "redirect_uri", "code_challenge", "scope", "authorization_details", "state")


def digest(secret: str) -> str:
    """What the issuer keeps of a secret it hands out (a code, a transaction code, an access
    token, a request_uri): its SHA-256, so the database alone redeems nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def self_service(short_id: str) -> dict[str, str]:
    """The credential configurations a person may ask this issuer for through a wallet of their
    own, each with its scope: a Verified Person, from an identity-proofing issuer. Every other
    credential needs a register or issuer staff first, and is offered (pre-authorized) by them."""
    issuer = jurisdiction(short_id)
    if issuer.kind != "person":
        return {}
    return {type_name: type_name for type_name, _loa in issuer.grants if type_name == "VerifiedPerson"}


class Authorizations:
    """Pushed authorization requests, the authorization endpoint's decisions, and their codes."""

    def __init__(self, db: Engine, clock: Clock, keys: IssuerKeys, registration: Registration) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys
        self.registration = registration

    def push(self, short_id: str, form: Mapping[str, Any]) -> dict[str, Any]:
        """The pushed authorization request endpoint (RFC 9126 2): the request is checked whole,
        then kept under a fresh ``request_uri``."""
        request = oid4vci.pushed_authorization_request(form, self_service(short_id))
        request_uri = oid4vci.REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
        with Session(self.db) as session:
            session.add(
                AuthorizationRequest(
                    request_uri_hash=digest(request_uri),
                    issuer_id=short_id,
                    client_id=request.client_id,
                    redirect_uri=request.redirect_uri,
                    code_challenge=request.code_challenge,
                    state=request.state,
                    configuration_ids=list(request.configuration_ids),
                    detailed=list(request.detailed),
                    expires_at=self.clock.now() + REQUEST_URI_LIFETIME,
                )
            )
            session.commit()
        return {"request_uri": request_uri, "expires_in": int(REQUEST_URI_LIFETIME.total_seconds())}

    def pending(self, short_id: str, params: Mapping[str, Any]) -> AuthorizationRequest:
        """The pushed request an authorization endpoint call names (RFC 9126 4): its ``request_uri``
        must be this issuer's, unexpired and not yet used (``invalid_request_uri``), and its
        ``client_id`` the one that pushed it. A call without a ``request_uri`` is refused, since
        this authorization server requires pushed requests (``invalid_request``)."""
        jurisdiction(short_id)
        request_uri = params.get("request_uri")
        if not request_uri:
            sent = "these parameters" if any(params.get(p) for p in DIRECT_PARAMETERS) else "the request"
            raise SandboxError(
                Reason.INVALID_REQUEST,
                f"this authorization server requires pushed authorization requests (RFC 9126 5): push {sent} "
                "to its pushed_authorization_request_endpoint, then come here with the request_uri it gives",
            )
        with Session(self.db) as session:
            found = session.get(AuthorizationRequest, digest(str(request_uri)))
        if (
            found is None
            or found.issuer_id != short_id
            or found.code_hash is not None
            or as_utc(found.expires_at) < self.clock.now()
        ):
            raise SandboxError(Reason.INVALID_REQUEST_URI, "this authorization request is unknown, expired or used")
        if params.get("client_id") != found.client_id:
            raise SandboxError(Reason.INVALID_REQUEST, "client_id is not the client that pushed this request")
        return found

    def authorize(self, short_id: str, params: Mapping[str, Any], application: dict[str, Any]) -> str:
        """The person's answer at the authorization endpoint: their identity proofing, then an
        authorization code for the pushed request, used up by it. Returns where their browser goes:
        the pushed redirect URI with the code, the client's ``state`` and ``iss`` (RFC 9207).
        A refused proofing raises its reason and leaves the request as it was, to try again."""
        pending = self.pending(short_id, params)
        claims = self.registration.proofed_person(short_id, application)
        code = secrets.token_urlsafe(32)
        now = self.clock.now()
        with Session(self.db) as session:
            # One code per request, even when the form is sent twice at once.
            given = session.exec(
                update(AuthorizationRequest)
                .where(
                    col(AuthorizationRequest.request_uri_hash) == pending.request_uri_hash,
                    col(AuthorizationRequest.code_hash).is_(None),
                    col(AuthorizationRequest.expires_at) >= now,
                )
                .values(
                    code_hash=digest(code),
                    code_expires_at=now + CODE_LIFETIME,
                    items=[{"configuration_id": c, "claims": claims} for c in pending.configuration_ids],
                )
            ).rowcount
            session.commit()
        if given != 1:
            raise SandboxError(Reason.INVALID_REQUEST_URI, "this authorization request is unknown, expired or used")
        return oid4vci.authorization_response_uri(
            pending.redirect_uri, code, pending.state, self.keys.issuer_url(short_id)
        )


def redeem_code(
    session: Session, short_id: str, request: oid4vci.CodeTokenRequest, now: datetime
) -> AuthorizationRequest:
    """Use up an authorization code at the token endpoint (RFC 6749 4.1.3, RFC 7636 4.6), in the
    caller's transaction: the code must be this issuer's, unexpired and unused, asked for with the
    pushed ``redirect_uri`` and ``client_id``, and with the verifier of the pushed PKCE challenge.
    Every failure is ``invalid_grant``; a failed attempt leaves the code as it was."""
    found = session.exec(
        select(AuthorizationRequest).where(col(AuthorizationRequest.code_hash) == digest(request.code))
    ).first()
    if (
        found is None
        or found.issuer_id != short_id
        or found.redeemed
        or found.code_expires_at is None
        or as_utc(found.code_expires_at) < now
    ):
        raise SandboxError(Reason.INVALID_GRANT, "the authorization code is unknown, expired or already used")
    if request.redirect_uri != found.redirect_uri:
        raise SandboxError(
            Reason.INVALID_GRANT, "redirect_uri is not the one the authorization request was pushed with"
        )
    if request.client_id != found.client_id:
        raise SandboxError(Reason.INVALID_GRANT, "the authorization code was given to another client")
    oid4vci.check_pkce(request.code_verifier, found.code_challenge)
    used = session.exec(
        update(AuthorizationRequest)
        .where(
            col(AuthorizationRequest.request_uri_hash) == found.request_uri_hash,
            col(AuthorizationRequest.redeemed) == False,  # noqa: E712
        )
        .values(redeemed=True)
    ).rowcount
    if used != 1:  # exchanged by a concurrent request meanwhile
        raise SandboxError(Reason.INVALID_GRANT, "the authorization code is unknown, expired or already used")
    return found
