"""The wallet engine: credential store, consent and OpenID4VP responses; OpenID4VCI through
:mod:`pctf.oid4vci`.

Multi-tenant: one wallet per persona, each with its own holder key. The wallet checks what it
receives (issuer signature from the issuer's published ``jwt-vc-issuer`` metadata, ``cnf`` is
its own key) before storing it, and discloses only the claims a request names, after the holder
approves. It shows each credential's live status, reading the issuer's status list as a verifier
would (draft-ietf-oauth-status-list 8: the holder may check its own credentials too).

A credential due for renewal (expiring soon, or expired) can be renewed, and one whose name or
address changed re-issued: the wallet proves possession to the issuer (a presentation whose
KB-JWT is addressed to the issuer, with the issuer's ``c_nonce``), redeems the offer it gets
back over OpenID4VCI, and keeps the old credential as ``replaced`` history.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from cryptography import x509
from sqlmodel import Session, col, select

from pctf import did, jar, oid4vci, oid4vp, sdjwt, statuslist
from pctf.access import Principal, Role
from pctf.ca import root_path
from pctf.clock import Clock, as_utc, from_timestamp
from pctf.http import checked_json, send, well_known_url
from pctf.jose import SigningKey, generate_key
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt_vc import check_credential
from pctf.settings import Settings
from pctf.statuslist import HttpStatusSource, StatusResolver, StatusSource
from pctf.storage import MAX_ROW_ID, engine_for
from pctf.vocab import type_for_vct

from .models import Consent, PendingPresentation, Wallet, WalletCredential

# What the wallet says of a credential: its lifetime, or what its issuer's status list says of it;
# ``replaced`` when the holder renewed it or had it re-issued (its successor is ``replaced_by``).
WALLET_STATUSES = ("valid", "expiring_soon", "expired", *statuslist.CREDENTIAL_STATUSES[1:], "unknown", "replaced")
# Statuses for which the wallet offers renewal.
RENEWABLE = ("expiring_soon", "expired")

# GET /wallet/<these> are the service's health, readiness and metrics: no wallet may take the name.
RESERVED_WALLET_IDS = frozenset({"healthz", "readyz", "metrics"})


class WalletService:
    """``status_source`` and ``issuer_keys`` say where Status List Tokens and the keys that sign
    them come from: by default over HTTP, the keys from the issuer's ``jwt-vc-issuer`` metadata
    (the same that vouched for the credential when it was received)."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        http: httpx.Client,
        *,
        status_source: StatusSource | None = None,
        issuer_keys: Callable[[str], list[dict]] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.http = http
        self.db = engine_for(settings, "wallet")
        self.status = StatusResolver(status_source or HttpStatusSource(http), clock, leeway=settings.leeway_seconds)
        self.issuer_keys = issuer_keys or self.published_keys

    # -- wallets, keys and their holders --------------------------------------------------
    def create(self, wallet_id: str) -> dict:
        """Create the wallet; returns its public holder key and the holder's API token, shown this
        once (only its hash is kept). A wallet that exists is a conflict: its token was shown to
        whoever created it, and nobody else may have it."""
        if (
            not isinstance(wallet_id, str)
            or not wallet_id.isascii()
            or not wallet_id.isidentifier()
            or len(wallet_id) > 64
        ):
            raise SandboxError(Reason.BAD_REQUEST, "a wallet id is a short ASCII identifier such as 'sasha'")
        if wallet_id in RESERVED_WALLET_IDS:
            raise SandboxError(
                Reason.BAD_REQUEST, f"{wallet_id!r} names the wallet service's own health or metrics route"
            )
        token = secrets.token_urlsafe(32)
        with Session(self.db) as session:
            wallet = session.get(Wallet, wallet_id)
            if wallet is not None and wallet.token_hash is not None:
                raise SandboxError(
                    Reason.CONFLICT,
                    f"wallet {wallet_id!r} exists; its holder token was shown when it was created",
                    status_code=409,
                )
            if wallet is None:
                wallet = Wallet(
                    id=wallet_id, holder_private_jwk=generate_key().private_jwk, created_at=self.clock.now()
                )
            wallet.token_hash = _token_hash(token)
            session.add(wallet)
            session.commit()
        return {"id": wallet_id, "holder_jwk": self.holder_key(wallet_id).public_jwk, "token": token}

    def identify(self, token: str) -> Principal | None:
        """The holder whose API token this is (:mod:`pctf.access`), or None."""
        digest = _token_hash(token)
        with Session(self.db) as session:
            wallet = session.exec(select(Wallet).where(Wallet.token_hash == digest)).first()
        if wallet is None or not hmac.compare_digest(wallet.token_hash or "", digest):
            return None
        return Principal(Role.WALLET_HOLDER, wallet.id)

    def holder_key(self, wallet_id: str) -> SigningKey:
        with Session(self.db) as session:
            wallet = session.get(Wallet, wallet_id)
            if wallet is None:
                raise SandboxError(Reason.NOT_FOUND, f"no wallet named {wallet_id!r}", status_code=404)
            return SigningKey(private_jwk=wallet.holder_private_jwk)

    def credentials(self, wallet_id: str) -> list[dict]:
        """The wallet's credentials, each with its live ``status`` (one of :data:`WALLET_STATUSES`)."""
        self.holder_key(wallet_id)
        now = self.clock.now()
        keys: dict[str, list[dict] | None] = {}
        return [self._describe(r, self._status(r, now, keys)) for r in self._rows(wallet_id)]

    def _status(self, row: WalletCredential, now: datetime, keys: dict[str, list[dict] | None]) -> str:
        """Replaced first (history: its status list is not asked); expired next (an expired
        credential is expired whatever its status list says, section 7.1); then revoked or
        suspended per the status list; ``unknown`` when that cannot be read."""
        if row.replaced_by is not None:
            return "replaced"
        lifetime = self._lifetime_status(row, now)
        if lifetime == "expired":
            return lifetime
        try:
            payload = sdjwt.SdJwt.parse(row.credential).payload
            ref = statuslist.status_reference(payload)
            if ref is None:
                return lifetime
            # The status list is signed by whoever signs the credential: its iss (a DID, or the
            # credential issuer that offered it), which the wallet checked when it took it.
            iss = payload.get("iss")
            signer = iss if isinstance(iss, str) and did.is_did(iss) else row.issuer
            if signer not in keys:
                try:
                    keys[signer] = self.issuer_keys(signer)
                except SandboxError:
                    keys[signer] = None
            issuer_keys = keys[signer]
            if not issuer_keys:
                return "unknown"
            value = self.status.status(ref, issuer_keys)
        except SandboxError:
            return "unknown"
        if value == statuslist.VALID:
            return lifetime
        return statuslist.STATUS_NAMES.get(value, "unknown")

    def _lifetime_status(self, row: WalletCredential, now: datetime) -> str:
        expires = as_utc(row.expires_at)
        if expires <= now:
            return "expired"
        return "expiring_soon" if expires <= now + timedelta(days=self.settings.expiring_soon_days) else "valid"

    def published_keys(self, issuer: str) -> list[dict]:
        """The keys ``issuer`` publishes (to check its status lists with): a ``did:web`` DID's
        from its DID document, another issuer's from its ``jwt-vc-issuer`` metadata; unreachable is
        ``status_list_unavailable``, as the wallet then cannot say what the list holds."""
        try:
            if did.is_did(issuer):
                return did.resolve(issuer, self.http).keys
            jwks = self._issuer_metadata(issuer).get("jwks")
        except SandboxError as exc:
            if exc.reason not in (Reason.ENDPOINT_UNREACHABLE, Reason.DID_UNRESOLVABLE):
                raise
            raise SandboxError(Reason.STATUS_LIST_UNAVAILABLE, exc.message, status_code=503) from None
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        return [k for k in keys if isinstance(k, dict)] if isinstance(keys, list) else []

    def _issuer_metadata(self, issuer: str) -> dict:
        """The issuer's ``jwt-vc-issuer`` metadata, which must name that issuer."""
        metadata = checked_json(send(self.http, "GET", well_known_url(issuer, "jwt-vc-issuer")))
        if not isinstance(metadata, dict) or metadata.get("issuer") != issuer:
            raise SandboxError(Reason.BAD_REQUEST, "the jwt-vc-issuer metadata names another issuer")
        return metadata

    @staticmethod
    def _describe(row: WalletCredential, status: str) -> dict:
        return {
            "id": row.id,
            "type": row.type_name,
            "vct": row.vct,
            "issuer": row.issuer,
            "claims": row.claims,
            "received_at": as_utc(row.received_at).isoformat(),
            "expires_at": as_utc(row.expires_at).isoformat(),
            "status": status,
            "replaced_by": row.replaced_by,
            "actions": ["renew"] if status in RENEWABLE else [],
        }

    def _did_issuer_keys(self, subject: str, credential_issuer: str) -> list[dict[str, Any]]:
        """The keys of a credential signed as the did:web DID ``subject`` and offered by
        ``credential_issuer``: those of its DID document, which must name that credential issuer
        in its OID4VCI service (the binding the registry's onboarding checks too); a DID that does
        not is not the issuer that offered the credential."""
        document = did.resolve(subject, self.http)
        if credential_issuer not in document.service_endpoints(did.OID4VCI_SERVICE):
            raise SandboxError(
                Reason.ISSUER_MISMATCH, f"{subject}'s DID document does not name {credential_issuer} as its issuer"
            )
        return document.keys

    # -- OpenID4VCI (pre-authorized code flow, wallet side) --------------------------------
    def accept_offer(self, wallet_id: str, offer: str | dict, tx_code: str | None = None) -> list[dict]:
        """Redeem a credential offer (:mod:`pctf.oid4vci`), then check and store each credential.

        The offer comes by value, or by reference (``credential_offer_uri``): then it is fetched
        first, through the wallet's outbound client, under the same rules as the issuer's metadata."""
        holder = self.holder_key(wallet_id)
        offer = oid4vci.resolve_offer(self.http, offer)
        issuer = offer["credential_issuer"]
        # The keys come first: a wallet that cannot check what it would receive does not ask for it.
        # An issuer that signs as a did:web DID need not publish this metadata (its keys are in
        # its DID document, read once the credential names the DID): only its absence is forgiven.
        try:
            issuer_jwks = self._issuer_metadata(issuer)
        except SandboxError as exc:
            if exc.status_code != 404:
                raise
            issuer_jwks = {}
        redemption = oid4vci.redeem(self.http, offer, holder, clock=self.clock, tx_code=tx_code)
        return [
            self._store(wallet_id, holder, issuer, issuer_jwks, received.credential)
            for received in redemption.credentials
        ]

    def _store(
        self, wallet_id: str, holder: SigningKey, issuer: str, issuer_metadata: dict[str, Any], credential: str
    ) -> dict[str, Any]:
        """Check a received credential as a verifier would (signed by a key the issuer publishes,
        valid, bound to this wallet's key), then keep it."""

        def published(iss: str) -> list[dict[str, Any]]:
            if did.is_did(iss):
                return self._did_issuer_keys(iss, issuer)
            if iss != issuer:
                raise SandboxError(Reason.ISSUER_MISMATCH, f"iss {iss} is not {issuer}")
            keys = (issuer_metadata.get("jwks") or {}).get("keys", [])
            if not keys:
                raise SandboxError(Reason.ISSUER_KEY_UNKNOWN, "the issuer's metadata publishes no keys")
            return keys

        try:
            checked = check_credential(
                credential,
                issuer_keys=published,
                now=self.clock.timestamp(),
                leeway=self.settings.leeway_seconds,
                holder=holder.public_jwk,
                # A credential may be issued before it takes effect (a delegation from next month):
                # the wallet keeps it, and verifiers refuse it until its nbf.
                check_not_before=False,
            )
        except SandboxError as exc:
            if exc.reason == Reason.ISSUER_MISMATCH:
                raise SandboxError(
                    Reason.BAD_REQUEST, f"the credential's iss is not the issuer that offered it ({exc.message})"
                ) from None
            raise
        claims = checked.claims
        ctype = type_for_vct(claims.get("vct", ""))
        shown = checked.subject_claims
        if ctype:
            shown = ctype.ordered(shown)
        row = WalletCredential(
            wallet_id=wallet_id,
            type_name=ctype.name if ctype else claims.get("vct", "?"),
            vct=claims.get("vct", ""),
            issuer=issuer,
            credential=credential,
            claims=shown,
            received_at=self.clock.now(),
            expires_at=from_timestamp(claims.get("exp", 0)),
        )
        with Session(self.db) as session:
            session.add(row)
            session.commit()
            session.refresh(row)
            return self._describe(row, self._lifetime_status(row, self.clock.now()))

    # -- renewal and re-issuance --------------------------------------------------------------
    def renew(self, wallet_id: str, credential_id: int) -> dict:
        """Renew a credential that expires soon or has expired (the issuer decides if it is due)."""
        return self._replace(wallet_id, credential_id, "renewal_endpoint", {})

    def reissue(self, wallet_id: str, credential_id: int, changes: object, evidence: object = None) -> dict:
        """Ask the issuer for the credential with ``changes`` (a new address; a new name, with a
        marriage or change-of-name certificate in ``evidence``)."""
        if not isinstance(changes, dict) or not changes:
            raise SandboxError(Reason.BAD_REQUEST, "changes must be a non-empty object of the claims to change")
        body: dict = {"changes": changes}
        if evidence is not None:
            body["evidence"] = evidence
        return self._replace(wallet_id, credential_id, "reissuance_endpoint", body)

    def _replace(self, wallet_id: str, credential_id: int, endpoint: str, body: dict) -> dict:
        holder = self.holder_key(wallet_id)
        row = self._row(wallet_id, credential_id)
        if row.replaced_by is not None:
            raise SandboxError(
                Reason.CONFLICT,
                f"credential {credential_id} was already replaced by credential {row.replaced_by}",
                status_code=409,
            )
        metadata = oid4vci.issuer_metadata(self.http, row.issuer)
        url = metadata.get(endpoint)
        if not isinstance(url, str):
            raise SandboxError(Reason.BAD_REQUEST, f"{row.issuer} publishes no {endpoint.replace('_', ' ')}")
        nonce = oid4vci.fresh_nonce(self.http, metadata)
        if nonce is None:
            raise SandboxError(Reason.BAD_REQUEST, f"{row.issuer} has no nonce endpoint to prove possession with")
        # Possession without disclosure: the issuer keeps its own record of the claims.
        proof = sdjwt.present(
            row.credential, holder, reveal=[], aud=row.issuer, nonce=nonce, iat=self.clock.timestamp()
        )
        offer = checked_json(send(self.http, "POST", url, json={"presentation": proof, **body}))
        if not isinstance(offer, dict) or "credential_offer" not in offer:
            raise SandboxError(Reason.BAD_REQUEST, f"{row.issuer} answered without a credential offer")
        received = self.accept_offer(wallet_id, offer["credential_offer"], offer.get("tx_code"))
        with Session(self.db) as session:
            stored = session.get_one(WalletCredential, credential_id)
            stored.replaced_by = received[0]["id"]
            stored.replaced_at = self.clock.now()
            session.add(stored)
            session.commit()
        return {"replaced": credential_id, "credential": received[0]}

    def _row(self, wallet_id: str, credential_id: object) -> WalletCredential:
        if (
            isinstance(credential_id, bool)
            or not isinstance(credential_id, int)
            or not 1 <= credential_id <= MAX_ROW_ID
        ):
            raise SandboxError(Reason.NOT_FOUND, f"no credential {credential_id!r} in this wallet", status_code=404)
        with Session(self.db) as session:
            row = session.get(WalletCredential, credential_id)
        if row is None or row.wallet_id != wallet_id:
            raise SandboxError(Reason.NOT_FOUND, f"no credential {credential_id} in this wallet", status_code=404)
        return row

    # -- OpenID4VP (wallet side) ---------------------------------------------------------
    def review_request(self, wallet_id: str, request: str | dict) -> dict:
        """Match an OpenID4VP request against the wallet and show what would be disclosed, to whom.
        A request the wallet could not answer as it asks (its ``client_metadata`` malformed, or no
        key to encrypt to) is refused here, before the holder is asked anything.

        A request sent by reference (a link with ``client_id`` and ``request_uri``) is fetched
        through the wallet's HTTP client and read only once its signature and certificate pass
        :func:`pctf.jar.verify`, against the roots this wallet trusts (:meth:`trusted_roots`)."""
        self.holder_key(wallet_id)
        now = self.clock.now()
        reference = oid4vp.request_reference(request)
        if reference is None:
            req = oid4vp.parse_request(request)
        else:
            client_id, request_uri = reference
            verified = jar.verify(
                jar.fetch(self.http, request_uri),
                client_id=client_id,
                roots=self.trusted_roots(),
                now=now,
                leeway=self.settings.leeway_seconds,
            )
            req = oid4vp.parse_request(verified, signed=True)
        # Valid, not replaced, the most recently received first: what the holder would rather show.
        usable = [r for r in reversed(self._rows(wallet_id)) if r.replaced_by is None and as_utc(r.expires_at) > now]
        rows = {r.id: r for r in usable}
        # oid4vp.select decides which credentials and which of their claims answer the query (its
        # credential sets, claim sets and values); the holder is shown exactly that, and only that is sent.
        selection = oid4vp.select(req["dcql_query"], [oid4vp.Held(r.id, r.vct, r.claims) for r in usable])
        if selection.unmet or not selection.picks:
            wanted = "; ".join(oid4vp.describe_options(options) for options in selection.unmet)
            raise SandboxError(
                Reason.NO_MATCHING_CREDENTIAL,
                f"the wallet holds no valid credential for: {wanted or 'any credential the request names'}",
                status_code=409,
            )
        matches = [
            {"query_id": p.query_id, "credential_id": p.key, "paths": [list(path) for path in p.paths]}
            for p in selection.picks
        ]
        preview = [
            {
                "query_id": p.query_id,
                "credential_id": p.key,
                "type": rows[p.key].type_name,
                "issuer": rows[p.key].issuer,
                "disclose": [
                    {"path": list(path), "value": oid4vp.claim_values(rows[p.key].claims, path)[0]} for path in p.paths
                ],
            }
            for p in selection.picks
        ]
        pending_id = secrets.token_urlsafe(12)
        with Session(self.db) as session:
            session.add(
                PendingPresentation(id=pending_id, wallet_id=wallet_id, request=req, matches=matches, created_at=now)
            )
            session.commit()
        return {
            "request_id": pending_id,
            "verifier": req["client_id"],
            "response_uri": req["response_uri"],
            "purpose": req.get("purpose"),
            "credentials": preview,
            "review_hash": _review_hash(req, matches),
        }

    def trusted_roots(self) -> list[x509.Certificate]:
        """The certificate authorities whose certificates may sign a request object to this wallet:
        the sandbox root of its data directory (:mod:`pctf.ca`), read afresh (a verifier may
        create it after the wallet started), and no other."""
        try:
            return [x509.load_pem_x509_certificate(root_path(self.settings.data_dir).read_bytes())]
        except (OSError, ValueError):
            return []

    def _rows(self, wallet_id: str) -> list[WalletCredential]:
        with Session(self.db) as session:
            return list(
                session.exec(
                    select(WalletCredential)
                    .where(WalletCredential.wallet_id == wallet_id)
                    .order_by(col(WalletCredential.id))
                ).all()
            )

    def respond(self, wallet_id: str, request_id: str, *, approve: bool, review_hash: str | None = None) -> dict:
        """Answer the verifier by ``direct_post`` (OpenID4VP 8.2), or, when the request asks for
        ``direct_post.jwt``, with the same answer encrypted to the key its ``client_metadata`` gives
        (8.3.1; :func:`pctf.oid4vp.response_form`), then record the holder's decision.

        An approval names what the holder was shown (``review_hash`` from :meth:`review_request`:
        the verifier, where the answer goes, the purpose, which credentials and which claims), so
        consent given to one request can never release another. The decision and its consent
        record are stored only once the verifier has taken the answer: a refused or failed
        delivery leaves the request pending and nothing recorded.
        """
        holder = self.holder_key(wallet_id)
        with Session(self.db) as session:
            pending = session.get(PendingPresentation, request_id)
            if pending is None or pending.wallet_id != wallet_id:
                raise SandboxError(Reason.NOT_FOUND, "no such pending request in this wallet", status_code=404)
            if pending.status != "pending":
                raise SandboxError(Reason.CONFLICT, f"this request was already {pending.status}", status_code=409)
            req, matches = pending.request, pending.matches
        if approve and (
            not isinstance(review_hash, str)
            or not hmac.compare_digest(review_hash.encode(), _review_hash(req, matches).encode())
        ):
            raise SandboxError(
                Reason.CONSENT_MISMATCH,
                "an approval must carry the review_hash of the request the holder was shown",
                status_code=409,
            )
        rows = {r.id: r for r in self._rows(wallet_id)}
        disclosed = [
            {"type": rows[m["credential_id"]].type_name, "issuer": rows[m["credential_id"]].issuer, "paths": m["paths"]}
            for m in matches
        ]
        vp_token: dict[str, list[str]] | None = None
        if approve:
            # Keyed by credential query id, each an array: several for a query that allows ``multiple``.
            vp_token = {}
            for m in matches:
                vp_token.setdefault(m["query_id"], []).append(
                    sdjwt.present(
                        rows[m["credential_id"]].credential,
                        holder,
                        reveal=[tuple(p) for p in m["paths"]],
                        aud=req["client_id"],
                        nonce=req["nonce"],
                        iat=self.clock.timestamp(),
                    )
                )
        form = oid4vp.response_form(req, vp_token=vp_token)
        body = checked_json(send(self.http, "POST", req["response_uri"], data=form))
        decision = "approved" if approve else "declined"
        with Session(self.db) as session:
            pending = session.get_one(PendingPresentation, request_id)
            pending.status = decision
            session.add(pending)
            session.add(
                Consent(
                    wallet_id=wallet_id,
                    client_id=req["client_id"],
                    response_uri=req["response_uri"],
                    disclosed=disclosed if approve else [],
                    decision=decision,
                    decided_at=self.clock.now(),
                )
            )
            session.commit()
        return {"decision": decision, "verifier_response": body}

    def consents(self, wallet_id: str) -> list[dict]:
        self.holder_key(wallet_id)
        with Session(self.db) as session:
            rows = session.exec(select(Consent).where(Consent.wallet_id == wallet_id).order_by(col(Consent.id))).all()
            return [
                {
                    "id": r.id,
                    "verifier": r.client_id,
                    "decision": r.decision,
                    "disclosed": r.disclosed,
                    "decided_at": as_utc(r.decided_at).isoformat(),
                }
                for r in rows
            ]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _review_hash(request: dict, matches: list) -> str:
    """What the holder is shown and consents to, as one digest: who asks, where the answer goes,
    why, exactly which claims of which credentials would be disclosed, and for which request
    (its nonce and state), so an approval answers that request and no other."""
    shown = {
        "verifier": request.get("client_id"),
        "response_uri": request.get("response_uri"),
        "purpose": request.get("purpose"),
        "nonce": request.get("nonce"),
        "state": request.get("state"),
        "disclose": [[m["query_id"], m["credential_id"], m["paths"]] for m in matches],
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
