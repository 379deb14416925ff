"""The validation cases, their core pieces, and `scoresim validate`."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from scoresim.cli.app import app
from scoresim.validation import emperor, reputation, thresholds
from scoresim.validation.epstein import EpsteinParams, decide, measures, place, simulate
from scoresim.validation.epstein_case import first_step_share, point_checks, run
from scoresim.validation.lattice import Torus, moore, pick_random, resolve_conflicts, von_neumann

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_neighbourhoods_have_the_textbook_sizes() -> None:
    assert von_neumann(7).shape == (112, 2) and von_neumann(1).shape == (4, 2)
    assert moore(1).shape == (8, 2)
    assert not (von_neumann(3) == 0).all(axis=1).any()  # the centre is excluded


def test_torus_neighbours_wrap_and_sums_match_brute_force() -> None:
    t = Torus(7, 5, von_neumann(2))
    rng = np.random.default_rng(0)
    grid = rng.integers(0, 3, t.cells).astype(np.int32)
    cells = np.arange(t.cells)
    got = grid[t.neighbours(cells)].sum(axis=1)
    for c in cells:
        y, x = divmod(int(c), 7)
        want = sum(
            int(grid[((y + dy) % 5) * 7 + (x + dx) % 7])
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if 0 < abs(dy) + abs(dx) <= 2
        )
        assert got[c] == want
    corner = t.neighbours(np.array([0]))[0]
    assert set(corner.tolist()) >= {1, 6, 7, 28}  # right, wrapped left, down, wrapped up


def test_resolve_conflicts_gives_each_target_one_random_winner() -> None:
    rng = np.random.default_rng(1)
    targets = np.array([5, 5, 5, -1, 7, 9, 9])
    wins = np.zeros(7)
    for _ in range(3000):
        won = resolve_conflicts(targets, rng)
        assert won[4] and not won[3]
        assert won[:3].sum() == 1 and won[5:].sum() == 1
        wins += won
    # Each of three claimants of target 5 wins a third of the time (tolerance 4 sd).
    assert np.allclose(wins[:3] / 3000, 1 / 3, atol=4 * np.sqrt(2 / 9 / 3000))


def test_pick_random_chooses_only_true_entries() -> None:
    rng = np.random.default_rng(2)
    options = np.array([[False, True, True], [False, False, False], [True, False, False]])
    counts = np.zeros(3)
    for _ in range(2000):
        col = pick_random(options, rng)
        assert col[1] == -1 and col[2] == 0 and col[0] in (1, 2)
        counts[col[0]] += 1
    assert abs(counts[1] / 2000 - 0.5) < 0.05


def test_vectorised_decision_matches_a_per_agent_reference() -> None:
    """Rule A for a batch of citizens, against a loop over their vision cells."""
    p = EpsteinParams(width=20, height=20, citizen_vision=3, ratio="round")
    rng = np.random.default_rng(3)
    s = place(p, rng)
    s.active[:] = rng.random(s.active.shape[0]) < 0.3
    s.active[s.cop] = False
    sight = Torus(20, 20, von_neumann(3))
    before = s.active.copy()
    who = np.flatnonzero(~s.cop)
    decide(s, p, sight, who)
    for i in who:
        y, x = divmod(int(s.pos[i]), 20)
        cops = actives = 0
        for dy, dx in von_neumann(3):
            j = s.cell[((y + dy) % 20) * 20 + (x + dx) % 20]
            if j >= 0 and s.cop[j]:
                cops += 1
            elif j >= 0 and before[j]:
                actives += 1
        prob = 1 - np.exp(-p.k * round(cops / (1 + actives)))
        want = s.hardship[i] * (1 - p.legitimacy) - s.risk[i] * prob > p.threshold
        assert s.active[i] == want


@pytest.mark.parametrize("update", ["sequential", "batched"])
def test_epstein_analytic_limits(update: str) -> None:
    """No cops: 1 - T/(1-L) active (±0.03); L = 1: nobody, ever (exact)."""
    base = {**asdict(EpsteinParams()), "update": update, "steps": 40}
    m = run({**base, "cop_density": 0.0}, 4)
    assert abs(m["active_fraction_mean"] - 0.5) < 0.03
    assert run({**base, "legitimacy": 1.0}, 4)["active_max"] == 0
    m = run(base, 4)
    assert abs(m["first_step_active_fraction"] - first_step_share(0.8, 0.1)) < 0.01
    assert first_step_share(0.8, 0.1) == pytest.approx(0.025)


def test_epstein_runs_are_reproducible_and_jail_removes() -> None:
    p = EpsteinParams(steps=60, legitimacy=0.82, cop_density=0.04, max_jail_term=30)
    a, b = simulate(p, 9), simulate(p, 9)
    assert np.array_equal(a.active, b.active) and np.array_equal(a.jailed, b.jailed)
    assert not np.array_equal(a.active, simulate(p, 10).active)
    removed = simulate(EpsteinParams(steps=60, jailed="removed", cop_density=0.04), 9)
    assert removed.jailed.max() > 0
    assert measures(a)["outbursts"] >= 0


def test_epstein_point_checks_apply_only_where_they_hold() -> None:
    base = asdict(EpsteinParams())
    names = [
        c.name
        for c in point_checks(
            {**base, "cop_density": 0.0}, run({**base, "cop_density": 0.0, "steps": 5}, 1)
        )
    ]
    assert any(n.startswith("no cops") for n in names) and not any("first step" in n for n in names)


def test_reputation_fixed_points() -> None:
    assert reputation.fixed_point("image_scoring", 0.02, 0.01) == pytest.approx(0.2525, abs=1e-4)
    assert reputation.fixed_point("standing", 0.02, 0.01) == pytest.approx(0.97097, abs=1e-4)
    assert reputation.fixed_point("image_scoring", 0.0, 0.0) == 1.0
    p = {**reputation.DEFAULTS, "norm": "image_scoring", "updates": 200_000}
    assert abs(reputation.run(p, 3)["good_fraction"] - 0.2525) < 0.02


def test_threshold_cascades_are_exact() -> None:
    assert thresholds.equilibrium(np.arange(100.0)) == 100
    changed = np.arange(100.0)
    changed[1] = 2.0
    assert thresholds.equilibrium(changed) == 1
    assert thresholds.share_equilibrium(thresholds.KURAN) == 0.1
    assert thresholds.share_equilibrium(thresholds.KURAN_PRIME) == 0.9
    assert 12.0 < thresholds.mean_field_critical_sd() < 12.5


def test_emperor_clustered_believers_spread_the_norm() -> None:
    clustered = [emperor.run({**emperor.DEFAULTS}, s)["compliance"] for s in range(5)]
    assert np.median(clustered) >= 0.8


def test_cli_validate_table_and_json() -> None:
    res = invoke("validate", "thresholds")
    assert res.exit_code == 0, res.output
    assert "Kuran" in res.output and "checks passed" in res.output
    res = invoke("validate", "thresholds", "reputation", "--json")
    assert res.exit_code == 0
    objects = [json.loads(line) for line in res.output.strip().splitlines()]
    assert [o["case"] for o in objects] == ["thresholds", "reputation"]
    for o in objects:
        assert set(o) == {"case", "params", "measures", "checks"}
        for c in o["checks"]:
            assert set(c) == {"name", "expected", "measured", "tolerance", "passed"}
            assert c["passed"] is True


def test_cli_validate_with_set_runs_that_configuration() -> None:
    res = invoke("validate", "thresholds", "--set", "perturb=true", "--json")
    assert res.exit_code == 0
    o = json.loads(res.output)
    assert o["params"]["perturb"] is True and o["measures"]["equilibrium"] == 1.0
    assert [c["name"] for c in o["checks"]] == ["uniform thresholds: one changed, cascade stops"]
    res = invoke("validate", "epstein", "--set", "cop_density=0", "--set", "steps=30", "--json")
    o = json.loads(res.output)
    assert res.exit_code == 0 and o["checks"][0]["name"].startswith("no cops")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["epstein", "--set", "lgitimacy=0.5"], "did you mean 'legitimacy'?"),
        (["epstein", "--set", "legitimacy=2"], "out of range; use 0 to 1"),
        (["epstein", "--set", "ratio=ceil"], "use one of: continuous, floor, round"),
        (["epstein", "--set", "width=ten"], "not a whole number"),
        (
            ["epstein", "--set", "citizen_density=0.9", "--set", "cop_density=0.2"],
            "sum to more than 1",
        ),
        (["epsteen"], "no such validation case; use one of: epstein, reputation"),
        (["thresholds", "--set", "norm=standing"], "it belongs to reputation"),
    ],
)
def test_cli_validate_bad_options_are_one_line(args: list[str], message: str) -> None:
    res = invoke("validate", *args)
    assert res.exit_code == 2, res.output
    assert message in res.output and res.output.count("\n") == 1


def test_cli_validate_exits_1_when_a_check_fails() -> None:
    """The Emperor's Dilemma's scattered-believers claim is not reproduced (documented)."""
    res = invoke("validate", "emperor", "--full", "--json")
    assert res.exit_code == 1
    checks = json.loads(res.output)["checks"]
    assert [c["passed"] for c in checks] == [True, False]


@pytest.mark.parametrize(
    ("jailed", "skip_scan"), [("stay", True), ("removed", True), ("stay", False)]
)
def test_kernel_count_grids_stay_equal_to_a_recount(jailed: str, skip_scan: bool) -> None:
    """The incrementally kept counts of cops and actives in view match a full recount."""
    from scoresim.validation import epstein_kernel as kernel

    p = EpsteinParams(
        width=30, height=25, legitimacy=0.7, cop_density=0.03, max_jail_term=10, jailed=jailed
    )
    rng = np.random.default_rng(5)
    s = place(p, rng)
    kernel.seed_kernel(5)
    state = np.zeros(s.pos.shape[0], np.int8)
    off = von_neumann(7)
    cops_seen = np.zeros(s.cell.shape[0], np.int16)
    actives_seen = np.zeros(s.cell.shape[0], np.int16)
    kernel.init_counts(s.pos, s.cop, state, cops_seen, actives_seen, off, 30, 25)
    grievance = s.hardship * (1 - p.legitimacy)
    active_seen_ever = 0
    for _ in range(40):
        kernel.step(
            s.cell,
            s.pos,
            s.cop,
            grievance,
            s.risk,
            state,
            s.jail,
            cops_seen,
            actives_seen,
            off,
            off,
            30,
            25,
            p.k,
            p.threshold,
            p.max_jail_term,
            2,
            jailed == "removed",
            True,
            skip_scan,
        )
        active_seen_ever += int((state == kernel.ACTIVE).sum())
        fresh_cops = np.zeros_like(cops_seen)
        fresh_actives = np.zeros_like(actives_seen)
        kernel.init_counts(s.pos, s.cop, state, fresh_cops, fresh_actives, off, 30, 25)
        assert np.array_equal(fresh_cops, cops_seen)
        assert np.array_equal(fresh_actives, actives_seen)
        on = s.pos >= 0
        assert np.array_equal(s.cell[s.pos[on]], np.flatnonzero(on))  # cells and positions agree
    assert active_seen_ever > 100  # the counts were exercised


def test_case_names_without_importing_the_cases() -> None:
    from scoresim.validation import CASE_NAMES
    from scoresim.validation.cases import CASES

    assert tuple(CASES) == CASE_NAMES
