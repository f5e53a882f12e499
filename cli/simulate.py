"""``pctf-sandbox simulate``: the population simulator from the command line.

It loads the scenario, runs it (:func:`simulator.engine.simulate`, or a what-if curve with
``--vary``/``--by``), writes the report folder (:func:`simulator.report.write`) and prints the
headline, or the summary as JSON with ``--json``. A progress bar runs on stderr when it is a
terminal (never with ``--json``). Unusable input (a scenario that does not load, a lever the
scenario has not, a Dask address nobody answers at) is one line on stderr and exit 2.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from scenarios.i18n import t
from simulator.engine import SAMPLE_PEOPLE

from .support import Lang, err, fail, guarded, note, out, settings


def simulate(
    scenario: str = typer.Option(..., "--scenario", help="today, pilot, or a scenario file (.toml, .yaml)."),
    population: int | None = typer.Option(
        None, "--population", min=0, help="How many people open a business account (default: the scenario's)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="The seed every random choice flows from."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Worker processes on this machine (default: one per core)."
    ),
    address: str | None = typer.Option(
        None, "--address", help="Run on the Dask cluster whose scheduler is at this address (tcp://host:8786)."
    ),
    sample: bool = typer.Option(
        False, "--sample", help="Simulate a stratified sample and scale it to the population, with its error."
    ),
    sample_size: int = typer.Option(
        SAMPLE_PEOPLE, "--sample-size", min=1, help="How many people the --sample simulates."
    ),
    out_dir: Path | None = typer.Option(
        None, "--out", help="Write the report here (default: a new folder under PCTF_DATA_DIR/simulations)."
    ),
    lang: Lang = typer.Option(Lang.en, help="Language of the report and the messages."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    vary: str | None = typer.Option(None, "--vary", help="What-if: LEVER=FROM:TO:STEP or LEVER=V1;V2;…"),
    by: str | None = typer.Option(None, "--by", help="What-if: a second lever, one curve per value."),
) -> None:
    """Simulate a population opening business bank accounts, and report the share that could be
    opened online, by province and territory, with the reasons the others went to a branch."""
    missing = [name for name in ("distributed", "matplotlib") if importlib.util.find_spec(name) is None]
    if missing:
        fail(
            f"setting_invalid: the simulator needs {' and '.join(missing)}, which come with its extra: "
            "pip install 'pctf-sandbox[simulator]' (or -e '.[simulator]' in a checkout)"
        )
    from simulator import report, whatif
    from simulator.engine import people_simulated
    from simulator.engine import simulate as run_simulation
    from simulator.layout import new_report
    from simulator.scenario import load_scenario
    from simulator.words import number, percent

    if by is not None and vary is None:
        fail("bad_request: --by needs --vary (the lever each curve varies)")
    loaded = guarded(lambda: load_scenario(scenario))
    lever = guarded(lambda: whatif.parse_lever(vary)) if vary is not None else None
    second = guarded(lambda: whatif.parse_lever(by)) if by is not None else None
    people = people_simulated(
        loaded.population if population is None else population, sample=sample, sample_size=sample_size
    )
    curve: dict[str, Any] | None = None
    with _progress(lang.value, people, shown=not as_json) as (advance, point):
        if lever is None:
            result = guarded(
                lambda: run_simulation(
                    loaded,
                    population=population,
                    seed=seed,
                    workers=workers,
                    address=address,
                    sample=sample,
                    sample_size=sample_size,
                    progress=advance,
                )
            )
        else:
            result, curve = guarded(
                lambda: whatif.run(
                    loaded,
                    lever,
                    second,
                    population=population,
                    seed=seed,
                    workers=workers,
                    address=address,
                    sample=sample,
                    sample_size=sample_size,
                    progress=advance,
                    point=point,
                )
            )
    found = report.summary(result)
    target = out_dir if out_dir is not None else guarded(lambda: new_report(settings().data_dir, datetime.now(UTC)))
    guarded(lambda: report.write(target, found, lang.value, whatif=curve))
    if as_json:
        print(json.dumps(found if curve is None else {**found, "whatif": curve}, indent=2, ensure_ascii=False))
    else:
        out.print(
            t(
                "simulate.done",
                lang.value,
                share=percent(found["digital"]["share"], lang.value),
                total=number(found["openings"], lang.value),
                scenario=loaded.name,
                seed=seed,
            ),
            highlight=False,
        )
    note(t("simulate.report", lang.value, path=target / report.INDEX))


@contextmanager
def _progress(
    lang: str, people: int, *, shown: bool
) -> Iterator[tuple[Callable[[int], None] | None, Callable[[int, int], None] | None]]:
    """A progress bar on stderr (people simulated), when stderr is a terminal and ``shown``;
    each what-if point restarts it, saying which point it is."""
    if not shown or not err.is_terminal:
        yield None, None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(t("simulate.progress", lang), total=people)

        def advance(n: int) -> None:
            bar.advance(task, n)

        def point(n: int, total: int) -> None:
            bar.reset(task, description=t("simulate.point", lang, n=n, total=total))

        yield advance, point
