"""Common random numbers: regimes in one society share people and draws, purpose by purpose."""

from __future__ import annotations

import numpy as np
import pytest

import scoresim
from scoresim.core import crn

BUILT_IN = ["baseline", "seed", "sesame", "court-blacklist", "eu-compliant"]


def test_philox_matches_random123_known_answers() -> None:
    """Salmon et al.'s Philox4x32-10 known-answer vectors (Random123, kat_vectors)."""
    u32 = np.uint32
    cases = [
        ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
        ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
        (
            (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
            (0xA4093822, 0x299F31D0),
            (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
        ),
    ]
    for ctr, key, out in cases:
        got = crn.philox4x32(*(u32(x) for x in ctr), *(u32(x) for x in key))
        assert tuple(int(x) for x in got) == out


def test_draws_are_uniform_and_the_same_dense_or_at_ids() -> None:
    keys = crn.Keys(3)
    u = keys.uniform("act/x", 5, 200_003)
    assert u.dtype == np.float32 and u.min() >= 0.0 and u.max() < 1.0
    # Seeded; tolerance: 5 standard errors of a mean of 200 003 uniforms (sd 0.289).
    assert abs(float(u.mean()) - 0.5) < 5 * 0.289 / np.sqrt(u.shape[0])
    ids = np.array([0, 1, 2, 3, 4, 77, 200_002], np.int64)
    np.testing.assert_array_equal(keys.uniform_at("act/x", 5, ids), u[ids])
    # Other purpose, other step, other seed: other numbers.
    assert not np.array_equal(keys.uniform("act/y", 5, 1000), u[:1000])
    assert not np.array_equal(keys.uniform("act/x", 6, 1000), u[:1000])
    assert not np.array_equal(crn.Keys(4).uniform("act/x", 5, 1000), u[:1000])


def _prepared(name: str, overrides: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    sc = scoresim.load_scenario(name).with_overrides(dict(overrides or {}))
    return scoresim.Simulation(sc, agents=5000, seed=9, _rows=60)


@pytest.mark.parametrize("other", BUILT_IN[1:])
def test_built_in_regimes_share_their_people_and_network(other: str) -> None:
    a, b = _prepared("baseline"), _prepared(other)
    for name in ("group", "stance", "risk_aversion", "income"):
        np.testing.assert_array_equal(getattr(a.state, name), getattr(b.state, name), err_msg=name)
    np.testing.assert_array_equal(a.net.indices, b.net.indices)
    # The personal noise of a behaviour both regimes have is the same standard normal.
    common = set(a.compiled.labels.behaviours) & set(b.compiled.labels.behaviours)
    assert common or other == "sesame"
    for beh in common:
        za, zb = (_noise(r, beh) for r in (a, b))
        if za is not None and zb is not None:
            np.testing.assert_allclose(za, zb, atol=1e-4, err_msg=beh)


def _noise(run, beh: str):  # type: ignore[no-untyped-def]
    """(N,) the standard-normal personal noise behind ``beh``'s log-odds, or None."""
    b = run.compiled.labels.behaviours.index(beh)
    pop, reg, st = run.compiled.population, run.compiled.regime, run.state
    het = float(pop.heterogeneity[b])
    if het == 0:
        return None
    base = pop.base_logit[st.group.astype(np.int64), b]
    return (st.logit0[b] - reg.behave.stance_weight[b] * st.stance - base) / het


def test_awareness_and_informants_do_not_depend_on_the_behaviours() -> None:
    """The issue's case: baseline at awareness 0.5 against sesame (other behaviours)."""
    a = _prepared("baseline", {"scoring.awareness": 0.5})
    b = _prepared("sesame")
    assert a.compiled.labels.behaviours != b.compiled.labels.behaviours
    np.testing.assert_array_equal(a.state.aware, b.state.aware)
    # A higher share adds people and never swaps them.
    c = _prepared("baseline", {"scoring.awareness": 0.8})
    assert (c.state.aware >= a.state.aware).all() and c.state.aware.sum() > a.state.aware.sum()
    d = _prepared("seed", {"sources.informants.informants.share": 0.4})
    e = _prepared("seed")
    assert (d.state.informant >= e.state.informant).all()


def test_every_day_the_same_people_want_each_opportunity() -> None:
    runs = {
        n: scoresim.simulate(n, agents=5000, steps=60, seed=9)
        for n in ("baseline", "seed", "court-blacklist")
    }
    base = runs["baseline"].metrics
    for name, run in runs.items():
        m = run.metrics
        for opp in ("travel", "loan"):
            col = f"wanted.{opp}"
            if col in m and col in base:
                np.testing.assert_array_equal(m[col].to_numpy(), base[col].to_numpy(), err_msg=name)
    seed = runs["seed"].metrics
    assert seed["wanted.travel"].sum() > 0 and seed["denied.travel"].sum() > 0


def test_detection_of_the_same_act_by_the_same_source_is_the_same_draw() -> None:
    """Two regimes that differ in coverage and behaviour: nested detections of shared acts."""
    lo = _prepared("seed", {"sources.street_cameras.coverage": 0.3})
    hi = _prepared("seed", {"sources.street_cameras.coverage": 0.6, "scoring.points.jaywalk": -50})
    for run in (lo, hi):
        run.run(20)  # behaviour parts ways: other scores, other beliefs
    jay = lo.compiled.labels.behaviours.index("jaywalk")
    evs = []
    for run in (lo, hi):
        run.step()  # step 20: its acts and detections are the events behave and observe left
        evs.append(run.events)
    both = evs[0].acts[jay] & evs[1].acts[jay]
    assert both.sum() > 20 and not np.array_equal(evs[0].acts[jay], evs[1].acts[jay])
    # The same draw: every shared act caught at coverage 0.3 is caught at 0.6.
    caught_lo, caught_hi = evs[0].detected[jay] & both, evs[1].detected[jay] & both
    assert caught_lo.sum() > 0 and (caught_hi >= caught_lo).all()
    assert caught_hi.sum() > caught_lo.sum()


def test_draws_at_many_steps_are_each_steps_draws() -> None:
    """``uniform_at_steps`` (the followed people's days read at once) gives, for each
    (step, id), exactly the draw ``uniform_at`` gives at that step."""
    from scoresim.core.crn import Keys

    keys = Keys(11)
    rng = np.random.default_rng(0)
    steps = rng.integers(0, 400, 500)
    ids = rng.integers(0, 10_000, 500)
    got = keys.uniform_at_steps("detect/street_cameras/jaywalk", steps, ids)
    want = [keys.uniform_at("detect/street_cameras/jaywalk", int(t), np.array([i]))[0]
            for t, i in zip(steps, ids, strict=True)]  # fmt: skip
    np.testing.assert_array_equal(got, np.array(want, np.float32))
    assert keys.uniform_at_steps("x", np.zeros(0, np.int64), np.zeros(0, np.int64)).shape == (0,)
