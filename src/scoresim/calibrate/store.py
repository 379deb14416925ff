"""A calibration's folder: every simulation in a DuckDB catalogue, populations in Parquet.

Layout of ``DIR``::

    results.duckdb                      tables experiment_info, calibration_info,
                                        simulations, generations, predictive, noise;
                                        view particles
    particles/generation=T/part.parquet the accepted population of generation T
    posterior.csv, predictive.csv, fit.csv, calibration.json, figures/   (at the end)

``particles/`` is made with the catalogue, so that the folder reads as a
calibration's even when its catalogue is damaged (``scoresim sweep --rebuild`` and
the messages for a damaged catalogue look for it, :mod:`scoresim.experiment.kinds`).

``simulations`` has one row per simulated proposal (generation, proposal, each
parameter's scenario value under its path, the sampler-scale values, each target's
statistic under its name, distance, accepted, weight, seconds), inserted in its own
transaction as it arrives: a calibration killed at any moment loses only the
simulations in flight. ``weight`` is pyabc's unnormalised importance weight (0 when
rejected); the view ``particles`` gives each population's normalised weights.
A generation's part is written to a temporary name and renamed into place, then its
``generations`` row is written; a rerun replays the finished generations from the
stored simulations and writes the same parts and rows again. Opening a catalogue
reads every table in full, so a truncated file is called damaged at once, not in the
middle of a run.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.calibrate.model import SIMULATE, Distance, Evaluated, parameter_key
from scoresim.calibrate.spec import Calibration
from scoresim.calibrate.statistics import as_json, describe
from scoresim.errors import CalibrationError
from scoresim.experiment.catalogue import (
    check_duckdb_path,
    create_info,
    open_experiment,
    quote,
    write_part,
)
from scoresim.experiment.kinds import CALIBRATION, PART
from scoresim.experiment.seeds import child_seed
from scoresim.results import outputs

NOISE = "noise"
COVERAGE = "coverage"
(PARTICLES,) = CALIBRATION.views


class CalibrationStore:
    """The catalogue of one calibration folder, open for writing by the driver."""

    def __init__(self, out: Path, con: Any, calibration: Calibration) -> None:
        self.out = out
        self.con = con
        self.calibration = calibration
        self.names = calibration.names
        self.targets = [t.name for t in calibration.config.targets]
        self.forecasts = [f.name for f in calibration.config.forecasts]
        self.distance = Distance({t.name: t.sd for t in calibration.config.targets})
        self.observed = {t.name: t.value for t in calibration.config.targets}

    def _distance(self, ev: Evaluated) -> float:
        """Pyabc's distance; for the prior sample (where pyabc leaves it infinite) ours."""
        p = ev.particle
        if ev.generation < 0:
            return self.distance(p.sum_stat, self.observed)
        return float(p.distance)

    @classmethod
    def open(cls, out: Path, calibration: Calibration, coverage: bool = False) -> CalibrationStore:
        """Open ``out`` for ``calibration``, creating its catalogue if new.

        Raises:
            CalibrationError: ``out`` is in use, holds another calibration, or is damaged.
            OutputError: ``out`` holds files that are not a calibration's or a sweep's.

        With ``coverage``, the catalogue gets its ``coverage`` table if it has none.
        """
        check_duckdb_path(out, "--out", CalibrationError)
        outputs.check_sweep_folder(out)
        con, tables = open_experiment(
            out, CALIBRATION, calibration.fingerprint, CalibrationError, read_all=True
        )
        store = cls(out, con, calibration)
        if not tables:
            store._create()
            (out / PARTICLES.table).mkdir(exist_ok=True)
        else:
            store._check_order()
            if NOISE not in tables:  # a catalogue written before the noise floor was measured
                store._create_noise()
        # Only for a coverage check: a plain fit's catalogue stays as it was.
        if coverage and COVERAGE not in tables:
            store._create_coverage()
        return store

    def _check_order(self) -> None:
        """Refuse a file that lists the folder's parameters in another order.

        The fingerprint reads the file's mappings sorted, so a reordered file is the
        same calibration; but the stored sampler values (and the coverage ranks) are
        lists in the order the folder was made with.

        Raises:
            CalibrationError: in one line, naming both orders; the catalogue is closed.
        """
        columns = [r[0] for r in self.con.execute("DESCRIBE simulations").fetchall()]
        stored = columns[2 : columns.index("sampler_values")]
        if stored != self.names:
            self.con.close()
            raise CalibrationError(
                f"{self.out}: its parameters were fitted in the order {', '.join(stored)}; "
                f"{self.calibration.origin} lists them as {', '.join(self.names)}: keep the "
                "folder's order in the file, or use another --out"
            )

    def _create(self) -> None:
        cal = self.calibration
        info = {
            "fingerprint": cal.fingerprint,
            "calibration": json.dumps(
                cal.config.model_dump(mode="json"), sort_keys=True, allow_nan=False
            ),
            "scenario": cal.scenario.name,
            "scenario_hash": cal.scenario.content_hash,
            "parameters": json.dumps(cal.scenario.config.model_dump(mode="json"), allow_nan=False),
            "targets": json.dumps(
                {t.name: {"describe": describe(t), **as_json(t)} for t in cal.config.targets},
                allow_nan=False,
            ),
        }
        params = ", ".join(f"{quote(n)} DOUBLE" for n in self.names)
        stats = ", ".join(f"{quote(n)} DOUBLE" for n in self.targets)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        create_info(con, CALIBRATION, info)
        con.execute(
            "CREATE TABLE simulations (generation INTEGER, proposal INTEGER, "
            f"{params}, sampler_values DOUBLE[], {stats}, distance DOUBLE, accepted BOOLEAN, "
            "weight DOUBLE, seed_entropy BIGINT, seconds DOUBLE, "
            "PRIMARY KEY (generation, proposal))"
        )
        con.execute(
            "CREATE TABLE generations (generation INTEGER PRIMARY KEY, epsilon DOUBLE, "
            "population INTEGER, evaluations INTEGER, acceptance_rate DOUBLE)"
        )
        predicted = ", ".join(f"{quote(n)} DOUBLE" for n in [*self.targets, *self.forecasts])
        con.execute(
            f"CREATE TABLE predictive (draw INTEGER PRIMARY KEY, {params}, {predicted}, "
            "seed_entropy BIGINT)"
        )
        self._create_noise()
        con.execute("COMMIT")

    def _create_noise(self) -> None:
        params = ", ".join(f"{quote(n)} DOUBLE" for n in self.names)
        stats = ", ".join(f"{quote(n)} DOUBLE" for n in self.targets)
        self.con.execute(
            f"CREATE TABLE {NOISE} (replicate INTEGER PRIMARY KEY, {params}, {stats}, "
            "seed_entropy BIGINT)"
        )

    def _create_coverage(self) -> None:
        params = ", ".join(f"{quote(n)} DOUBLE" for n in self.names)
        stats = ", ".join(f"{quote(n)} DOUBLE" for n in self.targets)
        self.con.execute(
            f"CREATE TABLE {COVERAGE} (dataset INTEGER PRIMARY KEY, {params}, "
            f"sampler_values DOUBLE[], {stats}, seed_entropy BIGINT, ranks DOUBLE[], widths DOUBLE[], "
            "evaluations INTEGER, seconds DOUBLE, settings VARCHAR)"
        )

    def record_coverage_data(self, dataset: int, internal: tuple[float, ...], stats: dict[str, float], seed: int) -> None:  # fmt: skip
        """Insert a coverage data set: its truth and its simulated targets (no ranks yet)."""
        row = [dataset, *self._values(list(internal)), list(internal),
               *[_finite(stats[n]) for n in self.targets], seed, None, None, None, None, None]  # fmt: skip
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"INSERT OR REPLACE INTO {COVERAGE} VALUES ({marks})", row)

    def record_coverage_ranks(self, dataset: int, ranks: list[float], widths: list[float],
                              evaluations: int, seconds: float, settings: str) -> None:  # fmt: skip
        """Fill a coverage data set's ranks and widths, once its posterior is done under ``settings``."""
        self.con.execute(
            f"UPDATE {COVERAGE} SET ranks = ?, widths = ?, evaluations = ?, seconds = ?, "
            "settings = ? WHERE dataset = ?",
            [ranks, widths, evaluations, seconds, settings, dataset],
        )

    def coverage(self) -> pd.DataFrame:
        """The stored coverage data sets, by data set (NaN for a missing statistic)."""
        frame: pd.DataFrame = self.con.execute(f"SELECT * FROM {COVERAGE} ORDER BY dataset").df()
        return frame

    def last_generation(self) -> int:
        """The last finished generation in the catalogue (-1: none)."""
        row = self.con.execute("SELECT max(generation) FROM generations").fetchone()
        return -1 if row is None or row[0] is None else int(row[0])

    def cached(self, generation: int) -> dict[int, tuple[tuple[float, ...], dict[str, float]]]:
        """Stored proposals of ``generation``: index -> (sampler-scale values, statistics)."""
        cols = ", ".join(quote(n) for n in self.targets)
        rows = self.con.execute(
            f"SELECT proposal, sampler_values, {cols} FROM simulations WHERE generation = ?",
            [generation],
        ).fetchall()
        return {
            int(r[0]): (
                tuple(float(x) for x in r[1]),
                {
                    n: (math.nan if v is None else float(v))
                    for n, v in zip(self.targets, r[2:], strict=True)
                },
            )
            for r in rows
        }

    def record(self, ev: Evaluated) -> None:
        """Insert one simulated proposal (its own transaction)."""
        p = ev.particle
        internal = [float(p.parameter[parameter_key(k)]) for k in range(len(self.names))]
        values = self._values(internal)
        stats = [_finite(p.sum_stat[n]) for n in self.targets]
        seed = child_seed(self.calibration.config.seed, SIMULATE, ev.generation + 1, ev.index, 0)
        row = [ev.generation, ev.index, *values, internal, *stats, _finite(self._distance(ev)),
               bool(p.accepted), float(p.weight), seed, ev.seconds]  # fmt: skip
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"INSERT OR REPLACE INTO simulations VALUES ({marks})", row)

    def record_plain(self, generation: int, index: int, internal: tuple[float, ...],
                     stats: dict[str, float], seed: int, seconds: float) -> None:  # fmt: skip
        """Insert one simulation the neural method ran (accepted, weight 1; its own transaction)."""
        row = [generation, index, *self._values(list(internal)), list(internal),
               *[_finite(stats[n]) for n in self.targets],
               _finite(self.distance(stats, self.observed)), True, 1.0, seed, seconds]  # fmt: skip
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"INSERT OR REPLACE INTO simulations VALUES ({marks})", row)

    def finish_draws(self, generation: int, frame: pd.DataFrame, evaluations: int) -> None:
        """Write posterior draws as ``generation``'s particles and its row (no epsilon)."""
        write_part(self.out / PARTICLES.table / f"generation={generation}" / PART, frame)
        self.con.execute(
            "INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?, ?)",
            [generation, None, len(frame), evaluations, None],
        )
        self.con.execute(PARTICLES.sql(self.out))

    def _values(self, internal: list[float]) -> list[float]:
        priors = self.calibration.config.parameters.values()
        return [pr.to_value(x) for pr, x in zip(priors, internal, strict=True)]

    def finish_generation(
        self, generation: int, used: list[Evaluated], epsilon: float | None
    ) -> pd.DataFrame:
        """Write generation's accepted population (normalised weights) and its row.

        Returns:
            The population: ``proposal``, each parameter, ``distance``, ``weight``.
        """
        accepted = [ev for ev in used if ev.particle.accepted]
        total = sum(float(ev.particle.weight) for ev in accepted)
        rows: dict[str, list[Any]] = {"proposal": [], **{n: [] for n in self.names}}
        rows |= {"distance": [], "weight": []}
        for ev in accepted:
            p = ev.particle
            internal = [float(p.parameter[parameter_key(k)]) for k in range(len(self.names))]
            rows["proposal"].append(ev.index)
            for n, v in zip(self.names, self._values(internal), strict=True):
                rows[n].append(v)
            rows["distance"].append(self._distance(ev))
            rows["weight"].append(float(p.weight) / total if total > 0 else 1.0 / len(accepted))
        frame = pd.DataFrame(rows)
        write_part(self.out / PARTICLES.table / f"generation={generation}" / PART, frame)
        rate = len(accepted) / len(used) if used else math.nan
        self.con.execute(
            "INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?, ?)",
            [generation, epsilon, len(accepted), len(used), rate],
        )
        self.con.execute(PARTICLES.sql(self.out))
        return frame

    def record_predictive(self, draw: int, values: dict[str, float], stats: dict[str, float], seed: int) -> None:  # fmt: skip
        """Insert one posterior predictive simulation."""
        row = [
            draw,
            *[values[n] for n in self.names],
            *[_finite(stats[n]) for n in [*self.targets, *self.forecasts]],
            seed,
        ]
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"INSERT OR REPLACE INTO predictive VALUES ({marks})", row)

    def predictive(self) -> pd.DataFrame:
        """The stored posterior predictive simulations, by draw."""
        frame: pd.DataFrame = self.con.execute("SELECT * FROM predictive ORDER BY draw").df()
        return frame

    def record_noise(self, replicate: int, values: dict[str, float], stats: dict[str, float], seed: int) -> None:  # fmt: skip
        """Insert one evaluation of the noise floor."""
        row = [replicate, *[values[n] for n in self.names],
               *[_finite(stats[n]) for n in self.targets], seed]  # fmt: skip
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"INSERT OR REPLACE INTO {NOISE} VALUES ({marks})", row)

    def noise(self) -> pd.DataFrame:
        """The stored evaluations of the noise floor, by replicate."""
        frame: pd.DataFrame = self.con.execute(f"SELECT * FROM {NOISE} ORDER BY replicate").df()
        return frame

    def final_statistics(self, generation: int, proposals: list[int]) -> pd.DataFrame:
        """The targets' statistics of ``proposals`` of ``generation``, in that order."""
        cols = ", ".join(quote(n) for n in self.targets)
        frame: pd.DataFrame = self.con.execute(
            f"SELECT proposal, {cols} FROM simulations WHERE generation = ?", [generation]
        ).df()
        return frame.set_index("proposal").loc[proposals].reset_index()

    def close(self) -> None:
        """Close the catalogue."""
        self.con.close()


def _finite(x: Any) -> float | None:
    """A float for DuckDB, None for NaN (SQL NULL) and infinity."""
    v = float(x)
    return v if math.isfinite(v) else None
