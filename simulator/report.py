"""What a simulation found, for people and for programs: a summary, its tables, plots and a page.

:func:`summary` is the one description of a run: the digital share overall and by province and
territory (with the sampling error when the run was sampled), why the others went to a branch,
the modelled time online and in a branch, what the journeys did (credentials issued,
verifications, revocations, deaths, signatures), the scenario and seed, and the engine. Only
``engine`` says how the run ran; everything else depends on the scenario, population and seed
alone, so two runs of the same seed on any number of workers agree on it byte for byte.

:func:`write` puts the summary in a folder: ``summary.json``, CSV tables, PNG plots (matplotlib,
Agg backend: no display needed) and an ``index.html`` in English or French whose every word comes
from the catalogue (:mod:`scenarios.i18n`). A what-if (:mod:`simulator.whatif`) adds its curve.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from scenarios.i18n import t

from .engine import Result
from .layout import INDEX, PLOT_BY_JURISDICTION, PLOT_FUNNEL, PLOT_WHATIF, PLOTS, SUMMARY
from .sampling import estimate
from .scenario import canada
from .tally import DIGITAL
from .words import number, percent, reason_text

Z95 = 1.959963984540054  # the normal quantile of a two-sided 95% confidence interval


# -- the summary ------------------------------------------------------------------------------------
def summary(result: Result) -> dict[str, Any]:
    """The run as JSON-ready data; see the module's docstring."""
    tally, scenario = result.tally, result.scenario
    total = tally.total
    margins = _margins(result)
    table = tally.by_jurisdiction()
    rows = canada()["jurisdictions"]
    by_jurisdiction = []
    for code in rows:
        outcomes = table.get(code, {})
        openings = sum(outcomes.values())
        digital = outcomes.get(DIGITAL, 0.0)
        by_jurisdiction.append(
            {
                "jurisdiction": code,
                "name_en": rows[code]["name_en"],
                "name_fr": rows[code]["name_fr"],
                "openings": _round(openings),
                "digital": _round(digital),
                "share": _share(digital, openings),
                "margin": margins.get(code),
                "branch_reasons": {r: _round(n) for r, n in sorted(outcomes.items()) if r != DIGITAL},
            }
        )
    digital_count = tally.digital
    digital_people = sum(n for (_, outcome), n in tally.outcomes.items() if outcome == DIGITAL)
    branch_people = tally.people - digital_people
    sample = result.sample
    return {
        "scenario": {
            "name": scenario.name,
            "description_en": scenario.description_en,
            "description_fr": scenario.description_fr,
            "as_of": scenario.as_of.isoformat(),
        },
        "seed": result.seed,
        "population": result.population,
        "people_simulated": tally.people,
        "sampled": sample is not None,
        "sample": None
        if sample is None
        else {"size": sample.size, "strata": len(sample.strata), "confidence": 0.95, "margin": margins.get("all")},
        "openings": _round(total),
        "digital": {
            "openings": _round(digital_count),
            "share": _share(digital_count, total),
            "margin": margins.get("all"),
        },
        "branch": {"openings": _round(total - digital_count), "share": _share(total - digital_count, total)},
        "by_jurisdiction": by_jurisdiction,
        "branch_reasons": [
            {"reason": reason, "openings": _round(n), "share": _share(n, total)}
            for reason, n in sorted(tally.branch_reasons().items(), key=lambda item: (-item[1], item[0]))
        ],
        "minutes": {
            # per opening simulated: each simulated person's minutes are counted with their weight
            "digital_mean": _round(tally.minutes_digital / digital_count) if digital_count else None,
            "branch_mean": _round(tally.minutes_branch / (total - digital_count)) if total - digital_count else None,
            "digital_total": _round(tally.minutes_digital),
            "branch_total": _round(tally.minutes_branch),
        },
        "journeys": {
            "credentials_issued": tally.credentials_issued,
            "verifications": tally.verifications,
            "revocations": tally.revocations,
            "deaths": tally.deaths,
            "signatures_made": tally.signatures_made,
            "signatures_verified": tally.signatures_verified,
            "digital_people": digital_people,
            "branch_people": branch_people,
        },
        "engine": result.engine.as_dict(),
    }


def findings(summary_: dict[str, Any]) -> dict[str, Any]:
    """The summary without how the run ran: what the same seed must reproduce on any engine."""
    return {k: v for k, v in summary_.items() if k != "engine"}


def _round(value: float) -> float:
    return round(float(value), 6)


def _share(part: float, whole: float) -> float:
    return round(part / whole, 6) if whole else 0.0


def _margins(result: Result) -> dict[str, float]:
    """The half-width of the 95% confidence interval of the digital share, overall (``all``) and by
    jurisdiction, when the run was sampled: the stratified estimator's standard error
    (:func:`simulator.sampling.estimate`), combined over a jurisdiction's strata in proportion to
    their populations."""
    plan = result.sample
    if plan is None:
        return {}
    found = estimate(plan, result.tally)
    margins = {"all": round(Z95 * found.standard_error, 6)}
    for code in canada()["jurisdictions"]:
        strata = [s for s in plan.strata if s.jurisdiction == code and s.key in found.by_stratum]
        size = sum(s.population for s in strata)
        if not size:
            continue
        variance = sum((s.population / size) ** 2 * found.by_stratum[s.key][1] ** 2 for s in strata)
        margins[code] = round(Z95 * math.sqrt(variance), 6)
    return margins


# -- the report folder ------------------------------------------------------------------------------
def write(out: Path, summary_: dict[str, Any], lang: str, *, whatif: dict[str, Any] | None = None) -> list[Path]:
    """Write the report of ``summary_`` (and of a what-if's ``whatif`` curve) to ``out``; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    if whatif is None:  # a folder written again: no curve of an earlier run is left to be shown
        for stale in (PLOT_WHATIF, "whatif.csv"):
            (out / stale).unlink(missing_ok=True)
    written = [_write_json(out / SUMMARY, summary_ if whatif is None else {**summary_, "whatif": whatif})]
    written += _tables(out, summary_, whatif)
    written += _plots(out, summary_, lang, whatif)
    written.append(_page(out, summary_, lang, whatif))
    return written


def _write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _tables(out: Path, s: dict[str, Any], whatif: dict[str, Any] | None) -> list[Path]:
    reasons = [r["reason"] for r in s["branch_reasons"]]
    written = [
        _write_csv(
            out / "by_jurisdiction.csv",
            ["jurisdiction", "openings", "digital", "share", "margin", *reasons],
            (
                [
                    j["jurisdiction"],
                    j["openings"],
                    j["digital"],
                    j["share"],
                    "" if j["margin"] is None else j["margin"],
                    *(j["branch_reasons"].get(r, 0) for r in reasons),
                ]
                for j in s["by_jurisdiction"]
            ),
        ),
        _write_csv(
            out / "branch_reasons.csv",
            ["reason", "openings", "share"],
            ([r["reason"], r["openings"], r["share"]] for r in s["branch_reasons"]),
        ),
        _write_csv(
            out / "journeys.csv",
            ["figure", "value"],
            [*s["journeys"].items(), *(("minutes_" + k, v) for k, v in s["minutes"].items())],
        ),
    ]
    if whatif is not None:
        written.append(
            _write_csv(
                out / "whatif.csv",
                ["by", "value", "share", "margin", "openings", "digital"],
                (
                    [
                        curve["label"],
                        p["value"],
                        p["share"],
                        "" if p["margin"] is None else p["margin"],
                        p["openings"],
                        p["digital"],
                    ]
                    for curve in whatif["curves"]
                    for p in curve["points"]
                ),
            )
        )
    return written


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, no window
    import matplotlib.pyplot as plt

    return plt


def _plots(out: Path, s: dict[str, Any], lang: str, whatif: dict[str, Any] | None) -> list[Path]:
    plt = _pyplot()
    written = []
    # Share by jurisdiction, Canada as a whole beside them.
    rows = [j for j in s["by_jurisdiction"] if j["openings"]]
    labels = [j["jurisdiction"] for j in rows] + [t("report.all", lang)]
    shares = [100 * j["share"] for j in rows] + [100 * s["digital"]["share"]]
    errors = [100 * (j["margin"] or 0) for j in rows] + [100 * (s["digital"]["margin"] or 0)]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    colours = ["#2b6cb0"] * len(rows) + ["#1a202c"]
    ax.bar(labels, shares, color=colours, yerr=errors if s["sampled"] else None, capsize=3)
    ax.set_ylim(0, 100)
    ax.set_ylabel(t("report.axis.share", lang))
    ax.set_title(t("report.plot.by_jurisdiction", lang))
    for x, share in enumerate(shares):
        ax.annotate(percent(share / 100, lang, 0), (x, share), ha="center", va="bottom", fontsize=8)
    fig.tight_layout()
    written.append(_save(fig, out / PLOT_BY_JURISDICTION, plt))
    # The funnel: every opening, what each reason sent to a branch, and what is left: those made online.
    total = s["openings"]
    labels, lefts, widths, colours = [t("report.all_openings", lang)], [0.0], [total], ["#2b6cb0"]
    removed = 0.0
    for r in s["branch_reasons"]:
        labels.append(reason_text(r["reason"], lang))
        lefts.append(total - removed - r["openings"])
        widths.append(r["openings"])
        colours.append("#c53030")
        removed += r["openings"]
    labels.append(t("report.online", lang))
    lefts.append(0.0)
    widths.append(s["digital"]["openings"])
    colours.append("#2f855a")
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(labels) + 1.5))
    y = list(range(len(labels)))[::-1]
    ax.barh(y, widths, left=lefts, color=colours)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, max(total, 1) * 1.12)
    ax.set_xlabel(t("report.axis.openings", lang))
    for yy, left, width in zip(y, lefts, widths, strict=True):
        ax.annotate(
            number(width, lang), (left + width, yy), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8
        )
    ax.set_title(t("report.plot.funnel", lang), fontsize=10)
    fig.tight_layout()
    written.append(_save(fig, out / PLOT_FUNNEL, plt))
    if whatif is not None:
        fig, ax = plt.subplots(figsize=(9, 4.5))
        for curve in whatif["curves"]:
            xs = [p["x"] for p in curve["points"]]
            ys = [100 * p["share"] for p in curve["points"]]
            errs = [100 * (p["margin"] or 0) for p in curve["points"]]
            ax.errorbar(xs, ys, yerr=errs if any(errs) else None, marker="o", capsize=3, label=curve["label"] or None)
        if whatif["numeric"] is False:
            ax.set_xticks(range(len(whatif["values"])), [str(v) for v in whatif["values"]], fontsize=8)
        ax.set_ylim(0, 100)
        ax.set_xlabel(whatif["lever"])
        ax.set_ylabel(t("report.axis.share", lang))
        ax.set_title(t("report.plot.whatif", lang, lever=whatif["lever"]))
        if whatif["by"] is not None:
            ax.legend(title=whatif["by"], fontsize=8)
        fig.tight_layout()
        written.append(_save(fig, out / PLOT_WHATIF, plt))
    return written


def _save(fig: Any, path: Path, plt: Any) -> Path:
    # No timestamp or software version in the file: the same run draws the same bytes.
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


_PAGES = Environment(
    loader=PackageLoader("simulator", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _page(out: Path, s: dict[str, Any], lang: str, whatif: dict[str, Any] | None) -> Path:
    engine = s["engine"]
    kind = t(f"report.engine.{engine['kind']}", lang, address=engine["address"])
    html = _PAGES.get_template("report.html").render(
        lang=lang,
        s=s,
        whatif=whatif,
        t=lambda key, **kw: t(key, lang, **kw),
        reason=lambda code: reason_text(code, lang),
        percent=lambda share: percent(share, lang),
        number=lambda value: number(value, lang),
        jurisdiction=lambda row: row["name_fr" if lang == "fr" else "name_en"],
        description=s["scenario"]["description_fr" if lang == "fr" else "description_en"],
        engine_line=t(
            "report.engine_line",
            lang,
            kind=kind,
            workers=engine["workers"],
            partitions=engine["partitions"],
            seconds=engine["seconds"],
        ),
        plots=[p for p in PLOTS if (out / p).exists() and (p != PLOT_WHATIF or whatif is not None)],
    )
    path = out / INDEX
    path.write_text(html, encoding="utf-8")
    return path


__all__ = ["INDEX", "findings", "number", "percent", "reason_text", "summary", "write"]
