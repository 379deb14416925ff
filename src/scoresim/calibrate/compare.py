"""Comparing two calibrations of the same targets: which model predicts them better?

The score is the expected log predictive density of the targets, estimated by
leave-one-target-out cross-validation (Vehtari, Gelman & Gabry 2017, "Practical
Bayesian model evaluation using leave-one-out cross-validation and WAIC", Statistics
and Computing 27). Each folder's posterior predictive simulations (``abc.predictive``
of them, a posterior draw each, simulated once) give, for draw j and target k with
observed value ``y_k`` and stated sd ``sd_k``, the density of the observation under
the simulation, ``p_jk = N(y_k; s_jk, sd_k^2)``: the target's stated uncertainty is
its error around what the model produces. Then, per target,

    elpd_k = log( sum_j w_jk p_jk / sum_j w_jk ),  w_jk = min(1 / p_jk, mean_j(1 / p_jk) sqrt(J))

importance sampling from the full posterior to the posterior without target k, with
the weights truncated at ``sqrt(J)`` times their mean (Ionides 2008, "Truncated
importance sampling", JCGS 17) so that one draw cannot carry the estimate. The
model's ``elpd`` is the sum over targets, its standard error ``sqrt(K var_k(elpd_k))``;
the difference between two models is the sum of the targets' differences, with the
standard error ``sqrt(K var_k(d_k))`` (both as in Vehtari et al.). A difference
within two of its standard errors does not tell the models apart.

docs/calibration.md, "Comparing two models", gives the definitions and a worked case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.errors import ResultsError


def pointwise(sims: pd.DataFrame, targets: list[dict[str, Any]]) -> pd.DataFrame:
    """Per target: its leave-one-out log predictive density and the draws behind it.

    Args:
        sims: the predictive simulations, a column per target (J rows; NaN where a
            statistic could not be computed: that draw is left out for that target).
        targets: per target, ``target``, ``observed`` and ``sd`` (calibration.json's
            ``predictive`` rows).
    """
    rows = []
    for t in targets:
        s = sims[t["target"]].to_numpy(np.float64)
        s = s[np.isfinite(s)]
        y, sd = float(t["observed"]), float(t["sd"])
        if s.size == 0:
            rows.append({"target": t["target"], "elpd": math.nan, "draws": 0})
            continue
        logp = -0.5 * ((y - s) / sd) ** 2 - math.log(sd * math.sqrt(2 * math.pi))  # (J,)
        # In logs throughout: p_jk underflows for a draw far from the observation.
        log_w = -logp
        cap = _logmeanexp(log_w) + 0.5 * math.log(s.size)
        log_w = np.minimum(log_w, cap)
        elpd = _logsumexp(log_w + logp) - _logsumexp(log_w)
        rows.append({"target": t["target"], "elpd": float(elpd), "draws": int(s.size)})
    return pd.DataFrame(rows)


def _logsumexp(x: np.ndarray) -> float:
    top = float(np.max(x))
    return top + math.log(float(np.sum(np.exp(x - top))))


def _logmeanexp(x: np.ndarray) -> float:
    return _logsumexp(x) - math.log(x.size)


@dataclass(frozen=True)
class Comparison:
    """Two calibrations' scores and their difference.

    Attributes:
        table: per target: ``target``, ``elpd_a``, ``elpd_b``, ``difference`` (a - b).
        elpd: (a, b) the models' totals.
        se: (a, b) their standard errors.
        difference: a's total less b's.
        difference_se: its standard error.
    """

    table: pd.DataFrame
    elpd: tuple[float, float]
    se: tuple[float, float]
    difference: float
    difference_se: float

    def verdict(self, a: str, b: str) -> str:
        """The comparison in words."""
        d, se = self.difference, self.difference_se
        if len(self.table) < 2:
            return "cannot be told: one target gives no standard error; compare on two or more"
        if not (math.isfinite(d) and math.isfinite(se)):
            return "cannot be told: a target has no predictive simulation in one of the two"
        better, worse = (a, b) if d > 0 else (b, a)
        size = f"{_plain(abs(d))} ± {_plain(se)} (difference ± standard error)"
        if abs(d) <= 2 * se:
            return f"the targets do not tell {a} and {b} apart: {size}"
        return f"{better} predicts the targets better than {worse}: {size}"


def _plain(x: float) -> str:
    """Three significant digits, without an exponent up to 10^6: 234, 121, 1.98, 0.0123."""
    return f"{x:,.0f}" if 100 <= abs(x) < 1e6 else f"{x:.3g}"


def compare(a: pd.DataFrame, b: pd.DataFrame) -> Comparison:
    """The comparison of two pointwise tables over the same targets."""
    table = a[["target", "elpd"]].merge(b[["target", "elpd"]], on="target", suffixes=("_a", "_b"))
    table["difference"] = table["elpd_a"] - table["elpd_b"]
    k = len(table)

    def se(x: pd.Series) -> float:
        values = x.to_numpy(np.float64)
        return float(math.sqrt(k * np.var(values, ddof=1))) if k > 1 else math.nan

    return Comparison(
        table=table,
        # A target without a score makes the total unknown, not smaller.
        elpd=(float(table["elpd_a"].sum(skipna=False)), float(table["elpd_b"].sum(skipna=False))),
        se=(se(table["elpd_a"]), se(table["elpd_b"])),
        difference=float(table["difference"].sum(skipna=False)),
        difference_se=se(table["difference"]),
    )


def folder_scores(folder: Path, doc: dict[str, Any]) -> pd.DataFrame:
    """A calibration folder's pointwise scores, from its predictive simulations.

    Raises:
        ResultsError: the folder ran no predictive check, or its catalogue cannot be read.
    """
    import duckdb

    n = int(doc["abc"].get("predictive", 0))
    if n == 0:
        raise ResultsError(
            f"{folder}: ran no posterior predictive check (abc.predictive: 0), which the "
            "comparison scores; rerun it with abc.predictive of 40 or more"
        )
    try:
        con = duckdb.connect(str(folder / "results.duckdb"), read_only=True)
        try:
            sims: pd.DataFrame = con.execute(
                "SELECT * FROM predictive WHERE draw < ? ORDER BY draw", [n]
            ).df()
        finally:
            con.close()
    except duckdb.Error as exc:
        raise ResultsError(f"{folder}: its catalogue cannot be read ({type(exc).__name__}); "
                           "wait for the calibration using it, or rerun it") from None  # fmt: skip
    return pointwise(sims, doc["predictive"])


def same_targets(a: dict[str, Any], b: dict[str, Any], names: tuple[str, str]) -> None:
    """Refuse two calibrations whose targets differ (name, value or sd).

    Raises:
        ResultsError: in one line, naming the first difference.
    """
    ta = {t["target"]: (t["observed"], t["sd"]) for t in a["predictive"]}
    tb = {t["target"]: (t["observed"], t["sd"]) for t in b["predictive"]}
    if ta != tb:
        only = sorted(set(ta) ^ set(tb))
        what = (
            f"target {only[0]!r} is in one only"
            if only
            else f"target {next(k for k in ta if ta[k] != tb[k])!r} differs"
        )
        raise ResultsError(
            f"{names[0]} and {names[1]}: not the same targets ({what}); two calibrations are "
            "compared on the same observations, values and sds"
        )
