"""The latest population simulation: its headline and its plots, as ``pctf-sandbox simulate``
wrote them under the data directory (:mod:`simulator.layout`).

The page reads the report folder and nothing else: no service is asked and no simulation runs
here. What it shows are counts and shares over a simulated population, no person's data, so it is
public like the home page.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from pctf.access import Role
from pctf.reasons import Reason, SandboxError
from pctf.web import StrictRoute
from simulator import layout
from simulator.words import number, percent, reason_text

from . import i18n
from .i18n import lang_of
from .pages import PAGE, dashboard, page_route, render

router = APIRouter(route_class=StrictRoute)
# Each plot's description (its alt text), the report's own title for it.
ALT = {layout.PLOT_BY_JURISDICTION: "by_jurisdiction", layout.PLOT_FUNNEL: "funnel", layout.PLOT_WHATIF: "whatif"}
PLOT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "The plot"},
    404: {"description": "No report yet, or no such plot in it"},
}


def _latest(request: Request) -> tuple[Any, dict[str, Any] | None]:
    folder = layout.latest(dashboard(request).settings.data_dir)
    if folder is None:
        return None, None
    try:
        found = json.loads((folder / layout.SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return folder, None
    return folder, found if isinstance(found, dict) else None


@router.get("/ui/simulations", response_class=HTMLResponse, **page_route(Role.PUBLIC, responses=PAGE))
def simulations(request: Request) -> Any:
    """The latest simulation's headline, its plots, and where its full report is."""
    lang = lang_of(request)
    folder, found = _latest(request)
    if found is None:
        return render(request, "simulations.html", report=None, folder=folder)
    lever = (found.get("whatif") or {}).get("lever", "")
    plots = [
        {"file": p, "alt": i18n.t(f"story:report.plot.{ALT[p]}", lang, lever=lever)}
        for p in layout.PLOTS
        if (folder / p).is_file()
    ]
    rows = [
        {
            "name": j.get("name_fr" if lang == "fr" else "name_en", j.get("jurisdiction")),
            "openings": number(j.get("openings", 0), lang),
            "share": percent(j.get("share"), lang),
        }
        for j in found.get("by_jurisdiction", [])
        if j.get("openings")
    ]
    reasons = [
        {
            "code": r.get("reason"),
            "text": reason_text(str(r.get("reason")), lang),
            "share": percent(r.get("share"), lang),
        }
        for r in found.get("branch_reasons", [])
    ]
    scenario = found.get("scenario", {})
    return render(
        request,
        "simulations.html",
        report=found,
        folder=folder,
        name=folder.name,
        plots=plots,
        rows=rows,
        reasons=reasons,
        scenario=scenario.get("name", ""),
        description=scenario.get("description_fr" if lang == "fr" else "description_en", ""),
        share=percent(found.get("digital", {}).get("share"), lang),
        margin=percent(found.get("digital", {}).get("margin"), lang) if found.get("sampled") else None,
        openings=number(found.get("openings", 0), lang),
        population=number(found.get("population", 0), lang),
    )


def _plot_route(plot: str) -> None:
    """``/ui/simulations/latest/<plot>``: one route per plot a report may hold, so nothing else
    of the data directory is ever served from here."""

    @router.get(
        f"/ui/simulations/latest/{plot}",
        response_class=FileResponse,
        name=f"simulation_plot_{plot.removesuffix('.png')}",
        **page_route(Role.PUBLIC, responses=PLOT),
    )
    def latest_plot(request: Request) -> Any:
        """A plot of the latest simulation's report (PNG)."""
        folder, _ = _latest(request)
        if folder is None or not (folder / plot).is_file():
            raise SandboxError(Reason.NOT_FOUND, f"no {plot} in the latest simulation report", status_code=404)
        return FileResponse(folder / plot, media_type="image/png", headers={"Cache-Control": "no-store"})


for _plot in layout.PLOTS:
    _plot_route(_plot)
