"""Sensitivity indices of a finished sweep, by SALib.

Each output is read at the last step for the whole population (``group = 'all'``)
and averaged over the replicates of each design point; those means are the model
outputs Y that SALib analyses against the design matrix. Sobol sweeps give first-
and total-order indices (S1, ST) with bootstrap confidence intervals (95%); Morris
sweeps give the mean absolute elementary effect mu* (with its interval) and sigma.
The bootstrap is seeded from the sweep's seed, so the same folder always gives the
same table.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.errors import QueryError
from scoresim.experiment.catalogue import load_json, quote, read_or_damaged
from scoresim.results import outputs, ownership
from scoresim.sweep.query import connect

SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("mu_star", "mu_star_conf", "sigma")
MIN_SOBOL_SAMPLES = 8  # base samples N: fewer give degenerate bootstrap intervals
MIN_MORRIS_TRAJECTORIES = 2  # sigma is a standard deviation over trajectories


@dataclass(frozen=True)
class Indices:
    """The indices of one output.

    Attributes:
        output: The metric analysed.
        method: ``"sobol"`` or ``"morris"``.
        table: One row per parameter; columns ``parameter`` and the method's indices.
        note: Why the indices are missing, if they are (an output that never varies).
    """

    output: str
    method: str
    table: pd.DataFrame
    note: str | None = None


def analyse(out: Path, outputs: list[str] | None = None) -> list[Indices]:
    """Sensitivity indices of ``outputs`` (default: the sweep file's) in the folder ``out``.

    Raises:
        QueryError: Not a Sobol or Morris sweep, an unknown output, or design points
            without a finished run.
    """
    return read_or_damaged(out, connect(out), lambda con: _analyse(con, out, outputs), QueryError)


def _analyse(con: Any, out: Path, outputs: list[str] | None) -> list[Indices]:
    """:func:`analyse` on the open catalogue ``con``; a damaged one raises what it meets."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "sweep_info" not in tables:  # connect() lets only a calibration's through
        raise QueryError(
            f"{out}: holds a calibration, not a sweep; sensitivity indices need a sweep "
            "with design: sobol or morris (a calibration's posterior is its posterior.csv)"
        )
    info = dict(con.execute("SELECT key, value FROM sweep_info").fetchall())
    cfg: dict[str, Any] = load_json(info["sweep"])
    method = cfg["design"]
    if method not in ("sobol", "morris"):
        raise QueryError(
            f"{out}: the sweep's design is {method}; sensitivity indices need a sweep "
            "with design: sobol (Sobol indices) or design: morris (Morris screening)"
        )
    _enough(out, method, int(cfg["samples"]))
    problem = load_json(info["problem"])
    # The problem keeps the file's order (the stored sweep JSON has sorted keys).
    names = list(problem["names"])
    wanted = outputs or list(cfg["outputs"])
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    if "metrics" not in views:
        raise QueryError(f"{out}: no run of this sweep has finished yet; run the sweep first")
    columns = {r[0] for r in con.execute("DESCRIBE metrics").fetchall()} - {"step", "group"}
    for name in wanted:
        if name not in columns:
            raise QueryError(
                f"--output {name}: not a metric of this sweep; use one of "
                f"{', '.join(sorted(cfg['outputs']) or sorted(columns)[:8])}"
            )
    matrix = con.execute("SELECT * FROM design ORDER BY point").df()[names].to_numpy()
    points = matrix.shape[0]
    results = []
    for name in wanted:
        y = _point_means(con, name, points, out)
        results.append(_indices(name, method, problem, matrix, y, cfg))
    return results


def _enough(out: Path, method: str, samples: int) -> None:
    """Refuse a design too small for the indices to have a finite, non-degenerate interval.

    Sobol's intervals are bootstrap quantiles over the N base samples: below
    ``MIN_SOBOL_SAMPLES`` the resamples are too few to differ (N = 1 gives S1 4/3 and
    ST 2 with zero-width intervals). Morris's sigma is a standard deviation over the
    trajectories, undefined for fewer than ``MIN_MORRIS_TRAJECTORIES``.
    """
    need = MIN_SOBOL_SAMPLES if method == "sobol" else MIN_MORRIS_TRAJECTORIES
    if samples < need:
        what = "samples" if method == "sobol" else "trajectories (samples)"
        raise QueryError(
            f"{out}: the sweep has samples: {samples}; {method} indices with a confidence "
            f"interval need at least {need} {what}; rerun the sweep with samples: {need} or more"
        )


def _point_means(con: Any, name: str, points: int, out: Path) -> np.ndarray:
    """The output at the last step, all groups, averaged over replicates: (P,) float64."""
    rows = con.execute(
        f"""SELECT r.point, avg(m.{quote(name)}) FROM metrics m JOIN runs r USING (run_id)
            WHERE m."group" = 'all' AND m.step = (SELECT max(step) FROM metrics)
            GROUP BY r.point ORDER BY r.point"""
    ).fetchall()
    y = np.full(points, np.nan)
    for point, value in rows:
        y[int(point)] = np.nan if value is None else float(value)
    missing = int(np.isnan(y).sum())
    if missing:
        raise QueryError(
            f"{out}: {missing} of {points} design points have no finished run with a value "
            f"of {name}; rerun the sweep to finish them (see the runs table's error column)"
        )
    return y


def _indices(
    name: str,
    method: str,
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    cfg: dict[str, Any],
) -> Indices:
    problem = {k: problem[k] for k in ("num_vars", "names", "bounds")}
    names = list(problem["names"])
    columns = SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS
    if float(np.ptp(y)) == 0.0:
        empty = pd.DataFrame({"parameter": names, **{c: np.nan for c in columns}})
        return Indices(name, method, empty, f"{name} is {y[0]:g} at every design point")
    seed = int(cfg["seed"]) % 2**32
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN is shown as nan, not warned
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        else:
            from SALib.analyze import morris

            res = morris.analyze(problem, x, y, num_levels=int(cfg["levels"]), seed=seed)
    # Label rows by the names SALib returns where it returns them (Morris reports by
    # group); Sobol's rows are in the problem's order.
    labels = [str(n) for n in res["names"]] if "names" in res else names
    table = pd.DataFrame({"parameter": labels, **{c: np.asarray(res[c], float) for c in columns}})
    table = table.set_index("parameter").loc[names].reset_index()
    return Indices(name, method, table)


def figure(results: list[Indices], path: Path, flag: str = "--figure") -> Path:
    """Bar charts of the indices, one panel per output, with their intervals; PNG or SVG.

    Written as report writes its files: holding ``path``'s lock, it checks again that
    ``path`` is new or scoresim's own, draws into a marked temporary and moves it into
    place (a symbolic link, or a file someone put there meanwhile, is refused).

    Raises:
        OutputError: ``path`` is not a figure file scoresim may write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), 1, figsize=(7, 2.2 + 1.6 * len(results)), squeeze=False)
    for ax, res in zip(axes[:, 0], results, strict=True):
        t = res.table
        pos = np.arange(len(t))
        if res.method == "sobol":
            ax.barh(pos - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="first order S1")
            ax.barh(pos + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="total order ST")
            ax.set_xlabel("Sobol index (share of the output's variance)")
        else:
            ax.barh(pos, t["mu_star"], 0.5, xerr=t["mu_star_conf"], label="mu*")
            ax.set_xlabel("mean absolute elementary effect mu*")
        ax.set_yticks(pos, list(t["parameter"]))
        ax.set_title(res.output + (f" ({res.note})" if res.note else ""), fontsize=10)
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with outputs.claim(path, flag):
            outputs.check_figure_file(path, flag)
            with ownership.staging(path) as tmp:
                fig.savefig(tmp, metadata=outputs.figure_metadata(path))
                outputs.put_in_place(tmp, path)
    finally:
        plt.close(fig)
    return path
