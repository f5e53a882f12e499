"""The one verification engine, used by every relying party, the CLI and the benchmark.

It verifies one SD-JWT VC presentation (:meth:`VerificationEngine.verify_credential`) in the
order RFC 9901 section 7 prescribes, asking the trust registry (through a
:class:`pctf.trust.TrustSource`) for the issuer's keys and whether the issuer was authorized for
that credential type, at that level of assurance, when it issued it. Then, when the credential
references a Token Status List, it reads the credential's status there (through a
:class:`pctf.statuslist.StatusSource`, the token verified with the same registered issuer keys).
Each step is recorded as a :class:`~verifier.verdict.Check`; the first failure stops the
credential's verification, with the reason code of the rule it broke.
"""
from __future__ import annotations

from pctf import sdjwt, statuslist
from pctf.clock import Clock, from_timestamp
from pctf.jose import brief
from pctf.reasons import Reason, SandboxError
from pctf.statuslist import StatusResolver, StatusSource
from pctf.trust import TrustSource
from pctf.vocab import type_for_vct

from .policy import Policy
from .verdict import Check, CredentialResult, Verdict

# Claims that describe the credential rather than its subject; kept out of the disclosed view.
TECHNICAL_CLAIMS = frozenset({"iss", "iat", "nbf", "exp", "vct", "cnf", "status", "_sd_alg"})


# NumericDate bounds (RFC 7519 2): anything outside cannot be a real date and is refused.
_MAX_NUMERIC_DATE = 253402300799  # 9999-12-31T23:59:59Z


def _numeric_date(claims: dict, name: str, *, required: bool = False) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise SandboxError(Reason.CLAIM_MISSING, f"the credential has no {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= _MAX_NUMERIC_DATE:
        raise SandboxError(Reason.CLAIMS_INVALID, f"{name} is not a NumericDate between 1970 and 9999")
    return value


_STATUS_REASONS = {statuslist.INVALID: (Reason.CREDENTIAL_REVOKED, "the issuer has revoked this credential"),
                   statuslist.SUSPENDED: (Reason.CREDENTIAL_SUSPENDED, "the issuer has suspended this credential")}


class VerificationEngine:
    """Verifies presentations. ``status`` is where Status List Tokens come from; without one, a
    credential that references a status list is refused (``status_list_unavailable``): a status
    that cannot be read is never taken for valid."""

    def __init__(self, trust: TrustSource, clock: Clock, *, status: StatusSource | None = None,
                 kb_max_age: int = 300, leeway: int = 30) -> None:
        self.trust = trust
        self.clock = clock
        self.kb_max_age = kb_max_age
        self.leeway = leeway
        self.status = StatusResolver(status, clock, leeway=leeway) if status is not None else None

    def verify_credential(self, presentation: str, *, aud: str, nonce: str, expected_vcts: list[str] | None = None,
                          label: str = "credential") -> CredentialResult:
        result = CredentialResult(label=label)
        try:
            self._verify(presentation, aud, nonce, expected_vcts, result)
        except SandboxError as exc:
            result.failed(result.step, exc.reason, exc.message)
        return result

    def _verify(self, presentation: str, aud: str, nonce: str, expected_vcts: list[str] | None,
                result: CredentialResult) -> None:
        now = self.clock.timestamp()
        result.step = "format"
        sd = sdjwt.SdJwt.parse(presentation)
        sd.jws.check_header(sdjwt.ACCEPTED_TYPS)
        payload = sd.payload
        iss, vct = payload.get("iss"), payload.get("vct")
        if not isinstance(iss, str) or not isinstance(vct, str):
            raise SandboxError(Reason.CLAIM_MISSING, "the credential lacks iss or vct")
        result.issuer, result.vct = iss, vct
        result.passed("format", f"SD-JWT VC ({sd.header.get('typ')}, {sd.header.get('alg')})")

        result.step = "credential_type"
        if expected_vcts is not None and vct not in expected_vcts:
            raise SandboxError(Reason.VCT_UNEXPECTED, f"vct {vct!r} is not what was requested")
        ctype = type_for_vct(vct)
        result.passed("credential_type", ctype.name if ctype else vct)

        result.step = "issuer_known"
        jwks = self.trust.issuer_jwks(iss)
        if not jwks:
            raise SandboxError(Reason.ISSUER_UNKNOWN, f"{iss} is not registered in the trust registry")
        result.passed("issuer_known", iss)

        result.step = "signature"
        keys = jwks.get("keys", [])
        kid = sd.header.get("kid")
        key = sd.jws.verify_with_any(keys, whose="the issuer's registered keys")
        signing_kid = key.get("kid")
        result.passed("signature", f"issuer signature verified with registered key {kid or '(no kid)'}")

        result.step = "disclosures"
        claims, placed = sdjwt.resolve_disclosures(payload, sd.disclosures)
        result.passed("disclosures", f"{len(placed)} disclosure(s) match digests signed by the issuer")

        result.step = "validity"
        iat = _numeric_date(claims, "iat", required=True)
        exp, nbf = _numeric_date(claims, "exp"), _numeric_date(claims, "nbf")
        if exp is not None and exp <= now - self.leeway:
            raise SandboxError(Reason.CREDENTIAL_EXPIRED, f"the credential expired at {from_timestamp(exp).isoformat()}")
        if iat > now + self.leeway or (nbf is not None and nbf > now + self.leeway):
            raise SandboxError(Reason.CREDENTIAL_NOT_YET_VALID, "the credential is not valid yet")
        result.issued_at = int(iat)
        result.passed("validity", f"issued {from_timestamp(iat).date()}" + (f", expires {from_timestamp(exp).date()}" if exp else ""))

        result.step = "issuer_key"
        state, why = self.trust.key_state(iss, signing_kid, at=from_timestamp(iat))
        if state != "active":
            raise SandboxError(Reason.KEY_COMPROMISED if state == "compromised" else Reason.KEY_RETIRED, why)
        result.passed("issuer_key", why)

        result.step = "holder_binding"
        cnf = claims.get("cnf")
        holder = cnf.get("jwk") if isinstance(cnf, dict) else None
        if not isinstance(holder, dict):
            raise SandboxError(Reason.CNF_MISSING, "the credential is not bound to a holder key (cnf.jwk)")
        sdjwt.verify_key_binding(sd, holder, aud=aud, nonce=nonce, now=now, max_age=self.kb_max_age, leeway=self.leeway)
        result.holder_jwk = holder
        result.passed("holder_binding", "key binding JWT signed by the holder key, for this audience and nonce")

        result.step = "issuer_authorized"
        loa = claims.get("assurance_level")
        if loa is not None and (not isinstance(loa, int) or isinstance(loa, bool) or not 1 <= loa <= 4):
            raise SandboxError(Reason.CLAIMS_INVALID, f"assurance_level {brief(loa)} is not a PCTF level (an integer 1-4)")
        answer = self.trust.authorization(iss, "issue", vct, at=from_timestamp(iat), assurance_level=loa)
        if not answer.authorized:
            reason = Reason.ISSUER_SUSPENDED if answer.status == "suspended" else Reason.ISSUER_NOT_AUTHORIZED
            raise SandboxError(reason, answer.message or f"the registry does not authorize {iss} to issue {vct} ({answer.status})")
        source = {"trust_list": "the registry's signed trust list (registry unreachable)",
                  "recognition": f"{answer.raw.get('recognized_authority_id')}, a framework the registry recognizes",
                  }.get(answer.raw.get("source"), "registry")
        result.passed("issuer_authorized", f"{source}: authorized to issue {ctype.name if ctype else vct} "
                                           f"up to LoA {answer.assurance_level} at issuance time")

        result.step = "credential_status"
        ref = statuslist.status_reference(claims)
        if ref is None:
            result.passed("credential_status", "no status list referenced")
        else:
            if self.status is None:
                raise SandboxError(Reason.STATUS_LIST_UNAVAILABLE, "this verifier has no way to read status lists")
            value = self.status.status(ref, keys)
            if value != statuslist.VALID:
                reason, message = _STATUS_REASONS.get(
                    value, (Reason.CREDENTIAL_STATUS_UNKNOWN, f"the status list gives status 0x{value:02x}, "
                                                              "which this verifier does not recognize"))
                raise SandboxError(reason, message)
            result.passed("credential_status", "valid in the issuer's status list")
        result.claims = {k: v for k, v in claims.items() if k not in TECHNICAL_CLAIMS}

    def verify_presentation(self, policy: Policy, vp_token: dict, *, aud: str, nonce: str,
                            verifier: str) -> Verdict:
        """Verify an OpenID4VP ``vp_token`` (keyed by DCQL credential query id) against ``policy``."""
        checks: list[Check] = []
        results: dict[str, CredentialResult] = {}
        if not isinstance(vp_token, dict):
            checks.append(Check("format", False, Reason.MALFORMED.value, "vp_token must be a JSON object"))
            vp_token = {}
        for req in policy.requirements:
            presented = vp_token.get(req.query_id)
            if isinstance(presented, list) and len(presented) == 1:
                presented = presented[0]
            if not isinstance(presented, str):
                checks.append(Check("presented", False, Reason.CREDENTIAL_NOT_PRESENTED.value,
                                    f"no single {req.type_name} presentation for {req.query_id!r}", req.query_id))
                continue
            res = self.verify_credential(presented, aud=aud, nonce=nonce,
                                         expected_vcts=[req.vct], label=req.query_id)
            results[req.query_id] = res
            checks.extend(res.checks)
        checks.extend(policy.evaluate(results))
        credentials = {q: _summary(r) for q, r in results.items() if r.ok}
        return Verdict(verifier=verifier, policy=policy.id, checked_at=self.clock.now().isoformat(), checks=checks,
                       credentials=credentials)

    def verify_single(self, presentation: str, *, aud: str, nonce: str, expected_vcts: list[str] | None = None,
                      verifier: str = "cli") -> Verdict:
        """One presentation, no relying-party policy: the engine's checks only (CLI ``verify``)."""
        res = self.verify_credential(presentation, aud=aud, nonce=nonce, expected_vcts=expected_vcts)
        credentials = {res.label: _summary(res)} if res.ok else {}
        return Verdict(verifier=verifier, policy="none", checked_at=self.clock.now().isoformat(), checks=res.checks,
                       credentials=credentials)


def _summary(result: CredentialResult) -> dict:
    """What a verdict says of one accepted credential: its type, issuer and disclosed claims."""
    ctype = type_for_vct(result.vct or "")
    return {"type": ctype.name if ctype else result.vct, "issuer": result.issuer, "claims": result.claims}
