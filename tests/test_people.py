"""Age, sex and education (the ``people:`` section), against docs/model.md section 5."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import scoresim
from scoresim.config.loading import Scenario
from scoresim.core.crn import Keys
from scoresim.errors import ScenarioValueError
from tests.conftest import write_scenario

PEOPLE: dict[str, Any] = {
    "age": {
        "18-29": {"urban": 0.25, "rural": 0.2},
        "30-59": 0.5,
        "60-99": {"urban": 0.25, "rural": 0.3},
    },
    "female": {"urban": 0.49, "rural": 0.47},
    "education": {
        "primary": {"urban": 0.2, "rural": 0.5},
        "senior": {"urban": 0.5, "rural": 0.4},
        "university": {"urban": 0.3, "rural": 0.1},
    },
    "income_premium": {"senior": 0.3, "university": 0.7},
}
# Education given per age band (docs/model.md section 5): it varies with age, and with
# the group through each group's ages.
BY_AGE: dict[str, Any] = {
    **PEOPLE,
    "education": {
        "primary": {"18-29": 0.1, "30-59": 0.3, "60-99": 0.6},
        "senior": {"18-29": 0.5, "30-59": 0.45, "60-99": 0.3},
        "university": {"18-29": 0.4, "30-59": 0.25, "60-99": 0.1},
    },
}
SEED, AGENTS = 5, 1500


def with_people(people: Any, name: str = "seed") -> Scenario:
    """The scenario with its people: section replaced (its polls no longer reported by them)."""
    raw = dict(scoresim.load_scenario(name).raw)
    raw["people"] = people
    raw["polls"] = [{k: v for k, v in poll.items() if k != "by"} for poll in raw.get("polls") or []]
    return Scenario.from_dict(raw, "p.yaml")


def _first_over(u: float, shares: list[float]) -> int:
    """The first category whose cumulative share exceeds u; the last if none does."""
    total = 0.0
    for k, share in enumerate(shares):
        total += share
        if u < total:
            return k
    return len(shares) - 1


def _share(value: Any, group: str) -> float:
    return float(value[group] if isinstance(value, dict) else value)


@pytest.mark.parametrize("spec", [PEOPLE, BY_AGE], ids=["education by group", "education by age"])
def test_each_person_is_drawn_as_the_docs_say(spec: dict[str, Any]) -> None:
    """A per-person reference written from docs/model.md section 5, every person compared."""
    sim = scoresim.Simulation(with_people(spec), agents=AGENTS, seed=SEED)
    groups = list(sim.compiled.labels.groups)
    keys = Keys(SEED)
    u_age = keys.uniform("population/age", 0, AGENTS)
    v_age = keys.uniform("population/age/year", 0, AGENTS)
    u_sex = keys.uniform("population/sex", 0, AGENTS)
    u_edu = keys.uniform("population/education", 0, AGENTS)
    z = keys.generator("population/income").standard_normal(AGENTS, dtype=np.float32)
    cfg = scoresim.load_scenario("seed").config.groups
    band_names = list(spec["age"])
    bands = [tuple(int(y) for y in b.split("-")) for b in band_names]
    levels = list(spec["education"])
    premium = [spec["income_premium"].get(level, 0.0) for level in levels]
    by_age = spec is BY_AGE

    def expected_premium(key: str) -> float:
        return float(
            sum(
                _share(v, key) * p for v, p in zip(spec["education"].values(), premium, strict=True)
            )
        )

    people = sim.state.people
    for i in range(AGENTS):
        g = groups[int(sim.state.group[i])]
        ages = [_share(v, g) for v in spec["age"].values()]
        band = _first_over(float(u_age[i]), ages)
        first, last = bands[band]
        assert people.age[i] == min(first + math.floor(float(v_age[i]) * (last - first + 1)), last)
        assert people.female[i] == (float(u_sex[i]) < spec["female"][g])
        key = band_names[band] if by_age else g
        level = _first_over(float(u_edu[i]), [_share(v, key) for v in spec["education"].values()])
        assert people.education[i] == level
        if by_age:
            mean_premium = sum(
                a * expected_premium(b) for a, b in zip(ages, band_names, strict=True)
            )
        else:
            mean_premium = expected_premium(g)
        log_income = (
            math.log(cfg[g].income.median)
            + cfg[g].income.sigma * float(z[i])
            + premium[level]
            - mean_premium
        )
        assert sim.state.income[i] == pytest.approx(math.exp(log_income), rel=1e-6)
    agents = sim.agents()
    assert list(agents["education"].cat.categories) == levels
    np.testing.assert_array_equal(agents["education"].cat.codes, people.education)
    np.testing.assert_array_equal(agents["age"], people.age)
    np.testing.assert_array_equal(agents["female"], people.female)


def test_shares_are_the_groups_shares_in_a_large_population() -> None:
    """Seeded, 40 000 people; tolerance 5 standard errors of each share in its group."""
    sim = scoresim.Simulation(with_people(PEOPLE), agents=40_000, seed=2)
    agents = sim.agents()
    for g, rows in agents.groupby("group", observed=True):
        n = len(rows)
        checks = [(float((rows["female"]).mean()), PEOPLE["female"][g])]
        for level, share in PEOPLE["education"].items():
            checks.append((float((rows["education"] == level).mean()), _share(share, str(g))))
        for band, share in PEOPLE["age"].items():
            first, last = (int(y) for y in band.split("-"))
            checks.append((float(rows["age"].between(first, last).mean()), _share(share, str(g))))
        for got, want in checks:
            assert abs(got - want) < 5 * math.sqrt(want * (1 - want) / n), (g, got, want)
    # Uniform over a band's years: the mean age of 30-59 is 44.5 (sd 8.66); 5 SE.
    middle = agents["age"][agents["age"].between(30, 59)]
    assert abs(float(middle.mean()) - 44.5) < 5 * 8.66 / math.sqrt(len(middle))


def test_people_change_no_other_draw_and_premiums_only_income() -> None:
    """Without a premium every metric and agents column is the run's without people."""
    plain = scoresim.Simulation(with_people(None), agents=AGENTS, seed=SEED)
    plain.run(8)
    no_premium = {k: v for k, v in PEOPLE.items() if k != "income_premium"}
    drawn = scoresim.Simulation(with_people(no_premium), agents=AGENTS, seed=SEED)
    drawn.run(8)
    pd.testing.assert_frame_equal(drawn.metrics, plain.metrics)
    extra = ["age", "female", "education"]
    pd.testing.assert_frame_equal(drawn.agents().drop(columns=extra), plain.agents())
    premium = scoresim.Simulation(with_people(PEOPLE), agents=AGENTS, seed=SEED)
    for name in ("group", "stance", "risk_aversion", "aware", "logit0"):
        np.testing.assert_array_equal(getattr(premium.state, name), getattr(plain.state, name))
    assert not np.array_equal(premium.state.income, plain.state.income)
    # Log income moves by the premium less the group's share-weighted mean premium, whose
    # mean is 0 in the group's shares (float32 incomes: 1e-5).
    premium_of = np.array([0.0, 0.3, 0.7])
    for g, name in enumerate(premium.compiled.labels.groups):
        shares = np.array([_share(v, name) for v in PEOPLE["education"].values()])
        mine = plain.state.group == g
        a, b = (np.log(s.state.income[mine].astype(np.float64)) for s in (plain, premium))
        shift = premium_of[premium.state.people.education[mine]] - shares @ premium_of
        np.testing.assert_allclose(b - a, shift, atol=1e-5)


def test_a_larger_share_moves_people_into_it_and_swaps_no_one() -> None:
    more = {**PEOPLE, "education": {**PEOPLE["education"], "senior": {"urban": 0.6, "rural": 0.45},
                                    "university": {"urban": 0.2, "rural": 0.05}}}  # fmt: skip
    older = {**PEOPLE, "age": {"18-29": 0.1, "30-59": 0.5, "60-99": 0.4}}
    a = scoresim.Simulation(with_people(PEOPLE), agents=AGENTS, seed=SEED).state.people
    b = scoresim.Simulation(with_people(more), agents=AGENTS, seed=SEED).state.people
    moved = a.education != b.education
    assert moved.any()
    assert set(a.education[moved]) == {2} and set(b.education[moved]) == {1}
    c = scoresim.Simulation(with_people(older), agents=AGENTS, seed=SEED).state.people
    same_band = (a.age >= 60) == (c.age >= 60)
    # Those who stay in 60-99 keep their age; the band's year has its own draw.
    np.testing.assert_array_equal(
        a.age[(a.age >= 60) & same_band], c.age[(a.age >= 60) & same_band]
    )
    assert ((a.age < 60) & (c.age >= 60)).any() and not ((a.age >= 60) & (c.age < 60)).any()


BAD = [
    ({"age": {"18-29": 0.5, "31-99": 0.5}}, r"people.age.31-99: '31-99' does not start the year after the band before ends \(29\); start it at 30"),
    ({"age": {"30-18": 1.0}}, r"people.age.30-18: '30-18' is not a band of years A-B with A <= B <= 120"),
    ({"age": {"18-29": 0.5, "30-99": 0.4}}, r"people.age: 0.9 is the sum of the shares of 'urban'; make the shares of each of urban, rural sum to 1"),
    ({"age": {"18-99": {"urban": 1.0}}}, r"people.age.18-99: .* gives no value for group 'rural'"),
    ({"female": {"urban": 0.5, "town": 0.5}}, r"people.female: 'town' is not a group"),
    ({"female": 1.5}, r"people.female"),
    ({"education": {"low": 0.5, "high": 0.6}}, r"people.education: 1.1 is the sum"),
    ({"education": {"low": 1.0}, "income_premium": {"high": 0.5}}, r"people.income_premium.high: 'high' is not an education level of people.education; use one of: low"),
    ({"age": {"18-59": 0.5, "60-99": 0.5}, "education": {"low": {"18-59": 0.5, "60-99": 0.95}, "high": {"18-59": 0.5, "60-99": 0.1}}},
     r"people.education: 1.05 is the sum of the shares of '60-99'; make the shares of each of 18-59, 60-99 sum to 1"),
    ({"age": {"18-59": 0.5, "60-99": 0.5}, "education": {"low": {"18-59": 0.5, "urban": 0.9}, "high": 0.5}},
     r"people.education.low: '18-59' looks like an age band, but not every level's shares name only bands"),
    ({"age": {"18-59": 0.5, "60-99": 0.5}, "education": {"low": {"18-59": 0.5}, "high": 0.5}},
     r"people.education.low: .* gives no value for age band '60-99'; give one per age band"),
    ({"income_premium": {"high": 0.5}}, r"people.income_premium.high: 'high' is a premium for an education level, but people.education is not given; add people.education"),
    ({"age": {"18-59": 0.5, "60-99": 0.5}, "education": {"low": {"18-59": 0.5, "60-90": 0.5}, "high": {"18-59": 0.5, "60-99": 0.5}}},
     r"people.education.low: '18-59' looks like an age band, but not every level's shares name only bands of people.age \(18-59, 60-99\)"),
    ({"education": {"all": 0.5, "some": 0.5}}, r"people.education.all: 'all' is the name of the row of everyone"),
]  # fmt: skip


@pytest.mark.parametrize(("people", "message"), BAD)
def test_a_bad_people_section_is_named(people: Any, message: str) -> None:
    with pytest.raises(ScenarioValueError, match=message):
        with_people(people)


def test_a_timeline_cannot_change_the_people() -> None:
    raw = dict(scoresim.load_scenario("seed").raw)
    raw["timeline"] = [{"day": 5, "set": {"people.female": 0.6}}]
    with pytest.raises(ScenarioValueError, match=r"timeline\[0\].set.people.female"):
        Scenario.from_dict(raw, "p.yaml")


def test_the_cli_takes_people_from_a_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    raw = dict(scoresim.load_scenario("baseline").raw)
    raw["people"] = {"female": 0.5, "education": {"low": 0.7, "high": 0.3}}
    good = write_scenario(tmp_path, raw)
    out = tmp_path / "run"
    scoresim_cli = str(Path(sys.executable).parent / "scoresim")
    cmd = [scoresim_cli, "run", str(good), "--agents", "500", "--steps", "2"]
    done = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    agents = pd.read_parquet(out / "agents.parquet")
    assert set(agents["education"]) == {"low", "high"} and "age" not in agents
    raw["people"]["education"]["high"] = 0.4
    bad = write_scenario(tmp_path, raw, "bad.yaml")
    done = subprocess.run([*cmd[:2], str(bad), *cmd[3:], "--out", str(tmp_path / "bad")],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "people.education: 1.1 is the sum of the shares of 'urban'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "bad").exists()


def test_the_order_of_bands_and_levels_is_part_of_the_scenario() -> None:
    """Levels are read lowest first: written in another order they are other people, so
    the scenario's hash (what sweeps and calibrations resume on) changes with it."""
    a = with_people(PEOPLE)
    levels = PEOPLE["education"]
    b = with_people({**PEOPLE, "education": {k: levels[k] for k in reversed(levels)}})
    assert a.content_hash != b.content_hash
