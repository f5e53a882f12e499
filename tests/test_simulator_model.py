"""The population simulator's model: people, tallies, sampling, and real journeys to the bank.

The journeys run the real issuers, registry and verification engine in process, so the reasons
people are sent to a branch are the verifier's own. Runs are kept to tens or hundreds of people.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pctf.reasons import Reason, SandboxError
from simulator.journey import SIMULATOR_REASONS
from simulator.partition import Partition, run_partition, split
from simulator.population import age_weights, jurisdiction_weights, person
from simulator.sampling import SamplePlan, Stratum, estimate, plan
from simulator.scenario import AGE_BANDS, Scenario, canada, load_scenario
from simulator.tally import DIGITAL, Tally

KNOWN_OUTCOMES = {DIGITAL, *SIMULATOR_REASONS, *(r.value for r in Reason)}

# A scenario that sends people every way: BC issues at LoA 3 and is accredited, AB issues at LoA 2
# only, QC issues but no registry lists it, ON is listed without the authorization, the others
# have no program; the federal registrar and BC's are accredited. Small, so its sandbox starts fast.
MIXED = Scenario.model_validate(
    {
        "name": "mixed",
        "population": 60,
        "federal_share": 0.5,
        "wallet_adoption": {"18-34": 0.9, "35-54": 0.9, "55-64": 0.8, "65+": 0.7},
        "tries_online": 0.95,
        "full_evidence": 0.9,
        "credential_age_days": 2000,
        "revocation_rate": 0.1,
        "death_rate": 0.05,
        "jurisdictions": {
            "BC": {"person_issuer": {"status": "accredited", "loa": 3}, "registrar": {"status": "accredited"}},
            "AB": {"person_issuer": {"status": "accredited", "loa": 2}},
            "QC": {"person_issuer": {"status": "unaccredited"}},
            "ON": {"person_issuer": {"status": "not_authorized"}},
        },
        "federal_registrar": {"status": "accredited"},
    }
)


def only(scenario: Scenario, **levers: dict) -> Scenario:
    """``scenario`` with every jurisdiction's levers replaced by ``levers`` (by code)."""
    return scenario.model_copy(
        update={"jurisdictions": {k: MIXED.default.model_validate(v) for k, v in levers.items()}}
    )


# -- tallies ---------------------------------------------------------------------------------------
keys = st.tuples(st.sampled_from(["BC", "ON", "QC"]), st.sampled_from([DIGITAL, "no_wallet", "issuer_unknown"]))


@st.composite
def tallies(draw: st.DrawFn) -> Tally:
    tally = Tally()
    for key in draw(st.lists(keys, max_size=12)):
        tally.record(*key, weight=draw(st.sampled_from([1.0, 2.5, 40.0])))
    tally.credentials_issued = draw(st.integers(0, 100))
    tally.minutes_branch = draw(st.sampled_from([0.0, 120.0, 360.0]))
    tally.strata = {
        k: [n, n // 2]
        for k, n in draw(st.dictionaries(st.sampled_from(["BC|65+", "ON|18-34"]), st.integers(1, 9))).items()
    }
    return tally


@given(tallies(), tallies(), tallies())
def test_adding_tallies_is_merging_partitions_in_any_order(a: Tally, b: Tally, c: Tally) -> None:
    assert ((a + b) + c).to_dict() == (a + (b + c)).to_dict() == (c + b + a).to_dict()
    merged = sum([a, b, c], Tally())
    assert merged.people == a.people + b.people + c.people
    assert sum(merged.outcomes.values()) == merged.people
    assert merged.total == pytest.approx(a.total + b.total + c.total)


@given(tallies())
def test_a_tally_survives_json(tally: Tally) -> None:
    again = Tally.from_dict(tally.to_dict())
    assert again.to_dict() == tally.to_dict()
    assert list(tally.to_dict()) == sorted(tally.to_dict())


# -- people ----------------------------------------------------------------------------------------
@given(st.integers(0, 2**32), st.integers(0, 10**9))
def test_a_person_is_made_of_the_seed_and_the_index_alone(seed: int, index: int) -> None:
    who = person(MIXED, seed, index)
    assert who == person(MIXED, seed, index)
    assert who.jurisdiction in canada()["jurisdictions"] and who.age_band in AGE_BANDS
    assert who.birthdate < MIXED.as_of.isoformat()


def test_people_follow_the_shipped_figures() -> None:
    """Where 4,000 people live follows the business openings by jurisdiction (within 4 standard errors)."""
    codes, weights = jurisdiction_weights()
    people = [person(MIXED, 7, i) for i in range(4000)]
    for code, share in zip(codes, weights, strict=True):
        seen = sum(p.jurisdiction == code for p in people) / len(people)
        assert abs(seen - share) <= 4 * math.sqrt(share * (1 - share) / len(people)) + 1e-9, code
    assert sum(weights) == pytest.approx(1) and sum(age_weights()) == pytest.approx(1)


def test_the_shipped_figures_cite_their_sources() -> None:
    data = canada()
    assert len(data["jurisdictions"]) == 13
    for source in data["sources"].values():
        assert "Statistics Canada, Table " in source and "rounded" in source


# -- scenarios -------------------------------------------------------------------------------------
def test_scenarios_load_from_toml_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("population: 12\nfederal_registrar: {status: accredited}\n")
    (tmp_path / "s.toml").write_text('population = 12\n[jurisdictions.NU.person_issuer]\nstatus = "accredited"\n')
    yaml_scenario, toml_scenario = load_scenario(tmp_path / "s.yaml"), load_scenario(tmp_path / "s.toml")
    assert (yaml_scenario.name, yaml_scenario.population, yaml_scenario.federal_registrar.status) == (
        "s",
        12,
        "accredited",
    )
    assert toml_scenario.levers("NU").person_issuer.status == "accredited"
    assert toml_scenario.levers("YT").person_issuer.status == "none"


@pytest.mark.parametrize(
    "text",
    ["population = -1", '[jurisdictions.XX.person_issuer]\nstatus = "accredited"', "wallet_adoption = {}", "x = ["],
)
def test_a_bad_scenario_is_refused(tmp_path: Path, text: str) -> None:
    (tmp_path / "bad.toml").write_text(text)
    with pytest.raises(SandboxError) as refused:
        load_scenario(tmp_path / "bad.toml")
    assert refused.value.reason == Reason.BAD_REQUEST


def test_a_lever_changes_one_thing() -> None:
    today = load_scenario("today")
    changed = today.with_lever("jurisdictions.ON.person_issuer.status", "accredited").with_lever(
        "wallet_adoption.65+", 0.9
    )
    assert changed.levers("ON").person_issuer.status == "accredited"
    assert changed.levers("ON").registrar == today.default.registrar
    assert changed.wallet_adoption["65+"] == 0.9 and changed.levers("BC") == today.levers("BC")
    assert today.with_lever("banks.0.min_loa", 2).banks[0].min_loa == 2
    for path, value in (("no.such.lever", 1), ("banks.5.min_loa", 2), ("wallet_adoption.65+", 2.0)):
        with pytest.raises((SandboxError, ValueError)):
            today.with_lever(path, value)


# -- sampling --------------------------------------------------------------------------------------
@given(st.integers(0, 50_000_000), st.integers(1, 5000))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_a_sample_plan_covers_the_population(population: int, size: int) -> None:
    sample_plan = plan(population, size)
    assert sample_plan.population == population
    assert all(s.sample <= s.population for s in sample_plan.strata)
    assert sum(s.weight * s.sample for s in sample_plan.strata) == pytest.approx(population)
    if sample_plan.size:
        last = sample_plan.locate(sample_plan.size - 1)
        assert last[1] == last[0].sample - 1


def test_the_sampling_error_is_the_stratified_one() -> None:
    """Two strata of equal size, 10 simulated in each, 2 and 8 digital: share 0.5, and the standard
    error computed by hand."""
    tiny = SamplePlan((Stratum("BC", "18-34", 1000, 10), Stratum("ON", "65+", 1000, 10)))
    tally = Tally(strata={tiny.strata[0].key: [10, 2], tiny.strata[1].key: [10, 8]})
    found = estimate(tiny, tally)
    var = 2 * 0.25 * (1 - 10 / 1000) * 0.2 * 0.8 / 9
    assert found.share == pytest.approx(0.5) and found.standard_error == pytest.approx(math.sqrt(var))


# -- real journeys ---------------------------------------------------------------------------------
def assert_adds_up(tally: Tally, people: int) -> None:
    assert tally.people == people == sum(tally.outcomes.values())
    by_jurisdiction = tally.by_jurisdiction()
    assert sum(sum(row.values()) for row in by_jurisdiction.values()) == pytest.approx(tally.total)
    assert {outcome for _, outcome in tally.outcomes} <= KNOWN_OUTCOMES


@pytest.mark.slow
@given(seed=st.integers(0, 2**31))
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_person_ends_in_exactly_one_outcome(seed: int) -> None:
    tally = run_partition(MIXED, seed, Partition(0, 0, 40))
    assert_adds_up(tally, 40)
    assert tally.verifications <= tally.people and tally.credentials_issued <= 3 * tally.verifications


@pytest.mark.slow
def test_partition_boundaries_do_not_change_anyone() -> None:
    whole = run_partition(MIXED, 11, Partition(0, 0, 60))
    parts = [run_partition(MIXED, 11, p) for p in split(60, 2)] + [Tally()]
    assert sum(parts, Tally()).to_dict() == whole.to_dict()
    assert_adds_up(whole, 60)


@pytest.mark.slow
def test_the_verifier_gives_the_reasons() -> None:
    """Each lever lands on the verifier's own reason: an unlisted issuer (issuer_unknown), one
    listed without authorization (issuer_not_authorized), a LoA 2 program (loa_too_low), a
    credential older than its lifetime (credential_expired), revocations and deaths
    (credential_revoked). And those who never reach a bank are counted with the simulator's."""
    tally = run_partition(MIXED, 5, Partition(0, 0, 150))
    by = tally.by_jurisdiction()
    assert set(by["QC"]) - set(SIMULATOR_REASONS) == {"issuer_unknown"}
    # The validity period is checked before the authorization: an expired credential says so first.
    assert "issuer_not_authorized" in by["ON"]
    assert set(by["ON"]) - set(SIMULATOR_REASONS) <= {"issuer_not_authorized", "credential_expired"}
    assert "loa_too_low" in by["AB"] and DIGITAL not in by["AB"]
    assert {"credential_expired", "credential_revoked", DIGITAL} <= set(by["BC"])
    assert set(by["NS"]) <= set(SIMULATOR_REASONS) and "no_person_credential" in by["NS"]
    assert tally.deaths >= 1 and tally.revocations >= tally.deaths


@pytest.mark.slow
@pytest.mark.parametrize(
    "status, reason", [("unaccredited", "issuer_unknown"), ("not_authorized", "issuer_not_authorized")]
)
def test_an_issuer_turned_off_sends_its_residents_to_the_branch(status: str, reason: str) -> None:
    everyone = {"wallet_adoption": {b: 1.0 for b in AGE_BANDS}, "tries_online": 1.0, "full_evidence": 1.0}
    on = only(
        MIXED.model_copy(update={**everyone, "revocation_rate": 0.0, "death_rate": 0.0, "credential_age_days": 30}),
        BC={"person_issuer": {"status": "accredited"}, "registrar": {"status": "accredited"}},
    )
    off = on.with_lever("jurisdictions.BC.person_issuer.status", status)
    before, after = run_partition(on, 3, Partition(0, 0, 50)), run_partition(off, 3, Partition(0, 0, 50))
    residents = before.by_jurisdiction()["BC"]
    assert set(residents) == {DIGITAL} and residents[DIGITAL] >= 1
    assert after.by_jurisdiction()["BC"] == {reason: residents[DIGITAL]}
    assert after.by_jurisdiction()["AB"] == before.by_jurisdiction()["AB"]


def expected_share(scenario: Scenario) -> float:
    """The digital share the shipped scenarios' levers imply, computed from them alone (every
    accredited program at LoA 3, one bank asking for LoA 3 and all three credentials)."""
    codes, weights = jurisdiction_weights()
    wallet = sum(w * scenario.wallet_adoption[b] for b, w in zip(AGE_BANDS, age_weights(), strict=True))
    federal_ok = scenario.federal_registrar.status == "accredited"
    reach = 0.0
    for code, weight in zip(codes, weights, strict=True):
        levers = scenario.levers(code)
        if levers.person_issuer.status != "accredited":
            continue
        home_ok = levers.registrar.status == "accredited"
        lifetime = levers.person_issuer.lifetime_days
        alive = min(1.0, lifetime / scenario.credential_age_days)
        registrar = scenario.federal_share * federal_ok + (1 - scenario.federal_share) * home_ok
        reach += weight * registrar * alive
    not_revoked = 1 - (scenario.revocation_rate + scenario.death_rate - scenario.revocation_rate * scenario.death_rate)
    return reach * wallet * scenario.tries_online * scenario.full_evidence * not_revoked


@pytest.mark.slow
@pytest.mark.parametrize("name, claim", [("today", 0.10), ("pilot", 0.80)])
def test_the_shipped_scenarios_reproduce_their_claim(name: str, claim: float) -> None:
    """The levers imply about the claimed share, and 300 real journeys land within four standard
    errors of what the levers imply (the bound follows from the sample size, not from the run)."""
    scenario, people = load_scenario(name), 300
    expected = expected_share(scenario)
    assert abs(expected - claim) <= 0.03
    tally = run_partition(scenario, 2026, Partition(0, 0, people))
    assert_adds_up(tally, people)
    assert abs(tally.digital_share - expected) <= 4 * math.sqrt(expected * (1 - expected) / people)


@pytest.mark.slow
def test_a_sampled_run_scales_to_the_population() -> None:
    sample_plan = plan(40_000_000, 60, min_per_stratum=1)
    tally = run_partition(MIXED, 9, Partition(0, 0, sample_plan.size), sample=sample_plan)
    assert tally.people == sample_plan.size
    assert tally.total == pytest.approx(40_000_000)
    found = estimate(sample_plan, tally)
    assert 0 <= found.share <= 1 and found.standard_error > 0
    assert sum(n for n, _ in tally.strata.values()) == sample_plan.size


@pytest.mark.slow
def test_a_recognized_framework_counts_for_the_banks_that_follow_recognitions() -> None:
    """BC's program is accredited by BC's own framework, which the pan-Canadian registry recognizes:
    the bank that follows recognitions (through the real registry client) accepts its residents,
    the one that does not answers issuer_unknown; ON, accredited at home, is accepted by both."""
    scenario = Scenario.model_validate(
        {
            "name": "recognition",
            "wallet_adoption": {b: 1.0 for b in AGE_BANDS},
            "tries_online": 1.0,
            "full_evidence": 1.0,
            "credential_age_days": 30,
            "federal_share": 1.0,
            "federal_registrar": {"status": "accredited"},
            "jurisdictions": {
                "BC": {"person_issuer": {"status": "recognized"}},
                "ON": {"person_issuer": {"status": "accredited"}},
            },
            "banks": [
                {"name": "follows", "share": 1, "accepts_recognized": True},
                {"name": "home-only", "share": 1, "accepts_recognized": False},
            ],
        }
    )
    people = [person(scenario, 8, i) for i in range(80)]
    tally = run_partition(scenario, 8, Partition(0, 0, 80))
    bc = [p for p in people if p.jurisdiction == "BC"]
    on = [p for p in people if p.jurisdiction == "ON"]
    assert bc and on and {p.bank for p in bc} == {0, 1}
    assert tally.by_jurisdiction()["BC"] == {
        DIGITAL: sum(p.bank == 0 for p in bc),
        "issuer_unknown": sum(p.bank == 1 for p in bc),
    }
    assert tally.by_jurisdiction()["ON"] == {DIGITAL: len(on)}
