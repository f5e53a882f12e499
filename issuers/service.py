"""The issuer engine: keys, identity proofing, registration, OpenID4VCI issuance and status lists.

One engine serves every jurisdiction in :mod:`issuers.jurisdictions`. Each issuer's identifier
is ``<issuers_url>/issuers/<short_id>``; it is the ``iss`` of its credentials, the OpenID4VCI
``credential_issuer`` and (with an ``/.well-known/...`` segment inserted after the host) where
its metadata is served.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pctf import sdjwt, statuslist
from pctf.clock import Clock, as_utc
from pctf.events import OutboxEvent, ProcessedEvent
from pctf.oid4vci import PRE_AUTH_GRANT, PROOF_TYP
from pctf.statuslist import CREDENTIAL_STATUSES
from pctf.jose import ALLOWED_ALGS, Jws, SigningKey, generate_key, has_private_parts, public_jwk_only, thumbprint
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import add_missing_columns, engine_for
from pctf.vocab import ADDRESS_FIELDS, CredentialType, credential_type

from . import proofing
from .jurisdictions import SANDBOX_ISSUERS, Jurisdiction, jurisdiction
from .models import CredentialOffer, DeathRecord, Issuance, IssuerKey, IssuerNonce, Organization, StatusListRecord
from .vital_statistics import is_registered_deceased

NONCE_LIFETIME = timedelta(minutes=5)
# A 6-digit transaction code has a million values: after this many wrong ones the offer is void,
# so guessing succeeds once in 200,000 offers at best (OpenID4VCI 13.6 asks for such a limit).
TX_CODE_ATTEMPTS = 5
TOKEN_LIFETIME = timedelta(minutes=10)

# Status lists (draft-ietf-oauth-status-list). Each credential gets an index drawn at random in a
# list of 2**20 entries (256 KiB at 2 bits, a few hundred bytes compressed while mostly valid), so
# neither its index nor its list says when it was issued, and every holder hides among a million
# (section 12.1, herd privacy; 13.3, no double allocation). A list takes no new index once half
# of it is allocated: a random draw then finds a free index in two tries on average.
STATUS_LIST_SIZE = 2**20
STATUS_LIST_BITS = 2  # VALID, INVALID (revoked) and SUSPENDED need two bits (section 7.1)
ALLOCATION_ATTEMPTS = 64
# A Status List Token expires this long after its ttl, so a verifier whose refresh fails keeps a
# short grace period rather than none.
STATUS_LIST_EXP_MARGIN_SECONDS = 60
_MAX_ROW_ID = 2**63 - 1
_MAX_REASON = 500


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _luhn_check_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


class IssuerService:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        tables = [IssuerKey, CredentialOffer, IssuerNonce, Issuance, Organization, StatusListRecord, DeathRecord,
                  OutboxEvent, ProcessedEvent]
        self.engine = engine_for(settings, "issuers", tables)
        add_missing_columns(self.engine, [Issuance, CredentialOffer])
        self.status_list_size = STATUS_LIST_SIZE

    # -- identity and keys ------------------------------------------------------------
    def issuer_url(self, short_id: str) -> str:
        jurisdiction(short_id)
        return self.settings.issuer_id(short_id)

    def short_id_for(self, issuer_url: str) -> str | None:
        """The short id of the sandbox issuer whose identifier is ``issuer_url``, else None."""
        prefix = f"{self.settings.service_url('issuers')}/issuers/"
        short_id = issuer_url[len(prefix):] if isinstance(issuer_url, str) and issuer_url.startswith(prefix) else ""
        return short_id if short_id in SANDBOX_ISSUERS else None

    def signing_key(self, short_id: str) -> SigningKey:
        """The issuer's active signing key, created and persisted on first use."""
        jurisdiction(short_id)
        with Session(self.engine) as session:
            row = session.exec(select(IssuerKey).where(IssuerKey.issuer_id == short_id, IssuerKey.active == True)  # noqa: E712
                               .order_by(IssuerKey.created_at.desc())).first()
            if row is None:
                key = generate_key()
                row = IssuerKey(kid=key.kid, issuer_id=short_id, private_jwk=key.private_jwk, created_at=self.clock.now())
                session.add(row)
                session.commit()
                return key
            return SigningKey(private_jwk=row.private_jwk)

    def rotate_key(self, short_id: str) -> dict:
        """Start signing with a new key; the previous one stays published (what it signed keeps
        verifying) and stops being used here. Registering the new key and retiring the old one
        in the trust registry are governance acts (``registry key add`` / ``registry key retire``;
        the sandbox's own issuers have new keys registered at start-up)."""
        previous = self.signing_key(short_id)
        key = generate_key()
        with Session(self.engine) as session:
            session.exec(update(IssuerKey).where(IssuerKey.issuer_id == short_id).values(active=False))
            session.add(IssuerKey(kid=key.kid, issuer_id=short_id, private_jwk=key.private_jwk,
                                  created_at=self.clock.now()))
            session.commit()
        return {"issuer": self.issuer_url(short_id), "kid": key.kid, "previous_kid": previous.kid,
                "public_jwk": key.public_jwk}

    def jwks(self, short_id: str) -> dict:
        self.signing_key(short_id)
        with Session(self.engine) as session:
            rows = session.exec(select(IssuerKey).where(IssuerKey.issuer_id == short_id)).all()
            return {"keys": [SigningKey(private_jwk=r.private_jwk).public_jwk for r in rows]}

    # -- minting ------------------------------------------------------------------------
    def mint(self, short_id: str, type_name: str, claims: dict, holder_jwk: dict) -> str:
        """Sign a credential of ``type_name`` for ``holder_jwk``; the single place credentials are made."""
        return self._mint(short_id, type_name, claims, holder_jwk)[0]

    def _mint(self, short_id: str, type_name: str, claims: dict, holder_jwk: dict) -> tuple[str, int]:
        """:meth:`mint`, also returning the new issuance's id."""
        issuer = jurisdiction(short_id)
        ctype = credential_type(type_name)
        max_loa = issuer.max_loa(ctype.name)
        if max_loa is None:
            raise SandboxError(Reason.ISSUER_NOT_AUTHORIZED, f"{short_id} does not issue {ctype.name}")
        if not isinstance(claims, dict):
            raise SandboxError(Reason.CLAIMS_INVALID, "claims must be a JSON object")
        claims = ctype.validate_claims({"assurance_level": max_loa, **claims})
        if not 1 <= claims["assurance_level"] <= max_loa:
            raise SandboxError(Reason.CLAIMS_INVALID,
                               f"{short_id} issues {ctype.name} at level of assurance 1 to {max_loa}")
        holder = self._holder_key(holder_jwk)
        key = self.signing_key(short_id)
        now = self.clock.now()
        expires = now + timedelta(days=self.settings.credential_lifetime_days)
        for _attempt in range(ALLOCATION_ATTEMPTS):
            with Session(self.engine) as session:
                # The issuance row claims (list, index) under a unique index: a draw that collides
                # with an index already given out fails here and is drawn again, and the credential
                # is signed only once its index is its own.
                status_list = self._open_status_list(session, short_id)
                idx = secrets.randbelow(status_list.size)
                issuance = Issuance(issuer_id=short_id, vct=ctype.vct, holder_kid=thumbprint(holder), claims=claims,
                                    assurance_level=claims["assurance_level"], issued_at=now, expires_at=expires,
                                    status_list_id=status_list.id, status_idx=idx)
                session.add(issuance)
                try:
                    session.flush()
                except IntegrityError:
                    session.rollback()
                    continue
                payload = {
                    "iss": self.issuer_url(short_id),
                    "iat": int(now.timestamp()),
                    "exp": int(expires.timestamp()),
                    "vct": ctype.vct,
                    "cnf": {"jwk": holder},
                    "status": {"status_list": {"idx": idx, "uri": self.status_list_uri(short_id, status_list.id)}},
                    **claims,
                }
                credential = sdjwt.issue(payload, key, disclosable=ctype.disclosable_paths())
                session.exec(update(StatusListRecord).where(StatusListRecord.id == status_list.id)
                             .values(allocated=StatusListRecord.allocated + 1))
                issuance_id = issuance.id
                session.commit()
                return credential, issuance_id
        raise SandboxError(Reason.CONFLICT, "no free status list index was found; try again", status_code=503)

    @staticmethod
    def _holder_key(holder_jwk: dict) -> dict:
        if not isinstance(holder_jwk, dict) or has_private_parts(holder_jwk):
            raise SandboxError(Reason.BAD_REQUEST, "the holder key must be a public JWK (no private members)")
        try:
            jwk = public_jwk_only(holder_jwk)
            thumbprint(jwk)
        except (ValueError, KeyError) as exc:
            raise SandboxError(Reason.BAD_REQUEST, f"the holder key is not a usable JWK: {exc}") from None
        if (jwk.get("kty"), jwk.get("crv")) not in {v for v in ALLOWED_ALGS.values()}:
            raise SandboxError(Reason.BAD_REQUEST, "the holder key must be an EC P-256/384/521 or Ed25519 JWK")
        # Only the members that define the key go into cnf.jwk: anything else a wallet put in its
        # proof header (nested objects, names SD-JWT reserves) has no business in a credential.
        members = ("kty", "crv", "x", "y") if jwk["kty"] == "EC" else ("kty", "crv", "x")
        if not all(isinstance(jwk.get(m), str) for m in members):
            raise SandboxError(Reason.BAD_REQUEST, f"the holder key's {', '.join(members)} must be strings")
        return {m: jwk[m] for m in members}

    # -- issuance records ---------------------------------------------------------------
    def issuances(self, short_id: str, *, subject: dict | None = None) -> list[dict]:
        """Every credential ``short_id`` issued, oldest first; with ``subject`` (e.g. ``given_name``,
        ``family_name``, ``birthdate``), only those about that person: as their subject, or as the
        ``person`` of a relationship. Status reasons are not listed: they may be personal."""
        jurisdiction(short_id)
        if subject is not None and (not isinstance(subject, dict) or not subject):
            raise SandboxError(Reason.BAD_REQUEST, "subject must be a non-empty object of claims")
        with Session(self.engine) as session:
            rows = session.exec(select(Issuance).where(Issuance.issuer_id == short_id).order_by(Issuance.id)).all()
            if subject is not None:
                rows = [r for r in rows if _about(r.claims, subject)]
            return [self._issuance_dict(r) for r in rows]

    def _issuance_dict(self, row: Issuance) -> dict:
        listed = row.status_list_id is not None
        return {"id": row.id, "vct": row.vct, "holder_kid": row.holder_kid, "assurance_level": row.assurance_level,
                "issued_at": as_utc(row.issued_at).isoformat(), "expires_at": as_utc(row.expires_at).isoformat(),
                "status": row.status,
                "status_changed_at": as_utc(row.status_changed_at).isoformat() if row.status_changed_at else None,
                "status_list": ({"idx": row.status_idx, "uri": self.status_list_uri(row.issuer_id, row.status_list_id)}
                                if listed else None)}

    # -- credential status (draft-ietf-oauth-status-list) ---------------------------------
    def status_list_uri(self, short_id: str, list_id: int) -> str:
        return f"{self.issuer_url(short_id)}/status-lists/{list_id}"

    def parse_status_list_uri(self, uri: str) -> tuple[str, int] | None:
        """``(short_id, list_id)`` when ``uri`` is one of this sandbox's status lists, else None."""
        prefix = f"{self.settings.service_url('issuers')}/issuers/"
        if not isinstance(uri, str) or not uri.startswith(prefix):
            return None
        found = re.fullmatch(r"([a-z0-9_-]{1,64})/status-lists/([0-9]{1,18})", uri[len(prefix):])
        if found is None or found.group(1) not in SANDBOX_ISSUERS:
            return None
        return found.group(1), int(found.group(2))

    def _open_status_list(self, session: Session, short_id: str) -> StatusListRecord:
        """The issuer's newest list with room (less than half allocated); a new one when none has."""
        record = session.exec(select(StatusListRecord)
                              .where(StatusListRecord.issuer_id == short_id,
                                     StatusListRecord.allocated * 2 < StatusListRecord.size)
                              .order_by(StatusListRecord.id.desc())).first()
        if record is None:
            record = StatusListRecord(issuer_id=short_id, size=self.status_list_size, bits=STATUS_LIST_BITS,
                                      created_at=self.clock.now())
            session.add(record)
            session.flush()
        return record

    def status_list_token(self, short_id: str, list_id: int) -> str:
        """The current Status List Token of one list, signed by the issuer's signing key (section 5.1)."""
        jurisdiction(short_id)
        if isinstance(list_id, bool) or not isinstance(list_id, int) or not 1 <= list_id <= _MAX_ROW_ID:
            raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no status list {list_id!r}", status_code=404)
        with Session(self.engine) as session:
            record = session.get(StatusListRecord, list_id)
            if record is None or record.issuer_id != short_id:
                raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no status list {list_id}", status_code=404)
            entries = session.exec(select(Issuance.status_idx, Issuance.status)
                                   .where(Issuance.status_list_id == list_id, Issuance.status != "valid")).all()
        status_list = statuslist.StatusList(record.size, record.bits)
        for idx, status in entries:
            status_list.set(idx, statuslist.STATUS_VALUES[status])
        now = self.clock.timestamp()
        ttl = self.settings.status_list_ttl_seconds
        return statuslist.sign_token(status_list, self.signing_key(short_id), uri=self.status_list_uri(short_id, list_id),
                                     iat=now, exp=now + ttl + STATUS_LIST_EXP_MARGIN_SECONDS, ttl=ttl,
                                     iss=self.issuer_url(short_id))

    def set_status(self, short_id: str, issuance_id: int, status: object, reason: object = None) -> dict:
        """Suspend, reinstate (``valid``) or revoke one credential. Revocation is final: any later
        change is a conflict. Verifiers see the change when their cached token's ttl runs out."""
        jurisdiction(short_id)
        if status not in CREDENTIAL_STATUSES:
            raise SandboxError(Reason.BAD_REQUEST, f"status must be one of {', '.join(CREDENTIAL_STATUSES)}")
        if reason is not None and (not isinstance(reason, str) or len(reason) > _MAX_REASON):
            raise SandboxError(Reason.BAD_REQUEST, f"reason must be a string of at most {_MAX_REASON} characters")
        reason = (reason or "").strip() or None
        if isinstance(issuance_id, bool) or not isinstance(issuance_id, int) or not 1 <= issuance_id <= _MAX_ROW_ID:
            raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no issuance {issuance_id!r}", status_code=404)
        with Session(self.engine) as session:
            row = session.get(Issuance, issuance_id)
            if row is None or row.issuer_id != short_id:
                raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no issuance {issuance_id}", status_code=404)
            if row.status == "revoked":
                raise SandboxError(Reason.CONFLICT, f"issuance {issuance_id} is revoked; revocation is final",
                                   status_code=409)
            if row.status_list_id is None:
                raise SandboxError(Reason.CONFLICT, f"issuance {issuance_id} was issued without a status list entry",
                                   status_code=409)
            if not self.change_status(session, issuance_id, status, reason, unless="revoked"):
                # revoked by someone else a moment ago
                session.rollback()
                raise SandboxError(Reason.CONFLICT, f"issuance {issuance_id} is revoked; revocation is final",
                                   status_code=409)
            session.commit()
            session.refresh(row)
            return {**self._issuance_dict(row), "status_reason": row.status_reason}

    def change_status(self, session: Session, issuance_id: int, status: str, reason: str | None, *,
                      only_if: str | None = None, unless: str | None = None) -> bool:
        """The one status write, in the caller's transaction, conditional on the current status
        (``only_if`` it is, or ``unless`` it is) so concurrent changes cannot overwrite each other.
        Returns whether the row changed. Staff changes, death notifications and replacements all
        write through here; the status list token is computed from these rows when served."""
        where = [Issuance.id == issuance_id]
        if only_if is not None:
            where.append(Issuance.status == only_if)
        if unless is not None:
            where.append(Issuance.status != unless)
        done = session.exec(update(Issuance).where(*where)
                            .values(status=status, status_reason=reason, status_changed_at=self.clock.now()))
        return done.rowcount == 1

    # -- proofing and registration (what happens before an offer) -------------------------
    def proof_person(self, short_id: str, application: dict) -> dict:
        """Identity proofing from evidence, then a Verified Person offer at the LoA reached."""
        issuer = jurisdiction(short_id)
        if issuer.kind != "person":
            raise SandboxError(Reason.BAD_REQUEST, f"{short_id} is not an identity-proofing issuer")
        ctype = credential_type("VerifiedPerson")
        # The application's claims as they would be kept (names normalized, dates plausible) before
        # the evidence is compared with them; nobody is proofed before being born.
        claims = ctype.validate_claims({**{k: application.get(k) for k in ("given_name", "family_name", "birthdate",
                                                                             "address")}, "assurance_level": 1})
        if claims["birthdate"] > self.clock.now().date().isoformat():
            raise SandboxError(Reason.CLAIMS_INVALID, "the birthdate is in the future", status_code=422)
        loa = proofing.assess(claims, application.get("evidence"), max_loa=issuer.max_loa(ctype.name) or 1)
        claims["assurance_level"] = loa
        # Validation against the authoritative source: the vital statistics death register. Evidence
        # documents outlive their holder; an identity must not.
        if is_registered_deceased(self, claims):
            raise SandboxError(Reason.PERSON_DECEASED, "vital statistics has registered this person's death",
                               status_code=422)
        offer = self.create_offer(short_id, [(ctype.name, claims)])
        return {"assurance_level": loa, **offer}

    def incorporate(self, short_id: str, application: dict) -> dict:
        """Register a corporation and offer its Verified Organization and the director's relationship."""
        issuer = jurisdiction(short_id)
        if issuer.kind != "registrar":
            raise SandboxError(Reason.BAD_REQUEST, f"{short_id} is not a business registrar")
        legal_name = application.get("legal_name")
        office = application.get("registered_office") or {}
        director = application.get("director")
        role = application.get("role", "director")
        if not isinstance(legal_name, str) or not legal_name.strip():
            raise SandboxError(Reason.CLAIMS_INVALID, "legal_name is required")
        if role not in ("director", "signing_officer"):
            raise SandboxError(Reason.CLAIMS_INVALID, "role must be director or signing_officer")
        if not isinstance(director, dict) or not all(isinstance(director.get(k), str) for k in ("given_name", "family_name", "birthdate")):
            raise SandboxError(Reason.CLAIMS_INVALID, "director needs given_name, family_name and birthdate")
        if not isinstance(office, dict) or set(office) - set(ADDRESS_FIELDS):
            raise SandboxError(Reason.CLAIMS_INVALID, f"registered_office takes only {', '.join(ADDRESS_FIELDS)}")
        today = self.clock.now().date().isoformat()
        person = {k: director[k] for k in ("given_name", "family_name", "birthdate")}
        org_claims = {"legal_name": legal_name.strip(), "jurisdiction_of_incorporation": "CA", "corporate_status": "active",
                      "incorporation_date": today, "registered_office": office}
        relationship = {"relationship_type": role, "person": person, "effective_date": today}
        # Validate both claim sets before anything is stored (bad input changes no state), and keep
        # them as validated (names normalized).
        checked = credential_type("VerifiedOrganization").validate_claims(
            {**org_claims, "business_number": "0", "assurance_level": 3})
        org_claims = {k: checked[k] for k in org_claims}
        office = org_claims["registered_office"]
        checked = credential_type("VerifiedRelationship").validate_claims(
            {**relationship, "organization": {"legal_name": "x", "business_number": "0"}, "assurance_level": 3})
        relationship = {k: checked[k] for k in relationship}
        person = relationship["person"]
        with Session(self.engine) as session:
            while True:
                base = f"{secrets.randbelow(10**8):08d}"
                bn = base + _luhn_check_digit(base)
                if session.get(Organization, bn) is None:
                    break
            session.add(Organization(business_number=bn, legal_name=org_claims["legal_name"],
                                     jurisdiction_of_incorporation="CA", incorporation_date=today,
                                     registered_office=office, directors=[{**person, "role": role}]))
            session.commit()
        org_claims["business_number"] = bn
        relationship["organization"] = {"legal_name": org_claims["legal_name"], "business_number": bn}
        offer = self.create_offer(short_id, [("VerifiedOrganization", org_claims), ("VerifiedRelationship", relationship)])
        return {"business_number": bn, **offer}

    # -- OpenID4VCI ---------------------------------------------------------------------
    def create_offer(self, short_id: str, items: list[tuple[str, dict]], *, with_tx_code: bool = True,
                     supersedes: int | None = None, holder_kid: str | None = None) -> dict:
        """A pre-authorized credential offer (OpenID4VCI 4.1.1) for the given (type, claims) pairs.

        An offer that ``supersedes`` an issuance (renewal, change of name or address) can only be
        redeemed with the holder key ``holder_kid`` (the old credential's), and issuing from it
        revokes the old credential (:meth:`credential`).
        """
        code = secrets.token_urlsafe(32)
        tx_code = f"{secrets.randbelow(10**6):06d}" if with_tx_code else None
        bound = {k: v for k, v in (("supersedes", supersedes), ("holder_kid", holder_kid)) if v is not None}
        with Session(self.engine) as session:
            session.add(CredentialOffer(
                code_hash=_sha256(code), issuer_id=short_id,
                items=[{"configuration_id": t, "claims": c, **bound} for t, c in items],
                tx_code_hash=_sha256(tx_code) if tx_code else None,
                expires_at=self.clock.now() + timedelta(seconds=self.settings.offer_lifetime_seconds)))
            session.commit()
        grant: dict = {"pre-authorized_code": code}
        if tx_code:
            grant["tx_code"] = {"input_mode": "numeric", "length": 6,
                                "description": "Enter the code sent to you by text message"}
        offer = {"credential_issuer": self.issuer_url(short_id),
                 "credential_configuration_ids": [t for t, _ in items],
                 "grants": {PRE_AUTH_GRANT: grant}}
        uri = "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer, separators=(",", ":")), safe="")
        # The tx_code travels out of band (a text message in real life); the sandbox hands it back.
        return {"credential_offer": offer, "credential_offer_uri": uri, "tx_code": tx_code}

    def credential_issuer_metadata(self, short_id: str) -> dict:
        issuer = jurisdiction(short_id)
        url = self.issuer_url(short_id)
        configs = {}
        for type_name, _loa in issuer.grants:
            ctype = credential_type(type_name)
            configs[type_name] = {
                "format": "dc+sd-jwt",
                "vct": ctype.vct,
                "scope": type_name,
                "cryptographic_binding_methods_supported": ["jwk"],
                "credential_signing_alg_values_supported": ["ES256"],
                "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(ALLOWED_ALGS)}},
                "credential_metadata": {
                    "display": [{"name": ctype.label_en, "locale": "en-CA"}, {"name": ctype.label_fr, "locale": "fr-CA"}],
                    "claims": _claims_metadata(ctype),
                },
            }
        return {
            "credential_issuer": url,
            "credential_endpoint": f"{url}/credential",
            "nonce_endpoint": f"{url}/nonce",
            # Sandbox extensions (OpenID4VCI 12.2.4 allows more members): where a holder, proving
            # possession of a credential, asks for its renewal or for a re-issuance with changes.
            "renewal_endpoint": f"{url}/renewal",
            "reissuance_endpoint": f"{url}/reissuance",
            "display": [{"name": issuer.name_en, "locale": "en-CA"}, {"name": issuer.name_fr, "locale": "fr-CA"}],
            "credential_configurations_supported": configs,
        }

    def authorization_server_metadata(self, short_id: str) -> dict:
        url = self.issuer_url(short_id)
        return {"issuer": url, "token_endpoint": f"{url}/token", "grant_types_supported": [PRE_AUTH_GRANT],
                "pre-authorized_grant_anonymous_access_supported": True}

    def jwt_vc_issuer_metadata(self, short_id: str) -> dict:
        """SD-JWT VC issuer metadata (draft-ietf-oauth-sd-jwt-vc, 4): ``issuer`` equals ``iss``."""
        return {"issuer": self.issuer_url(short_id), "jwks": self.jwks(short_id)}

    def token(self, short_id: str, form: dict) -> dict:
        """Token endpoint for the pre-authorized code grant (OpenID4VCI 6)."""
        jurisdiction(short_id)
        if form.get("grant_type") != PRE_AUTH_GRANT:
            raise SandboxError(Reason.UNSUPPORTED_GRANT_TYPE, f"only the {PRE_AUTH_GRANT} grant is supported")
        code = form.get("pre-authorized_code")
        if not code:
            raise SandboxError(Reason.BAD_REQUEST, "pre-authorized_code is required")
        now = self.clock.now()
        token = secrets.token_urlsafe(32)
        with Session(self.engine) as session:
            offer = session.get(CredentialOffer, _sha256(str(code)))
            if offer is None or offer.issuer_id != short_id or offer.redeemed or as_utc(offer.expires_at) < now \
                    or (offer.tx_code_failures or 0) >= TX_CODE_ATTEMPTS:
                raise SandboxError(Reason.INVALID_GRANT, "the pre-authorized code is unknown, expired, void or "
                                                         "already used")
            if offer.tx_code_hash and not hmac.compare_digest(_sha256(str(form.get("tx_code", ""))),
                                                              offer.tx_code_hash):
                # Counted in the database (atomically): parallel guesses cannot share one attempt.
                session.exec(update(CredentialOffer).where(CredentialOffer.code_hash == offer.code_hash)
                             .values(tx_code_failures=func.coalesce(CredentialOffer.tx_code_failures, 0) + 1))
                session.commit()
                session.refresh(offer)
                left = max(0, TX_CODE_ATTEMPTS - (offer.tx_code_failures or 0))
                raise SandboxError(Reason.INVALID_GRANT, "the transaction code is wrong; " +
                                   (f"{left} attempt(s) left" if left else "the offer is now void: ask the issuer "
                                                                           "for a new one"))
            offer.redeemed = True
            offer.token_hash = _sha256(token)
            offer.token_expires_at = now + TOKEN_LIFETIME
            session.add(offer)
            session.commit()
        return {"access_token": token, "token_type": "Bearer", "expires_in": int(TOKEN_LIFETIME.total_seconds())}

    def nonce(self, short_id: str) -> dict:
        jurisdiction(short_id)
        value = secrets.token_urlsafe(24)
        with Session(self.engine) as session:
            session.add(IssuerNonce(value=value, issuer_id=short_id, expires_at=self.clock.now() + NONCE_LIFETIME))
            session.commit()
        return {"c_nonce": value}

    def credential(self, short_id: str, access_token: str | None, body: dict) -> dict:
        """Credential endpoint (OpenID4VCI 8): one credential per request, bound to the proof's key."""
        jurisdiction(short_id)
        now = self.clock.now()
        if not access_token:
            raise SandboxError(Reason.INVALID_TOKEN, "a bearer access token is required", status_code=401)
        with Session(self.engine) as session:
            offer = session.exec(select(CredentialOffer).where(CredentialOffer.token_hash == _sha256(access_token))).first()
            if offer is None or offer.issuer_id != short_id or as_utc(offer.token_expires_at) < now:
                raise SandboxError(Reason.INVALID_TOKEN, "the access token is unknown or expired", status_code=401)
            config_id = body.get("credential_configuration_id") if isinstance(body, dict) else None
            item = next((i for i in offer.items if i["configuration_id"] == config_id), None)
            if item is None:
                raise SandboxError(Reason.UNKNOWN_CREDENTIAL_CONFIGURATION,
                                   f"this token does not cover credential configuration {config_id!r}")
            if config_id in offer.issued:
                raise SandboxError(Reason.INVALID_CREDENTIAL_REQUEST, f"{config_id} was already issued for this offer")
            holder = self._check_proof(short_id, body)
            if item.get("holder_kid") and thumbprint(holder) != item["holder_kid"]:
                raise SandboxError(Reason.INVALID_PROOF, "this offer replaces a credential bound to another holder key")
            if item.get("supersedes"):
                self.check_replaceable(short_id, item["supersedes"])
            credential, issuance_id = self._mint(short_id, config_id, item["claims"], holder)
            offer.issued = [*offer.issued, config_id]
            session.add(offer)
            session.commit()
        if item.get("supersedes"):
            self._supersede(short_id, item["supersedes"], issuance_id)
        return {"credentials": [{"credential": credential}]}

    # -- replacing a credential (renewal, change of name or address) ---------------------------
    def check_replaceable(self, short_id: str, issuance_id: int) -> Issuance:
        """The issuance a holder asks to replace, refused unless it is still valid: a suspended
        credential is on hold, a revoked one (a death, an earlier replacement) is final."""
        with Session(self.engine) as session:
            row = session.get(Issuance, issuance_id)
        if row is None or row.issuer_id != short_id:
            raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no issuance {issuance_id}", status_code=404)
        if row.status == "revoked":
            raise SandboxError(Reason.CREDENTIAL_REVOKED, "the credential to replace is revoked", status_code=409)
        if row.status == "suspended":
            raise SandboxError(Reason.CREDENTIAL_SUSPENDED, "the credential to replace is suspended", status_code=409)
        return row

    def _supersede(self, short_id: str, old_id: int, new_id: int) -> None:
        """Revoke the replaced credential now that its successor exists (not when the offer is made:
        a holder who never redeems the offer keeps a working credential). Should the old one have
        been revoked or suspended in between (a death registered meanwhile), the new one inherits it:
        it is revoked at once, so a replacement never outlives what it replaced."""
        with Session(self.engine) as session:
            done = self.change_status(session, old_id, "revoked", f"superseded by issuance {new_id}", only_if="valid")
            session.commit()
        if not done:
            self.set_status(short_id, new_id, "revoked", f"issuance {old_id}, which it replaces, was revoked or "
                                                         "suspended before it was issued")
            raise SandboxError(Reason.CREDENTIAL_REVOKED, "the credential to replace was revoked or suspended meanwhile",
                               status_code=409)

    def _check_proof(self, short_id: str, body: dict) -> dict:
        """Validate the ``openid4vci-proof+jwt`` key proof (OpenID4VCI F.1) and return its public key."""
        proofs = body.get("proofs")
        jwts = proofs.get("jwt") if isinstance(proofs, dict) else None
        if not isinstance(jwts, list) or len(jwts) != 1 or not isinstance(jwts[0], str):
            raise SandboxError(Reason.INVALID_PROOF, "send exactly one proof in proofs.jwt")
        proof = Jws.parse(jwts[0], malformed=Reason.INVALID_PROOF)
        proof.check_header((PROOF_TYP,), typ_reason=Reason.INVALID_PROOF, alg_reason=Reason.INVALID_PROOF)
        jwk = proof.header.get("jwk")
        if not isinstance(jwk, dict) or has_private_parts(jwk):
            raise SandboxError(Reason.INVALID_PROOF, "the proof header must carry the holder's public jwk")
        proof.verify(jwk, reason=Reason.INVALID_PROOF)
        claims = proof.payload
        if claims.get("aud") != self.issuer_url(short_id):
            raise SandboxError(Reason.INVALID_PROOF, "the proof's aud is not this credential issuer")
        iat = claims.get("iat")
        now = self.clock.timestamp()
        if not isinstance(iat, int) or iat > now + self.settings.leeway_seconds or now - iat > NONCE_LIFETIME.total_seconds():
            raise SandboxError(Reason.INVALID_PROOF, "the proof's iat is missing or not fresh")
        self.consume_nonce(short_id, claims.get("nonce"))
        return self._holder_key(jwk)

    def consume_nonce(self, short_id: str, nonce: object) -> None:
        """Use up a ``c_nonce`` this issuer handed out (single use, unexpired); ``invalid_nonce`` otherwise."""
        with Session(self.engine) as session:
            done = session.exec(update(IssuerNonce)
                                .where(IssuerNonce.value == str(nonce), IssuerNonce.issuer_id == short_id,
                                       IssuerNonce.used == False, IssuerNonce.expires_at >= self.clock.now())  # noqa: E712
                                .values(used=True))
            session.commit()
        if done.rowcount != 1:
            raise SandboxError(Reason.INVALID_NONCE, "the nonce is unknown, expired or already used")


def _claims_metadata(ctype: CredentialType) -> list[dict]:
    out = []
    for claim in ctype.claims:
        out.append({"path": [claim.name], "display": [{"name": claim.label_en, "locale": "en-CA"},
                                                       {"name": claim.label_fr, "locale": "fr-CA"}]})
        out.extend({"path": [claim.name, f]} for f in claim.fields)
    return out


def _about(claims: dict, subject: dict) -> bool:
    """Whether an issuance's claims name ``subject``: directly, or as a relationship's ``person``."""
    return any(isinstance(who, dict) and all(who.get(k) == v for k, v in subject.items())
               for who in (claims, claims.get("person")))


def all_issuers() -> list[Jurisdiction]:
    return list(SANDBOX_ISSUERS.values())
