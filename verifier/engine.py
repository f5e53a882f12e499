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

import dataclasses
import inspect
from datetime import datetime

from pctf import oid4vp, statuslist, trqp
from pctf.clock import Clock, from_timestamp
from pctf.jose import brief
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt_vc import KeyBinding, Progress, check_credential
from pctf.statuslist import StatusReference, StatusSource
from pctf.trust import TrustSource
from pctf.vocab import type_for_vct

from .evidence import TRQP_AUTHORIZATION, Evidence, StatusReader, status_answer
from .policy import Policy
from .verdict import Check, CredentialResult, Verdict

_STATUS_REASONS = {
    statuslist.INVALID: (Reason.CREDENTIAL_REVOKED, "the issuer has revoked this credential"),
    statuslist.SUSPENDED: (Reason.CREDENTIAL_SUSPENDED, "the issuer has suspended this credential"),
}


class VerificationEngine:
    """Verifies presentations. ``status`` is where Status List Tokens come from; without one, a
    credential that references a status list is refused (``status_list_unavailable``): a status
    that cannot be read is never taken for valid.

    A caller that passes an :class:`~verifier.evidence.Evidence` down gets, beside the verdict,
    the artefacts it was reached on; a trust source whose ``authorization`` takes a ``record``
    (:class:`registry.client.RegistryClient`) reports each TRQP exchange as it happens.
    """

    def __init__(
        self,
        trust: TrustSource,
        clock: Clock,
        *,
        status: StatusSource | None = None,
        kb_max_age: int = 300,
        leeway: int = 30,
    ) -> None:
        self.trust = trust
        self.clock = clock
        self.kb_max_age = kb_max_age
        self.leeway = leeway
        self.status = StatusReader(status, clock, leeway=leeway) if status is not None else None
        self._trust_records = _takes_record(trust)

    def verify_credential(
        self,
        presentation: str,
        *,
        aud: str,
        nonce: str,
        expected_vcts: list[str] | None = None,
        label: str = "credential",
        evidence: Evidence | None = None,
    ) -> CredentialResult:
        result = CredentialResult(label=label)
        try:
            self._verify(presentation, aud, nonce, expected_vcts, result, evidence)
        except SandboxError as exc:
            result.failed(result.step, exc.reason, exc.message)
        return result

    def _verify(
        self,
        presentation: str,
        aud: str,
        nonce: str,
        expected_vcts: list[str] | None,
        result: CredentialResult,
        evidence: Evidence | None,
    ) -> None:
        now = self.clock.timestamp()

        def issuer_keys(iss: str) -> list[dict]:
            jwks = self.trust.issuer_jwks(iss)
            if not jwks:
                raise SandboxError(Reason.ISSUER_UNKNOWN, f"{iss} is not registered in the trust registry")
            return jwks.get("keys", [])

        def key_state(iss: str, kid: str | None, iat: float) -> str:
            state, why = self.trust.key_state(iss, kid, at=from_timestamp(iat))
            if state != "active":
                raise SandboxError(
                    Reason.ISSUER_KEY_COMPROMISED if state == "compromised" else Reason.ISSUER_KEY_RETIRED, why
                )
            return why

        progress = Progress()
        try:
            checked = check_credential(
                presentation,
                issuer_keys=issuer_keys,
                now=now,
                leeway=self.leeway,
                expected_vcts=expected_vcts,
                key_state=key_state,
                progress=progress,
                key_binding=KeyBinding(aud=aud, nonce=nonce, max_age=self.kb_max_age),
            )
        finally:
            result.issuer, result.vct = progress.iss, progress.vct
            for step, detail in progress.passed:
                result.passed(step, _detail(step, detail), **_params(step, progress.params.get(step, {})))
            result.step = progress.step
            if evidence is not None:
                evidence.key_binding(result.label, presentation)
        claims, iss, vct, keys = checked.claims, checked.iss, checked.vct, checked.keys
        ctype = type_for_vct(vct)
        result.issued_at = int(checked.iat)
        result.holder_jwk = checked.holder

        result.step = "issuer_authorized"
        loa = claims.get("assurance_level")
        if loa is not None and (not isinstance(loa, int) or isinstance(loa, bool) or not 1 <= loa <= 4):
            raise SandboxError(
                Reason.CLAIMS_INVALID, f"assurance_level {brief(loa)} is not a PCTF level (an integer 1-4)"
            )
        at = from_timestamp(checked.iat)
        if evidence is None:
            answer = self.trust.authorization(iss, "issue", vct, at=at, assurance_level=loa)
        else:
            answer = self._recorded_authorization(iss, vct, at, loa, evidence, result.label)
        if not answer.authorized:
            reason = Reason.ISSUER_SUSPENDED if answer.status == "suspended" else Reason.ISSUER_NOT_AUTHORIZED
            raise SandboxError(
                reason, answer.message or f"the registry does not authorize {iss} to issue {vct} ({answer.status})"
            )
        source_kind = str(answer.raw.get("source"))
        authority = answer.raw.get("recognized_authority_id")
        source = {
            "trust_list": "the registry's signed trust list (registry unreachable)",
            "recognition": f"{authority}, a framework the registry recognizes",
        }.get(source_kind, "registry")
        type_name = ctype.name if ctype else vct
        result.passed(
            "issuer_authorized",
            f"{source}: authorized to issue {type_name} up to LoA {answer.assurance_level} at issuance time",
            source=source_kind if source_kind in ("trust_list", "recognition") else "registry",
            authority=authority if source_kind == "recognition" else None,
            type=type_name,
            loa=answer.assurance_level,
        )

        result.step = "credential_status"
        ref = statuslist.status_reference(claims)
        if ref is None:
            result.passed("credential_status", "no status list referenced", status=None)
        else:
            if self.status is None:
                raise SandboxError(Reason.STATUS_LIST_UNAVAILABLE, "this verifier has no way to read status lists")
            if evidence is None:
                value = self.status.status(ref, keys)
            else:
                value = self._recorded_status(self.status, ref, keys, evidence, result.label)
            if value != statuslist.VALID:
                reason, message = _STATUS_REASONS.get(
                    value,
                    (
                        Reason.CREDENTIAL_STATUS_UNKNOWN,
                        f"the status list gives status 0x{value:02x}, which this verifier does not recognize",
                    ),
                )
                raise SandboxError(reason, message)
            result.passed("credential_status", "valid in the issuer's status list", status="valid")
        result.claims = checked.subject_claims

    def _recorded_authorization(
        self, iss: str, vct: str, at: datetime, loa: int | None, evidence: Evidence, label: str
    ) -> trqp.AuthorizationAnswer:
        """The issuer's authorization, its TRQP exchanges kept as evidence. A trust source that
        cannot report them is recorded as the question the engine put and the answer it got."""
        if self._trust_records:
            return self.trust.authorization(  # type: ignore[call-arg]
                iss, "issue", vct, at=at, assurance_level=loa, record=evidence.trqp(label)
            )
        answer = self.trust.authorization(iss, "issue", vct, at=at, assurance_level=loa)
        authority = getattr(self.trust, "authority_id", None)
        request = trqp.authorization_query(iss, str(authority or ""), "issue", vct, at=at, assurance_level=loa)
        raw = answer.raw or {k: v for k, v in dataclasses.asdict(answer).items() if k != "raw"}
        evidence.add(label, TRQP_AUTHORIZATION, request, raw)  # answered from where, this source does not say
        return answer

    @staticmethod
    def _recorded_status(
        reader: StatusReader, ref: StatusReference, keys: list[dict], evidence: Evidence, label: str
    ) -> int:
        """The credential's status, the entry read (or why it could not be) kept as evidence."""
        try:
            value, token, source = reader.status_with_token(ref, keys)
        except SandboxError as exc:
            evidence.status(label, ref, {"error": exc.reason.value, "message": exc.message}, source=None)
            raise
        evidence.status(label, ref, status_answer(value, token), source=source)
        return value

    def verify_presentation(
        self,
        policy: Policy,
        vp_token: object,
        *,
        aud: str,
        nonce: str,
        verifier: str,
        evidence: Evidence | None = None,
    ) -> Verdict:
        """Verify an OpenID4VP ``vp_token`` (keyed by DCQL credential query id) against ``policy``;
        with ``evidence``, keep there what each credential was verified on."""
        checks: list[Check] = []
        results: dict[str, CredentialResult] = {}
        if not isinstance(vp_token, dict):
            checks.append(Check("format", False, Reason.MALFORMED_PRESENTATION.value, "vp_token must be a JSON object"))
            vp_token = {}
        # With credential sets, a requirement no chosen option needs may go unanswered: the sets
        # are checked after. Without, each requirement is a required set of its own.
        alternatives = bool(policy.credential_sets)
        for req in policy.requirements:
            presented = vp_token.get(req.query_id)
            if presented is None and alternatives:
                continue
            if isinstance(presented, list) and len(presented) == 1:
                presented = presented[0]
            if not isinstance(presented, str):
                checks.append(
                    Check(
                        "presented",
                        False,
                        Reason.CREDENTIAL_NOT_PRESENTED.value,
                        f"no single {req.type_name} presentation for {req.query_id!r}",
                        req.query_id,
                        {"type": req.type_name},
                    )
                )
                continue
            res = self.verify_credential(
                presented, aud=aud, nonce=nonce, expected_vcts=[req.vct], label=req.query_id, evidence=evidence
            )
            results[req.query_id] = res
            for check in res.checks:  # the type asked for, even of a credential that failed before saying its own
                check.params.setdefault("type", req.type_name)
            checks.extend(res.checks)
        if alternatives:
            checks.extend(_credential_sets(policy, set(results)))
        checks.extend(policy.evaluate(results))
        credentials = {q: _summary(r) for q, r in results.items() if r.ok}
        return Verdict(
            verifier=verifier,
            policy=policy.id,
            checked_at=self.clock.now().isoformat(),
            checks=checks,
            credentials=credentials,
        )

    def verify_single(
        self, presentation: str, *, aud: str, nonce: str, expected_vcts: list[str] | None = None, verifier: str = "cli"
    ) -> Verdict:
        """One presentation, no relying-party policy: the engine's checks only (CLI ``verify``)."""
        res = self.verify_credential(presentation, aud=aud, nonce=nonce, expected_vcts=expected_vcts)
        credentials = {res.label: _summary(res)} if res.ok else {}
        return Verdict(
            verifier=verifier,
            policy="none",
            checked_at=self.clock.now().isoformat(),
            checks=res.checks,
            credentials=credentials,
        )


def _credential_sets(policy: Policy, presented: set[str]) -> list[Check]:
    """One check per required credential set of ``policy``'s query: one of its options has all
    its credentials presented (each is verified on its own), or ``credential_not_presented``."""
    checks = []
    for options, required in oid4vp.credential_sets(policy.dcql_query()):
        if not required:
            continue
        option = next((o for o in options if all(q in presented for q in o)), None)
        checks.append(
            Check(
                "presented",
                option is not None,
                None if option is not None else Reason.CREDENTIAL_NOT_PRESENTED.value,
                f"presented: {' and '.join(option)}"
                if option is not None
                else f"none of the options presented: {oid4vp.describe_options(options)}",
                None,
                {"options": options} if option is None else {"option": option},
            )
        )
    return checks


def _takes_record(trust: TrustSource) -> bool:
    """Whether ``trust.authorization`` reports its TRQP exchanges (a ``record`` argument)."""
    try:
        return "record" in inspect.signature(trust.authorization).parameters
    except (TypeError, ValueError):
        return False


def _detail(step: str, detail: str) -> str:
    """A step's detail as a verdict shows it: a credential type by its PCTF name."""
    if step == "credential_type":
        ctype = type_for_vct(detail)
        return ctype.name if ctype else detail
    return detail


def _params(step: str, params: dict) -> dict:
    """A step's parameters as a verdict shows them: a credential type by its PCTF name, as in its detail."""
    if step == "credential_type" and "vct" in params:
        ctype = type_for_vct(str(params["vct"]))
        return {**params, "type": ctype.name} if ctype else params
    return params


def _summary(result: CredentialResult) -> dict:
    """What a verdict says of one accepted credential: its type, issuer and disclosed claims."""
    ctype = type_for_vct(result.vct or "")
    return {"type": ctype.name if ctype else result.vct, "issuer": result.issuer, "claims": result.claims}
