"""Where simulation reports are kept and what a report folder holds.

The command line writes each report to a new folder under ``<data dir>/simulations`` named for
the time it ran (UTC, so the latest sorts last); the dashboard shows the latest one. Both find
them here, and the dashboard loads nothing else of the simulator (no service comes with this).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pctf.reasons import Reason, SandboxError

SIMULATIONS = "simulations"
SUMMARY = "summary.json"
INDEX = "index.html"
PLOT_BY_JURISDICTION = "share_by_jurisdiction.png"
PLOT_FUNNEL = "reasons_funnel.png"
PLOT_WHATIF = "whatif.png"
PLOTS = (PLOT_BY_JURISDICTION, PLOT_FUNNEL, PLOT_WHATIF)
TABLES = ("by_jurisdiction.csv", "branch_reasons.csv", "journeys.csv", "whatif.csv")


def reports(data_dir: Path) -> Path:
    return data_dir / SIMULATIONS


def new_report(data_dir: Path, now: datetime) -> Path:
    """A new, empty report folder for a run at ``now`` (UTC)."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    parent = reports(data_dir)
    for n in range(1, 1000):
        folder = parent / (stamp if n == 1 else f"{stamp}-{n:03d}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
    raise SandboxError(Reason.CONFLICT, f"too many reports under {parent} at {stamp}")


def latest(data_dir: Path) -> Path | None:
    """The latest complete report folder (one with its summary), or None when there is none."""
    parent = reports(data_dir)
    if not parent.is_dir():
        return None
    done = [folder for folder in parent.iterdir() if (folder / SUMMARY).is_file()]
    return max(done, key=lambda folder: folder.name) if done else None
