"""What ``scoresim sweep`` and ``scoresim calibrate`` share: the folder, the engine, the bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from scoresim.cli.common import err
from scoresim.errors import OutputError
from scoresim.experiment.catalogue import check_duckdb_path, check_own_catalogue
from scoresim.experiment.executors import Engine
from scoresim.results import outputs


def check_folder(out_dir: Path) -> None:
    """Refuse an experiment folder before any work or output.

    It is refused when it holds files that are not an experiment's, a catalogue that is
    not scoresim's, or when DuckDB would read its path as another.

    Raises:
        OutputError: in one line, naming the folder.
    """
    outputs.check_sweep_folder(out_dir)
    check_duckdb_path(out_dir, "--out", OutputError)
    check_own_catalogue(out_dir, OutputError)


@contextmanager
def experiment_session(
    out_dir: Path,
    opener: Callable[[], AbstractContextManager[Engine]],
    columns: tuple[ProgressColumn, ...],
    quiet: bool,
) -> Iterator[tuple[Engine, Progress]]:
    """Claim the folder ``out_dir``, open the engine and a progress bar on stderr.

    Args:
        out_dir: The experiment's folder (checked, then held for this process).
        opener: Opens the engine (:func:`scoresim.experiment.executors.choose_engine`).
        columns: The bar's own columns, between the count and the times.
        quiet: No bar.

    Raises:
        OutputError: ``out_dir`` holds files that are not an experiment's, or another
            process holds it.
    """
    check_folder(out_dir)
    with (
        outputs.claim(out_dir),
        opener() as engine,
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            *columns,
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=quiet,
        ) as bar,
    ):
        yield engine, bar
