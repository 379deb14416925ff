"""The kinds of experiment folder, sweeps and calibrations: what each catalogue holds.

A catalogue says its kind in the one-row table ``experiment_info`` (column ``kind``),
written in the transaction that creates it (:mod:`scoresim.experiment.catalogue`).
Each kind names its table of facts (``sweep_info``, ``calibration_info``), the tables
every catalogue of that kind holds, the views over its Parquet parts, and what to do
when its catalogue does not read: a sweep's is rebuilt from its runs' parts, a
calibration's cannot be (its simulations live only there). A damaged catalogue says
nothing, so a calibration's folder is also known by its layout: ``particles/`` (made
with the catalogue) or ``calibration.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PART = "part.parquet"


@dataclass(frozen=True)
class View:
    """A view over a folder's Parquet parts, ``out/TABLE/KEY=N/part.parquet``.

    Attributes:
        table: The view's name, and the subfolder that holds its parts.
        key: The partition key (``run_id``, ``generation``).
        finished: SQL on the catalogue giving the keys whose parts are complete; the
            view shows only those, so a part written by a killed process stays unseen.
    """

    table: str
    key: str
    finished: str

    def sql(self, out: Path, temp: bool = False) -> str:
        """SQL creating (or replacing) the view over the parts in ``out``."""
        glob = str(out.resolve() / self.table / "*" / PART).replace("'", "''")
        kind = "TEMP VIEW" if temp else "VIEW"
        return (
            f"CREATE OR REPLACE {kind} {self.table} AS SELECT * FROM read_parquet('{glob}', "
            f"hive_partitioning = true, hive_types = {{'{self.key}': BIGINT}}) "
            f"WHERE {self.key} IN ({self.finished})"
        )

    def has_parts(self, out: Path) -> bool:
        """Whether ``out`` holds any part of this view (DuckDB refuses a glob of none)."""
        return any((out / self.table).glob(f"*/{PART}"))


@dataclass(frozen=True)
class Kind:
    """A kind of experiment folder.

    Attributes:
        name: ``"sweep"`` or ``"calibration"``, as stored in ``experiment_info``.
        info: Its table of facts (key, value): the fingerprint, the file, the scenario.
        tables: The tables every catalogue of this kind holds.
        views: The views over its Parquet parts.
        hint: The tables a query may read, for messages.
        marks: Entries of the folder that say this kind when the catalogue cannot
            (a trailing ``/``: a folder).
        advice: What to do with a damaged catalogue; ``{folder}`` is the folder.
    """

    name: str
    info: str
    tables: frozenset[str]
    views: tuple[View, ...]
    hint: str
    marks: tuple[str, ...]
    advice: str

    def damaged(self, db: Path, reason: str) -> str:
        """The one-line message for the catalogue ``db`` that does not read, with the fix."""
        return f"{db}: damaged ({reason}); " + self.advice.format(folder=db.parent)

    def laid_out(self, folder: Path) -> bool:
        """Whether ``folder`` holds one of this kind's marks."""
        return any(
            (folder / m.rstrip("/")).is_dir() if m.endswith("/") else (folder / m).is_file()
            for m in self.marks
        )


SWEEP = Kind(
    name="sweep",
    info="sweep_info",
    tables=frozenset({"sweep_info", "runs"}),
    views=tuple(
        View(t, "run_id", "SELECT run_id FROM runs WHERE status = 'done'")
        for t in ("metrics", "agents")
    ),
    hint="tables: runs, metrics, agents, design, sweep_info",
    marks=(),
    advice=(
        "rebuild it from the runs' parts with scoresim sweep FILE --out {folder} --rebuild "
        "(the damaged file is kept beside it)"
    ),
)

CALIBRATION = Kind(
    name="calibration",
    info="calibration_info",
    tables=frozenset({"calibration_info", "simulations", "generations"}),
    views=(View("particles", "generation", "SELECT generation FROM generations"),),
    hint="tables: simulations, particles, generations, predictive, noise, coverage, calibration_info",
    marks=("particles/", "calibration.json"),
    advice=(
        "a calibration's catalogue cannot be rebuilt: move the folder {folder} aside and "
        "rerun scoresim calibrate FILE --out {folder}, which starts the calibration again"
    ),
)

KINDS = {kind.name: kind for kind in (SWEEP, CALIBRATION)}
