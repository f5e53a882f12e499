"""What if: one lever varied over a range (and, optionally, a second one, one curve per value),
one simulation per point, every point with the same population and seed.

A lever is named as :meth:`simulator.scenario.Scenario.with_lever` names it (a dotted path:
``jurisdictions.QC.person_issuer.status``, ``wallet_adoption.18-34``, ``banks.0.min_loa``), or by
one of the shortcuts a policy question is asked in (:data:`SHORTCUTS`): ``wallet_adoption`` (or
``wallet_share``) sets every age band at once, ``issuing_jurisdictions`` says which provinces and
territories run a digital identity program the banks' registry accredits.

Values are written ``FROM:TO:STEP`` (numbers, both ends included) or ``V1;V2;…``, each value a
number, ``true``/``false``, a word, or a comma-separated list (``BC,AB,QC``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from pctf.reasons import Reason, SandboxError

from .engine import Progress, Result, Runner
from .report import findings, summary
from .scenario import AGE_BANDS, Scenario, canada

MAX_POINTS = 50
ISSUING = "issuing_jurisdictions"
WALLETS = ("wallet_adoption", "wallet_share")


@dataclass(frozen=True)
class Lever:
    """A lever and the values it takes."""

    name: str
    values: tuple[Any, ...]

    @property
    def numeric(self) -> bool:
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values)


def parse_lever(spec: str) -> Lever:
    """``name=FROM:TO:STEP`` or ``name=V1;V2;…`` as a :class:`Lever` (``bad_request`` otherwise)."""
    name, sep, values = spec.partition("=")
    name, values = name.strip(), values.strip()
    if not sep or not name or not values:
        raise SandboxError(Reason.BAD_REQUEST, f"{spec!r}: a lever is written LEVER=FROM:TO:STEP or LEVER=V1;V2;…")
    parsed = _range(spec, values) if ":" in values and ";" not in values else [_value(v) for v in values.split(";")]
    if not parsed or len(parsed) > MAX_POINTS:
        raise SandboxError(Reason.BAD_REQUEST, f"{spec!r}: from 1 to {MAX_POINTS} values")
    return Lever(name, tuple(parsed))


def _range(spec: str, values: str) -> list[Any]:
    parts = values.split(":")
    try:
        low, high, step = (Decimal(p) for p in parts) if len(parts) == 3 else (None, None, None)
    except InvalidOperation:
        low = high = step = None
    if low is None or high is None or step is None or step <= 0 or high < low:
        raise SandboxError(Reason.BAD_REQUEST, f"{spec!r}: a range is FROM:TO:STEP, FROM <= TO, STEP > 0")
    if (high - low) / step >= MAX_POINTS:
        raise SandboxError(Reason.BAD_REQUEST, f"{spec!r}: more than {MAX_POINTS} values")
    out, value = [], low  # decimal steps: 0.1 + 0.2 is 0.3, and the last value is TO itself
    while value <= high:
        out.append(int(value) if value == value.to_integral_value() and "." not in str(value) else float(value))
        value += step
    return out


def _value(text: str) -> Any:
    text = text.strip()
    if "," in text:
        return [part.strip() for part in text.split(",") if part.strip()]
    try:
        return json.loads(text)
    except ValueError:
        return text


def apply(scenario: Scenario, lever: str, value: Any) -> Scenario:
    """``scenario`` with ``lever`` set to ``value``; ``bad_request`` for a lever it has not or a
    value the scenario refuses."""
    try:
        if lever in WALLETS:
            for band in AGE_BANDS:
                scenario = scenario.with_lever(f"wallet_adoption.{band}", value)
            return scenario
        if lever == ISSUING:
            return _issuing(scenario, value)
        return scenario.with_lever(lever, value)
    except ValidationError as exc:
        problem = "; ".join(str(e["msg"]) for e in exc.errors(include_url=False))
        raise SandboxError(Reason.BAD_REQUEST, f"{lever}={_shown(value)}: {problem}") from exc


def _issuing(scenario: Scenario, value: Any) -> Scenario:
    """Exactly the jurisdictions in ``value`` (a code, a list of codes, ``all`` or ``none``) run a
    digital identity program the registry accredits; a program accredited in ``scenario`` but not
    named is taken away, any other left as it is."""
    codes = list(canada()["jurisdictions"])
    named = codes if value == "all" else [] if value in ("none", "", None) else value
    named = [named] if isinstance(named, str) else named
    if not isinstance(named, list) or set(named) - set(codes):
        raise SandboxError(
            Reason.BAD_REQUEST,
            f"{ISSUING}={_shown(value)}: province and territory codes ({', '.join(codes)}), all or none",
        )
    for code in codes:
        status = scenario.levers(code).person_issuer.status
        if code in named and status != "accredited":
            scenario = scenario.with_lever(f"jurisdictions.{code}.person_issuer.status", "accredited")
        elif code not in named and status == "accredited":
            scenario = scenario.with_lever(f"jurisdictions.{code}.person_issuer.status", "none")
    return scenario


def _shown(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def run(
    scenario: Scenario,
    vary: Lever,
    by: Lever | None = None,
    *,
    population: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    address: str | None = None,
    sample: bool = False,
    sample_size: int | None = None,
    progress: Progress | None = None,
    point: Callable[[int, int], None] | None = None,
) -> tuple[Result, dict[str, Any]]:
    """The scenario as given, and the what-if curve(s): one simulation per (by, vary) value.

    Every scenario is built before the first simulation, so a bad lever or value fails at once.
    ``point`` hears (n, total) as each point starts. Returns the scenario's own result and the
    curve as :func:`simulator.report.write` draws it."""
    rows = by.values if by is not None else (None,)
    grid = [
        [(v, apply(apply(scenario, by.name, b) if by is not None else scenario, vary.name, v)) for v in vary.values]
        for b in rows
    ]
    total = 1 + len(rows) * len(vary.values)
    sized = {} if sample_size is None else {"sample_size": sample_size}
    with Runner(workers=workers, address=address) as runner:

        def simulate(s: Scenario, n: int) -> Result:
            if point is not None:
                point(n, total)
            return runner.run(s, population=population, seed=seed, sample=sample, progress=progress, **sized)

        base = simulate(scenario, 1)
        curves, n = [], 1
        for b, points in zip(rows, grid, strict=True):
            found = []
            for x, (v, s) in enumerate(points):
                n += 1
                got = findings(summary(simulate(s, n)))
                found.append(
                    {
                        "value": v if not isinstance(v, list) else ",".join(v),
                        "x": v if vary.numeric else x,
                        "share": got["digital"]["share"],
                        "margin": got["digital"]["margin"],
                        "openings": got["openings"],
                        "digital": got["digital"]["openings"],
                    }
                )
            curves.append({"label": "" if b is None else _shown(b), "points": found})
    curve = {
        "lever": vary.name,
        "by": by.name if by is not None else None,
        "numeric": vary.numeric,
        "values": [_shown(v) for v in vary.values],
        "curves": curves,
    }
    return base, curve


__all__ = ["Lever", "apply", "parse_lever", "run"]
