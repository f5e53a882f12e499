"""The population simulator run for real: the engine on one worker, two workers and a cluster
given by its address (the same findings to the byte), the command end to end for both shipped
scenarios (report files, summary shape, the page in French), a what-if curve, a sampled run, the
one-line refusals of unusable input, and the dashboard page showing the latest report's plots."""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import httpx
import pytest

from pctf.clock import SystemClock
from pctf.settings import Settings
from simulator import engine, layout
from simulator.report import findings, summary
from simulator.scenario import load_scenario
from simulator.whatif import apply
from tests.support import free_port, serve
from tests.test_french_everywhere import english_left

EXE = str(Path(sys.executable).with_name("pctf-sandbox"))
SUMMARY_KEYS = {
    "scenario",
    "seed",
    "population",
    "people_simulated",
    "sampled",
    "sample",
    "openings",
    "digital",
    "branch",
    "by_jurisdiction",
    "branch_reasons",
    "minutes",
    "journeys",
    "engine",
}


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PCTF_", "DASK_"))}
    env.update(PCTF_DATA_DIR=str(tmp / "data"), TMPDIR=str(tmp), COLUMNS="200", **extra)
    return env


def _simulate(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [EXE, "simulate", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    """The command run as a user would, the runs at once: each shipped scenario, a what-if and a
    sampled run. ``today`` writes to the data directory's default place, the others to --out."""
    tmp = tmp_path_factory.mktemp("simulate")
    planned = {
        "today": (["--scenario", "today", "--population", "150", "--seed", "7", "--workers", "1", "--json"], None),
        "pilot": (
            ["--scenario", "pilot", "--population", "100", "--seed", "7", "--workers", "1", "--lang", "fr"],
            "pilot",
        ),
        "whatif": (
            ["--scenario", "today", "--population", "30", "--seed", "7", "--workers", "1", "--json"]
            + ["--vary", "wallet_adoption=0.2:0.8:0.6", "--by", "issuing_jurisdictions=BC;BC,ON,QC"],
            "whatif",
        ),
        "sampled": (
            ["--scenario", "today", "--population", "40000000", "--sample", "--sample-size", "100", "--json"]
            + ["--workers", "1"],
            "sampled",
        ),
    }
    started = {}
    for name, (args, out) in planned.items():
        where = tmp / name
        target = ["--out", str(where / out)] if out else []
        started[name] = (_simulate(*args, *target, env=_env(where)), where / out if out else where / "data")
    done = {}
    for name, (proc, where) in started.items():
        stdout, stderr = proc.communicate(timeout=300)
        done[name] = (subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), where)
    return done


def _report(where: Path) -> Path:
    """The report folder: ``where`` itself, or the latest under a data directory."""
    found = layout.latest(where)
    return found if found is not None else where


def _adds_up(s: dict) -> None:
    """Every opening ends in exactly one outcome, whichever way the summary counts them."""
    assert s["digital"]["openings"] + s["branch"]["openings"] == pytest.approx(s["openings"])
    assert sum(j["openings"] for j in s["by_jurisdiction"]) == pytest.approx(s["openings"])
    assert sum(j["digital"] for j in s["by_jurisdiction"]) == pytest.approx(s["digital"]["openings"])
    assert sum(r["openings"] for r in s["branch_reasons"]) == pytest.approx(s["branch"]["openings"])
    assert s["journeys"]["digital_people"] + s["journeys"]["branch_people"] == s["people_simulated"]


def test_today_end_to_end_writes_the_report_in_the_data_directory(runs):
    done, data_dir = runs["today"]
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    folder = layout.latest(data_dir)
    assert folder is not None and folder.parent == data_dir / "simulations"
    assert re.fullmatch(r"\d{8}T\d{6}Z", folder.name)
    assert done.stderr.strip() == f"Report: {folder / 'index.html'}"
    assert json.loads((folder / layout.SUMMARY).read_text()) == printed
    for name in (layout.INDEX, layout.PLOT_BY_JURISDICTION, layout.PLOT_FUNNEL, *layout.TABLES[:3]):
        assert (folder / name).stat().st_size > 0, name
    assert not (folder / layout.PLOT_WHATIF).exists()
    assert (folder / layout.PLOT_BY_JURISDICTION).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(printed) == SUMMARY_KEYS
    assert printed["scenario"]["name"] == "today" and printed["seed"] == 7 and printed["population"] == 150
    assert printed["openings"] == printed["people_simulated"] == 150 and printed["sampled"] is False
    assert printed["engine"]["kind"] == "in-process" and printed["engine"]["workers"] == 1
    _adds_up(printed)
    # Today's figures: few provinces issue, so few openings go online, and many lack a credential.
    assert 0.02 < printed["digital"]["share"] < 0.25
    reasons = {r["reason"] for r in printed["branch_reasons"]}
    assert {"no_wallet", "no_person_credential"} <= reasons
    assert printed["journeys"]["verifications"] > 0 and printed["journeys"]["credentials_issued"] > 0
    with (folder / "by_jurisdiction.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["jurisdiction"] for r in rows] == [j["jurisdiction"] for j in printed["by_jurisdiction"]]


def test_pilot_end_to_end_in_french(runs):
    done, folder = runs["pilot"]
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("Rapport : ")
    assert "des 100 ouvertures de compte d'entreprise pourraient se faire en ligne (pilot, graine 7)" in done.stdout
    s = json.loads((folder / layout.SUMMARY).read_text())
    _adds_up(s)
    assert s["digital"]["share"] > 0.6  # the pilot: most openings go online
    page = unescape((folder / layout.INDEX).read_text())
    assert '<html lang="fr">' in page
    assert "des ouvertures de compte d'entreprise pourraient se faire en ligne." in page
    assert "Par province et territoire" in page and "Colombie-Britannique" in page
    shown = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    # The scenario's own description is the scenario file's text (data, like a persona's name).
    shown = shown.replace(s["scenario"]["description_fr"], " ")
    assert english_left(shown) == [], english_left(shown)


def test_a_whatif_has_one_point_per_value_and_one_curve_per_by_value(runs):
    done, folder = runs["whatif"]
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    curve = printed["whatif"]
    assert curve["lever"] == "wallet_adoption" and curve["by"] == "issuing_jurisdictions"
    assert [c["label"] for c in curve["curves"]] == ["BC", "BC,ON,QC"]
    for c in curve["curves"]:
        assert [p["value"] for p in c["points"]] == [0.2, 0.8]
        assert all(p["openings"] == 30 for p in c["points"])
    # More wallets, more openings online; more issuing provinces, at least as many.
    for c in curve["curves"]:
        assert c["points"][0]["share"] <= c["points"][1]["share"]
    assert curve["curves"][0]["points"][1]["share"] <= curve["curves"][1]["points"][1]["share"]
    assert (folder / layout.PLOT_WHATIF).stat().st_size > 0
    with (folder / "whatif.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 4
    assert "whatif.png" in (folder / layout.INDEX).read_text()


def test_a_sampled_run_scales_to_the_population_and_gives_its_error(runs):
    done, folder = runs["sampled"]
    assert done.returncode == 0, done.stderr
    s = json.loads(done.stdout)
    assert s["sampled"] is True and s["population"] == 40_000_000
    assert s["openings"] == pytest.approx(40_000_000)
    assert s["people_simulated"] == s["sample"]["size"] < 1000
    assert 0 < s["digital"]["margin"] < 0.2 and s["sample"]["margin"] == s["digital"]["margin"]
    assert all(j["margin"] is not None for j in s["by_jurisdiction"])
    _adds_up({**s, "journeys": {**s["journeys"]}})
    page = (folder / layout.INDEX).read_text()
    assert "stratified sample" in page and "Margin (95%)" in page


def test_one_and_two_workers_and_a_cluster_by_address_find_the_same(monkeypatch):
    """Partitions are planned from the population alone and added in their order: the findings
    are byte-identical whatever ran them (small partitions here, so both workers get some)."""
    from distributed import LocalCluster

    monkeypatch.setattr(engine, "PARTITION_PEOPLE", 10)
    monkeypatch.setattr(engine, "MIN_PARTITION_PEOPLE", 10)
    # Today's few issuing programs start quickly; with wallets for all, many of its people go online.
    scenario = apply(load_scenario("today"), "wallet_adoption", 1.0)
    heard: dict[str, int] = {}

    def run(label: str, **where) -> dict:
        heard[label] = 0

        def progress(n: int) -> None:
            heard[label] += n

        result = engine.simulate(scenario, population=40, seed=11, progress=progress, **where)
        assert result.engine.partitions == len(engine.plan(40)) == 4
        return summary(result)

    one = run("one", workers=1)
    two = run("two", workers=2)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR
    ) as cluster:
        remote = run("remote", address=cluster.scheduler_address)
    assert (one["engine"]["kind"], two["engine"]["kind"], remote["engine"]["kind"]) == (
        "in-process",
        "dask-local-cluster",
        "dask-cluster",
    )
    assert two["engine"]["workers"] == remote["engine"]["workers"] == 2
    same = json.dumps(findings(one), sort_keys=True)
    assert same == json.dumps(findings(two), sort_keys=True) == json.dumps(findings(remote), sort_keys=True)
    assert one["digital"]["openings"] > 0  # real journeys went online
    assert heard == {"one": 40, "two": 40, "remote": 40}


def test_the_partition_plan_depends_on_the_population_alone():
    for people in (0, 1, 49, 50, 199, 200, 10_000, 40_000_000):
        parts = engine.plan(people)
        assert parts[0].start == 0 and parts[-1].stop == people
        assert all(a.stop == b.start for a, b in zip(parts, parts[1:], strict=False))
        assert len(parts) <= engine.MAX_PARTITIONS
    assert len(engine.plan(200)) >= 2  # a short run still shares out


@pytest.mark.parametrize(
    "args, starts",
    [
        (["--scenario", "{bad_file}"], "error: bad_request: scenario 'bad': "),
        (["--scenario", "tomorrow"], "error: bad_request: no scenario 'tomorrow'"),
        (["--scenario", "today", "--vary", "nope=1:2:1"], "error: bad_request: no lever 'nope'"),
        (["--scenario", "today", "--vary", "jurisdictions.QC.person_issuer.status=bogus"], "error: bad_request: "),
        (["--scenario", "today", "--vary", "wallet_adoption=0.9:0.1:0.1"], "error: bad_request: "),
        (["--scenario", "today", "--by", "issuing_jurisdictions=BC"], "error: bad_request: --by needs --vary"),
        (["--scenario", "today", "--vary", "issuing_jurisdictions=BC;XX"], "error: bad_request: "),
        (["--scenario", "today", "--address", "tcp://127.0.0.1:{port}"], "error: endpoint_unreachable: "),
        (["--scenario", "today", "--address", "not an address"], "error: bad_request: "),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(tmp_path, args, starts):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[wallet_adoption]\n"18-34" = "lots"\n')
    filled = [a.format(bad_file=bad, port=free_port()) for a in args]
    done = subprocess.run(
        [EXE, "simulate", *filled, "--population", "20", "--workers", "1"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith(starts), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stdout == ""
    assert layout.latest(tmp_path / "data") is None  # no report of a run that did not run


def test_the_dashboard_shows_the_latest_report_plots(runs, tmp_path):
    _, data_dir = runs["today"]
    folder = layout.latest(data_dir)
    older = data_dir / "simulations" / "20000101T000000Z"  # an older report: not the one shown
    older.mkdir()
    (older / layout.SUMMARY).write_text(json.dumps({"seed": 99}))
    from dashboard.app import create_app

    def page_of(data: Path):
        settings = Settings(data_dir=data, port=free_port(), local_mode=True)
        return serve(create_app(settings, SystemClock()), loopback=True)

    server = page_of(data_dir)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            english = http.get("/ui/simulations", headers={"accept": "text/html"})
            french = http.get("/ui/simulations?lang=fr")
            plots = {p: http.get(f"/ui/simulations/latest/{p}") for p in (*layout.PLOTS, "index.html", "..%2Fx.png")}
    finally:
        server.stop()
    assert english.status_code == 200
    for plot in (layout.PLOT_BY_JURISDICTION, layout.PLOT_FUNNEL):
        assert f'src="/ui/simulations/latest/{plot}"' in english.text
        assert plots[plot].status_code == 200 and plots[plot].headers["content-type"] == "image/png"
        assert plots[plot].content == (folder / plot).read_bytes()
    assert plots[layout.PLOT_WHATIF].status_code == 404  # this report has no what-if
    assert plots["index.html"].status_code == 404 and plots["..%2Fx.png"].status_code == 404
    assert "of business account openings could be made online." in english.text and folder.name in english.text
    assert "des ouvertures de compte d'entreprise pourraient se faire en ligne." in unescape(french.text)
    assert 'href="/ui/simulations"' in english.text  # in the menu

    server = page_of(tmp_path / "empty")
    try:
        empty = httpx.get(f"{server.url}/ui/simulations", timeout=30)
        missing = httpx.get(f"{server.url}/ui/simulations/latest/{layout.PLOT_FUNNEL}", timeout=30)
    finally:
        server.stop()
    assert empty.status_code == 200 and "No simulation report yet" in empty.text
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_without_the_simulator_extra_the_command_says_how_to_install_it(monkeypatch):
    """The sandbox installs without Dask and matplotlib; ``simulate`` then names its extra."""
    import importlib.util

    from typer.testing import CliRunner

    from cli.main import app

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    done = CliRunner().invoke(app, ["simulate", "--scenario", "today", "--population", "10"])
    assert done.exit_code == 2, done.output
    assert "the simulator needs distributed" in done.output and "pctf-sandbox[simulator]" in done.output
