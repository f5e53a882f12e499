"""The one credential check: is this text an SD-JWT VC its issuer signed, valid now, bound to
a holder key, and (when a key binding is asked for) presented by that holder?

Every party that receives a credential asks the same questions in the same order
(RFC 9901 section 7, draft-ietf-oauth-sd-jwt-vc section 3): the verification engine before
it asks the trust registry and the status list, the wallet before it stores what an issuer
sent, the registry's conformance run on an applicant's test credential, and an issuer when a
holder proves possession to have a credential renewed. They differ only in where the issuer's
keys come from, which issuer and types they expect, and whether a key binding must be there;
:func:`check_credential` takes those as arguments and answers a :class:`CheckedCredential`, or
raises a :class:`~pctf.reasons.SandboxError` with the reason code of the first rule broken.

Where the issuer's keys come from is the caller's (``issuer_keys``): the trust registry's record
for a verifier, the applicant's published keys for the conformance run. That record may be of an
https issuer, whose keys the registry read from its SD-JWT VC issuer metadata, or of a ``did:web``
issuer, whose keys it read from its DID document (:mod:`pctf.did`), which the draft allows
besides issuer metadata and ``x5c`` ("Issuer-signed JWT Verification Key Validation"). For an
issuer identified by a DID, one rule is added here: a header ``kid`` must be a DID URL of that
DID, relative (``#key-1``) or absolute (draft-ietf-oauth-sd-jwt-vc-01, "DID Document
Resolution"), and it names the key whose ``kid`` is that absolute DID URL.

The rules that describe a credential rather than check it live here too, defined once:
which claims are technical (:data:`TECHNICAL_CLAIMS`) and what a NumericDate may be
(:func:`numeric_date`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .clock import from_timestamp
from .did import did_key_id, is_did
from .jose import thumbprint
from .reasons import Reason, SandboxError
from .sdjwt import ACCEPTED_TYPS, SdJwt, resolve_disclosures, verify_key_binding

# Claims that describe the credential rather than its subject: never shown as the subject's claims.
TECHNICAL_CLAIMS = frozenset({"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status", "_sd_alg"})

# NumericDate bounds (RFC 7519 section 2): anything outside cannot be a real date and is refused.
MAX_NUMERIC_DATE = 253402300799  # 9999-12-31T23:59:59Z

# The steps of :func:`check_credential`, in the order they run; each reports when it passes.
STEPS = (
    "format",
    "credential_type",
    "issuer_known",
    "signature",
    "disclosures",
    "validity",
    "issuer_key",
    "holder_binding",
)


def is_numeric_date(value: object) -> bool:
    """Whether ``value`` is a NumericDate between 1970 and 9999 (a number, never a boolean)."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and 0 <= value <= MAX_NUMERIC_DATE


def numeric_date(claims: dict[str, Any], name: str, *, required: bool = False) -> float | None:
    """The NumericDate claim ``name``: None when absent (``required_claim_missing`` if ``required``),
    ``claims_invalid`` when it is not a date between 1970 and 9999."""
    value = claims.get(name)
    if value is None:
        if required:
            raise SandboxError(Reason.REQUIRED_CLAIM_MISSING, f"the credential has no {name}")
        return None
    if not is_numeric_date(value):
        raise SandboxError(Reason.CLAIMS_INVALID, f"{name} is not a NumericDate between 1970 and 9999")
    return float(value) if isinstance(value, float) else value


def subject_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The claims about the credential's subject: everything but :data:`TECHNICAL_CLAIMS`."""
    return {k: v for k, v in claims.items() if k not in TECHNICAL_CLAIMS}


@dataclass(frozen=True)
class KeyBinding:
    """What a Key Binding JWT must say (RFC 9901 7.3): who it is for, the nonce they gave (None
    takes any nonce, returned in :attr:`CheckedCredential.kb_nonce` for the caller to use up),
    and how old it may be."""

    aud: str
    nonce: str | None
    max_age: int


@dataclass(frozen=True)
class CheckedCredential:
    """A credential that passed :func:`check_credential`."""

    sd: SdJwt
    claims: dict[str, Any]  # every claim, disclosures resolved
    disclosed: int  # how many disclosures were resolved
    issuer_key: dict[str, Any]  # the key that verified the issuer signature
    keys: list[dict[str, Any]]  # every key the issuer holds (status lists are signed with them too)
    holder: dict[str, Any]  # cnf.jwk
    iat: float
    exp: float | None
    kb_nonce: str | None = None

    @property
    def iss(self) -> str:
        return str(self.claims["iss"])

    @property
    def vct(self) -> str:
        return str(self.claims["vct"])

    @property
    def subject_claims(self) -> dict[str, Any]:
        return subject_claims(self.claims)


Keys = Callable[[str], Iterable[dict[str, Any]]]


@dataclass
class Progress:
    """How far :func:`check_credential` got: filled in as it goes, so a caller whose check
    failed still knows which step failed (``step``), what passed before it, and whose
    credential of which type it was."""

    step: str = STEPS[0]
    iss: str | None = None
    vct: str | None = None
    passed: list[tuple[str, str]] = field(default_factory=list)
    # Each passed step's values its detail was formed from, for a detail shown in another language.
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    def done(self, step: str, detail: str, **params: Any) -> None:
        self.passed.append((step, detail))
        self.params[step] = params
        following = STEPS.index(step) + 1
        self.step = STEPS[following] if following < len(STEPS) else ""


def check_credential(
    text: str,
    *,
    issuer_keys: Keys,
    now: int,
    leeway: int,
    expected_iss: str | None = None,
    expected_vcts: Iterable[str] | None = None,
    holder: dict[str, Any] | None = None,
    key_binding: KeyBinding | None = None,
    check_expiry: bool = True,
    check_not_before: bool = True,
    key_state: Callable[[str, str | None, float], str] | None = None,
    progress: Progress | None = None,
) -> CheckedCredential:
    """Parse and check one SD-JWT VC, in the order of :data:`STEPS`.

    - ``issuer_keys(iss)`` gives the issuer's keys (raising ``issuer_unknown`` or anything else
      when there are none); the key the header's ``kid`` names verifies the signature.
    - ``expected_iss`` and ``expected_vcts``, when given, are the only acceptable ``iss`` and ``vct``.
    - ``holder``, when given, is the only acceptable ``cnf.jwk`` (compared by thumbprint).
    - ``key_binding``: the Key Binding JWT that must be there; without it, an issued credential
      is checked and a Key Binding JWT is refused (``malformed_presentation``).
    - ``check_expiry=False`` lets an expired credential through (an issuer renewing one).
    - ``check_not_before=False`` lets a credential whose ``nbf`` is still to come through (a
      wallet keeping a delegation that takes effect later; verifiers refuse it until then).
    - ``key_state(iss, kid, iat)`` raises when the signing key was not in force at issuance, and
      otherwise says why it was.
    - ``progress`` records each step that passed, so a caller can show its checks.
    """
    progress = progress if progress is not None else Progress()
    passed = progress.done

    sd = SdJwt.parse(text)
    sd.jws.check_header(ACCEPTED_TYPS)
    payload = sd.payload
    iss, vct = payload.get("iss"), payload.get("vct")
    if not isinstance(iss, str) or not isinstance(vct, str):
        raise SandboxError(Reason.REQUIRED_CLAIM_MISSING, "the credential lacks iss or vct")
    progress.iss, progress.vct = iss, vct
    if key_binding is None and sd.kb_jwt:
        raise SandboxError(Reason.MALFORMED_PRESENTATION, "an issued credential must not carry a Key Binding JWT")
    typ, alg = sd.header.get("typ"), sd.header.get("alg")
    passed("format", f"SD-JWT VC ({typ}, {alg})", typ=typ, alg=alg)

    expected = None if expected_vcts is None else list(expected_vcts)
    if expected is not None and vct not in expected:
        raise SandboxError(Reason.VCT_UNEXPECTED, f"vct {vct!r} is not what was asked for")
    passed("credential_type", vct, vct=vct)

    if expected_iss is not None and iss != expected_iss:
        raise SandboxError(Reason.ISSUER_MISMATCH, f"iss is {iss!r}, expected {expected_iss!r}")
    keys = [k for k in issuer_keys(iss) if isinstance(k, dict)]
    if not keys:
        raise SandboxError(Reason.ISSUER_UNKNOWN, f"{iss} has no known keys")
    passed("issuer_known", iss, iss=iss)

    key = _verify_issuer_signature(sd, iss, keys)
    passed("signature", f"issuer signature verified with key {key.get('kid') or '(no kid)'}", kid=key.get("kid"))

    claims, placed = resolve_disclosures(payload, sd.disclosures)
    passed("disclosures", f"{len(placed)} disclosure(s) match digests signed by the issuer", count=len(placed))

    iat = numeric_date(claims, "iat", required=True)
    assert iat is not None
    exp, nbf = numeric_date(claims, "exp"), numeric_date(claims, "nbf")
    if check_expiry and exp is not None and exp <= now - leeway:
        raise SandboxError(Reason.CREDENTIAL_EXPIRED, f"the credential expired at {_iso(exp)}")
    if iat > now + leeway or (check_not_before and nbf is not None and nbf > now + leeway):
        raise SandboxError(Reason.CREDENTIAL_NOT_YET_VALID, "the credential is not valid yet")
    if exp is not None and exp <= iat:
        raise SandboxError(Reason.CLAIMS_INVALID, "the credential expires before it was issued")
    issued, expires = _iso(iat)[:10], _iso(exp)[:10] if exp else None
    passed("validity", f"issued {issued}" + (f", expires {expires}" if expires else ""), issued=issued, expires=expires)

    in_force = key_state(iss, key.get("kid"), iat) if key_state is not None else None
    passed("issuer_key", in_force or f"key {key.get('kid') or '(no kid)'} in force at issuance", kid=key.get("kid"))

    cnf = claims.get("cnf")
    bound = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(bound, dict):
        raise SandboxError(Reason.HOLDER_KEY_MISSING, "the credential is not bound to a holder key (cnf.jwk)")
    if holder is not None and _thumbprint(bound) != thumbprint(holder):
        raise SandboxError(Reason.HOLDER_KEY_MISSING, "the credential is bound to another holder key")
    kb_nonce = None
    if key_binding is not None:
        kb_claims = verify_key_binding(
            sd,
            bound,
            aud=key_binding.aud,
            nonce=key_binding.nonce,
            now=now,
            max_age=key_binding.max_age,
            leeway=leeway,
        )
        kb_nonce = kb_claims.get("nonce")
        passed(
            "holder_binding",
            "key binding JWT signed by the holder key, for this audience and nonce",
            key_binding=True,
        )
    else:
        bound_to = _thumbprint(bound)
        passed("holder_binding", f"bound to holder key {bound_to or '(unreadable)'}", thumbprint=bound_to)
    return CheckedCredential(
        sd=sd,
        claims=claims,
        disclosed=len(placed),
        issuer_key=key,
        keys=keys,
        holder=bound,
        iat=iat,
        exp=exp,
        kb_nonce=kb_nonce if isinstance(kb_nonce, str) else None,
    )


def _verify_issuer_signature(sd: SdJwt, iss: str, keys: list[dict[str, Any]]) -> dict[str, Any]:
    """The issuer key that verifies the issuer signature: the one the header ``kid`` names (any,
    without a ``kid``). For a DID ``iss`` the ``kid`` is a DID URL of that DID (see the module
    docstring): one that is not names no key of this issuer (``issuer_key_unknown``)."""
    kid = sd.header.get("kid")
    if kid is None or not is_did(iss):
        return sd.jws.verify_with_any(keys, whose="the issuer's keys")
    named = did_key_id(kid, iss)
    key = next((k for k in keys if k.get("kid") == named), None)
    if key is None:
        raise SandboxError(Reason.ISSUER_KEY_UNKNOWN, f"key {named} is not among the issuer's keys")
    sd.jws.verify(key)
    return key


def _thumbprint(jwk: dict[str, Any]) -> str | None:
    try:
        return thumbprint(jwk)
    except (ValueError, KeyError, TypeError):
        return None


def _iso(timestamp: float) -> str:
    return from_timestamp(timestamp).isoformat()
