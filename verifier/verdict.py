"""The structured verdict: every check made, its result, and a reason code when it failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pctf.reasons import Reason


@dataclass(slots=True)
class Check:
    name: str  # e.g. "signature", "holder_binding", "issuer_authorized", "loa"
    passed: bool
    reason: str | None = None  # a pctf.reasons.Reason value when the check failed
    detail: str = ""
    credential: str | None = None  # the DCQL credential query id it concerns, if any
    # The values ``detail`` was formed from (a key id, a count, a level), so a person can be shown
    # the detail in their own language while ``detail`` stays one machine-readable English line.
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "check": self.name,
            "credential": self.credential,
            "passed": self.passed,
            "reason": self.reason,
            "detail": self.detail,
            "params": self.params,
        }


@dataclass(slots=True)
class CredentialResult:
    """What the engine learned about one presented credential."""

    label: str
    checks: list[Check] = field(default_factory=list)
    claims: dict = field(default_factory=dict)  # disclosed claims, technical ones removed
    issuer: str | None = None
    vct: str | None = None
    holder_jwk: dict | None = None
    issued_at: int | None = None
    step: str = "format"  # the check under way, so a failure is attributed to it

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks)

    def passed(self, name: str, detail: str = "", **params: Any) -> None:
        self.checks.append(Check(name, True, None, detail, self.label, params))

    def failed(self, name: str, reason: Reason | str, detail: str) -> None:
        self.checks.append(Check(name, False, str(reason), detail, self.label))


@dataclass
class Verdict:
    verifier: str
    policy: str
    checked_at: str
    checks: list[Check]
    credentials: dict[str, dict[str, Any]]

    @property
    def accepted(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        seen: list[str] = []
        for c in self.checks:
            if not c.passed and c.reason and c.reason not in seen:
                seen.append(c.reason)
        return seen

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "reasons": self.reasons,
            "verifier": self.verifier,
            "policy": self.policy,
            "checked_at": self.checked_at,
            "checks": [c.as_dict() for c in self.checks],
            "credentials": self.credentials,
        }
