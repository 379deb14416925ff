"""Is a calibration limited by its simulations or by the sampler around them?

Usage: python benchmarks/calibration_overhead.py [--agents 10000] [--population 20]

Runs the first court-list calibration, the one issue 25 measured
(``examples/calibration/court-constant-2017.yaml``, its 1 553 days), for one
generation on 2 local worker processes, through the same ``run_calibration`` the CLI
calls, and then the same number of plain simulations of the same size on a pool of 2
warm workers. It prints, from one invocation:

- simulations per hour in the calibration and in the plain pool, and their ratio;
- the workers' busy share in the calibration: the simulations' own seconds (the
  catalogue's ``seconds`` column, timed inside the worker) over 2 x the sampler's wall
  time;
- what each task carries and costs beside its simulation: the pickled closure's size
  (sent with every task), the time to pickle and unpickle it, and a catalogue insert.

The default size is the shipped calibration's (10^4 people), where a fixed cost per
task weighs most; ``--agents 100000`` is issue 25's size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "calibration" / "court-constant-2017.yaml"


def plain(args: tuple[int, int]) -> float:
    """One court-list simulation on one compiled thread, as a calibration's worker runs it."""
    import scoresim
    from scoresim.core.threads import compiled_threads

    agents, seed = args
    t0 = time.perf_counter()
    with compiled_threads(1):
        scoresim.simulate("court-blacklist", agents=agents, steps=1553, seed=seed)
    return time.perf_counter() - t0


def calibration_file(folder: Path, agents: int, population: int) -> Path:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["run"]["agents"] = agents
    doc["abc"].update(population=population, generations=1, predictive=0, noise=2)
    path = folder / "court.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=10_000)
    ap.add_argument("--population", type=int, default=20)
    args = ap.parse_args()
    import cloudpickle
    import duckdb

    from scoresim.calibrate.model import Simulator
    from scoresim.calibrate.runner import run_calibration
    from scoresim.calibrate.spec import load_calibration
    from scoresim.experiment.executors import local_pool

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cal = load_calibration(calibration_file(folder, args.agents, args.population))
        with local_pool(2) as engine:
            # Compile in both workers before the clock starts, as a long calibration would have.
            list(engine.executor.map(plain, [(1000, 1), (1000, 2)]))
            summary = run_calibration(cal, folder / "out", engine)
        con = duckdb.connect(str(folder / "out" / "results.duckdb"), read_only=True)
        row = con.execute("SELECT count(*), sum(seconds) FROM simulations").fetchone()
        con.close()
        assert row is not None
        count, busy = int(row[0]), float(row[1])
        blob = cloudpickle.dumps(Simulator(cal))
        t0 = time.perf_counter()
        for _ in range(20):
            cloudpickle.loads(cloudpickle.dumps(Simulator(cal)))
        pickle_ms = (time.perf_counter() - t0) / 20 * 1000
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(plain, [(1000, 1), (1000, 2)]))
        t0 = time.perf_counter()
        list(pool.map(plain, [(args.agents, 10 + i) for i in range(count)]))
        plain_seconds = time.perf_counter() - t0
    cal_rate = count / summary.seconds * 3600
    plain_rate = count / plain_seconds * 3600
    print(f"court list, {args.agents:,} people x 1 553 days, 2 local workers, {count} simulations")
    print(f"  calibration: {cal_rate:8.0f} simulations/hour ({summary.seconds:.1f} s wall)")
    print(f"  plain pool:  {plain_rate:8.0f} simulations/hour ({plain_seconds:.1f} s wall)")
    print(f"  calibration / plain: {cal_rate / plain_rate:.2f}")
    print(f"  workers busy simulating in the calibration: {busy / (2 * summary.seconds):.1%}")
    print(f"  pickled closure: {len(blob):,} bytes per task; pickle + unpickle {pickle_ms:.1f} ms")


if __name__ == "__main__":
    main()
