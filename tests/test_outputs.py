"""Never destroy what scoresim did not write: every command that writes, every kind of target.

Each refusal is one line, exit code 2, and leaves the target exactly as it was.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import scoresim
from scoresim.cli.app import app
from scoresim.errors import OutputError
from scoresim.results.run import FILES

WRITTEN = set(FILES) - {"people.parquet"}  # written only when people are followed

runner = CliRunner()
SMALL = ["--agents", "200", "--steps", "2", "-q"]


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def one_line_refusal(res: Any, fragment: str) -> None:
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "Traceback" not in res.output, res.output
    assert fragment in res.output, res.output


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under root (root included) with its bytes (None for folders)."""
    out: dict[str, bytes | None] = {}
    for p in [root, *sorted(root.rglob("*"))]:
        out[str(p.relative_to(root.parent))] = p.read_bytes() if p.is_file() else None
    return out


def test_a_folder_of_the_users_is_never_replaced(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    (victim / "thesis").mkdir(parents=True)
    (victim / "thesis" / "ch1.txt").write_text("notes")
    before = snapshot(victim)
    res = invoke("run", "seed", *SMALL, "--out", str(victim))
    one_line_refusal(res, "holds files scoresim did not write (thesis)")
    assert snapshot(victim) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim"]  # nothing left beside


def test_a_run_folder_with_a_file_added_by_hand_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert invoke("run", "seed", *SMALL, "--out", str(out)).exit_code == 0
    (out / "my-notes.md").write_text("keep me")
    res = invoke("run", "seed", *SMALL, "--out", str(out))
    one_line_refusal(res, "(agents.parquet, metrics.parquet, my-notes.md, ...)")
    assert (out / "my-notes.md").read_text() == "keep me"


@pytest.mark.parametrize("kind", ["file", "fifo", "symlink", "cwd", "under a file"])
def test_files_devices_links_and_the_current_folder_are_refused(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "target"
    if kind == "file":
        target.write_text("x")
        fragment = "exists and is a file, not a run folder"
    elif kind == "fifo":
        os.mkfifo(target)
        fragment = "a device, FIFO or socket"
    elif kind == "symlink":
        real = tmp_path / "real"
        scoresim.simulate("seed", agents=200, steps=2).save(real)
        target.symlink_to(real)
        fragment = "is a symbolic link"
    elif kind == "cwd":
        target.mkdir()
        (target / "work.txt").write_text("x")
        monkeypatch.chdir(target)
        target = Path(".")
        fragment = "is the current folder or holds it"
    else:
        (tmp_path / "plain").write_text("x")
        target = tmp_path / "plain" / "run"
        fragment = "is a file, not a folder"
    before = snapshot(tmp_path)
    res = invoke("run", "seed", *SMALL, "--out", str(target))
    one_line_refusal(res, fragment)
    assert snapshot(tmp_path) == before  # no ..old.XXXX, no lock, nothing changed
    if kind == "fifo":
        assert stat.S_ISFIFO(os.lstat(tmp_path / "target").st_mode)


def test_its_own_run_folder_is_replaced_and_readable_by_others(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()  # an empty folder is fine too
    assert invoke("run", "seed", *SMALL, "--seed", "1", "--out", str(out)).exit_code == 0
    first = (out / "metrics.parquet").read_bytes()
    assert invoke("run", "seed", *SMALL, "--seed", "2", "--out", str(out)).exit_code == 0
    assert (out / "metrics.parquet").read_bytes() != first
    assert sorted(p.name for p in out.iterdir()) == sorted(WRITTEN)
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask  # not mkdtemp's 0700
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_the_library_save_keeps_the_same_rule(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("1,2")
    result = scoresim.simulate("seed", agents=200, steps=2)
    with pytest.raises(OutputError, match="holds files scoresim did not write"):
        result.save(tmp_path)
    assert (tmp_path / "data.csv").read_text() == "1,2"


def test_demo_and_compare_check_every_folder_before_running(tmp_path: Path) -> None:
    (tmp_path / "seed").mkdir()
    (tmp_path / "seed" / "mine.txt").write_text("x")
    res = invoke("demo", *SMALL, "--out", str(tmp_path))
    one_line_refusal(res, "holds files scoresim did not write (mine.txt)")
    assert not (tmp_path / "baseline").exists()  # refused before the first run, not after
    res = invoke("compare", "baseline", "seed", "--agents", "200", "--steps", "2", "-q",
                 "--out", str(tmp_path))  # fmt: skip
    one_line_refusal(res, "holds files scoresim did not write (mine.txt)")
    assert not (tmp_path / "baseline").exists()


def test_two_commands_cannot_write_the_same_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    ready = tmp_path / "ready"
    holder = (
        "import sys, time, pathlib; from scoresim.results import outputs\n"
        "with outputs.claim(pathlib.Path(sys.argv[1])):\n"
        "    pathlib.Path(sys.argv[2]).write_text('1'); time.sleep(30)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", holder, str(out), str(ready)])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        res = invoke("run", "seed", *SMALL, "--out", str(out))
        one_line_refusal(res, "another scoresim command is writing it now")
    finally:
        proc.kill()
        proc.wait()
    assert invoke("run", "seed", *SMALL, "--out", str(out)).exit_code == 0  # lock released


def test_sweep_report_figures_and_schema_follow_the_rule(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "paper.tex").write_text("x")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("scenario: seed\nagents: 200\nsteps: 2\nparameters:\n"
                     "  scoring.points.criticise_government: [-50, 0]\n")  # fmt: skip
    one_line_refusal(invoke("sweep", str(sweep), "--out", str(mine), "-q"),
                     "holds files that are not a sweep's (paper.tex)")  # fmt: skip
    assert sorted(p.name for p in mine.iterdir()) == ["paper.tex"]

    run = tmp_path / "run"
    scoresim.simulate("seed", agents=300, steps=3).save(run)
    letter = tmp_path / "letter.html"
    letter.write_text("<html>my letter</html>")
    one_line_refusal(invoke("report", str(run), "--out", str(letter)),
                     "exists and was not written by scoresim")  # fmt: skip
    assert letter.read_text() == "<html>my letter</html>"
    report, figures = tmp_path / "report.html", tmp_path / "figures"
    for _ in range(2):  # its own report and figures are replaced
        res = invoke("report", str(run), "--out", str(report), "--figures", str(figures))
        assert res.exit_code == 0, res.output
    one_line_refusal(invoke("report", str(run), "--out", str(report), "--figures", str(mine)),
                     "--figures")  # fmt: skip
    assert sorted(p.name for p in mine.iterdir()) == ["paper.tex"]

    schema = tmp_path / "schema.json"
    for _ in range(2):
        assert invoke("scenarios", "schema", "--out", str(schema)).exit_code == 0
    one_line_refusal(invoke("scenarios", "schema", "--out", str(mine / "paper.tex")),
                     "was not written by scoresim")  # fmt: skip
    assert (mine / "paper.tex").read_text() == "x"


def test_sensitivity_figure_is_checked_before_the_work_and_may_go_to_a_new_folder(
    tmp_path: Path,
) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("scenario: baseline\nagents: 300\nsteps: 2\nseed: 1\ndesign: morris\n"
                     "samples: 4\nparameters:\n"
                     "  behaviours.jaywalk.base_rate.urban: {low: 0.01, high: 0.2}\n"
                     "  behaviours.flashy_purchase.base_rate.urban: {low: 0.01, high: 0.2}\n"
                     "outputs: [rate.jaywalk]\n")  # fmt: skip
    out = tmp_path / "out"
    assert invoke("sweep", str(sweep), "--out", str(out), "-q").exit_code == 0
    one_line_refusal(invoke("sensitivity", str(out), "--figure", str(tmp_path / "s.jpg")),
                     "give a .png or .svg file name")  # fmt: skip
    photo = tmp_path / "holiday.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\nmine")
    one_line_refusal(invoke("sensitivity", str(out), "--figure", str(photo)),
                     "was not written by scoresim")  # fmt: skip
    assert photo.read_bytes() == b"\x89PNG\r\n\x1a\nmine"
    new = tmp_path / "figs" / "deep" / "s.svg"
    res = invoke("sensitivity", str(out), "--figure", str(new))
    assert res.exit_code == 0, res.output
    assert b"scoresim" in new.read_bytes()[:4096]
    assert invoke("sensitivity", str(out), "--figure", str(new)).exit_code == 0  # its own


def test_only_the_exact_marks_scoresim_writes_make_a_file_its_own(tmp_path: Path) -> None:
    from scoresim.results import outputs

    notes = tmp_path / "notes.md"
    notes.write_text("# notes\nRan scoresim on seed.\n")
    readme = tmp_path / "README.md"
    readme.write_text("# scoresim\nscoresim (drawn with Matplotlib) content=scoresim\n")
    run = tmp_path / "run"
    scoresim.simulate("seed", agents=200, steps=2).save(run)
    for target in (notes, readme):
        before = target.read_bytes()
        one_line_refusal(invoke("report", str(run), "--out", str(target)),
                         "was not written by scoresim")  # fmt: skip
        one_line_refusal(invoke("scenarios", "schema", "--out", str(target)),
                         "was not written by scoresim")  # fmt: skip
        assert target.read_bytes() == before
    for mark in outputs.MARKS:  # each writer's own mark is still recognised
        own = tmp_path / "own"
        own.write_bytes(b"x" * 100 + mark)
        assert outputs.written_by_scoresim(own)


@pytest.mark.parametrize("kind", ["folder", "symlink"])
def test_a_run_file_name_that_is_not_a_regular_file_is_never_replaced(
    tmp_path: Path, kind: str
) -> None:
    out = tmp_path / "r2"
    assert invoke("run", "seed", *SMALL, "--out", str(out)).exit_code == 0
    (out / "metrics.parquet").unlink()
    if kind == "folder":
        (out / "metrics.parquet").mkdir()
        (out / "metrics.parquet" / "data.csv").write_text("mine")
    else:
        (tmp_path / "elsewhere.txt").write_text("mine")
        (out / "metrics.parquet").symlink_to(tmp_path / "elsewhere.txt")
    before = snapshot(tmp_path)
    one_line_refusal(invoke("run", "seed", *SMALL, "--out", str(out)),
                     "holds files scoresim did not write")  # fmt: skip
    assert snapshot(tmp_path) == before


def test_the_schema_is_checked_again_under_the_lock_and_never_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import contextmanager

    from scoresim.results import outputs

    schema = tmp_path / "schema.json"
    assert invoke("scenarios", "schema", "--out", str(schema)).exit_code == 0
    copy = tmp_path / "copy.json"  # a hard link to it: written in place, it changes too
    os.link(schema, copy)
    original = copy.read_bytes()
    assert invoke("scenarios", "schema", "--out", str(schema)).exit_code == 0
    assert copy.read_bytes() == original
    assert os.stat(schema).st_ino != os.stat(copy).st_ino  # a new file was put in place

    thesis = tmp_path / "thesis.txt"
    thesis.write_text("mine")
    real_claim = outputs.claim

    @contextmanager
    def claim_after_a_swap(path: Path, flag: str = "--out") -> Any:
        schema.unlink()  # between the first check and the lock, a link takes its place
        schema.symlink_to(thesis)
        with real_claim(path, flag):
            yield

    monkeypatch.setattr(outputs, "claim", claim_after_a_swap)
    one_line_refusal(invoke("scenarios", "schema", "--out", str(schema)),
                     "is a symbolic link")  # fmt: skip
    assert thesis.read_text() == "mine"
    assert schema.is_symlink()


def test_a_path_through_dot_dot_replaces_its_run_folder_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("run", "seed", *SMALL, "--out", "real").exit_code == 0
    for _ in range(2):
        res = invoke("run", "seed", *SMALL, "--out", "./real/../real")
        assert res.exit_code == 0, res.output
        assert sorted(p.name for p in tmp_path.iterdir()) == ["real"]
        assert sorted(p.name for p in (tmp_path / "real").iterdir()) == sorted(WRITTEN)


def test_the_old_folder_is_moved_back_if_the_new_one_cannot_go_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoresim.results import outputs, ownership

    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text("old")
    real_replace = os.replace
    calls: list[object] = []

    def failing_second(src: Any, dst: Any) -> None:
        calls.append(src)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    with ownership.staging(out) as new:
        new.mkdir()
        (new / "run.json").write_text("new")
        monkeypatch.setattr(os, "replace", failing_second)
        with pytest.raises(OSError):
            outputs.put_in_place(new, out)
        monkeypatch.undo()
    assert (out / "run.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_another_thread_cannot_write_what_a_thread_holds(tmp_path: Path) -> None:
    import threading

    from scoresim.results import outputs

    target = tmp_path / "U"
    result = scoresim.simulate("seed", agents=200, steps=2)
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with outputs.claim(target):
            holding.set()
            done.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(30)
        with pytest.raises(OutputError, match="another scoresim command is writing it now"):
            result.save(target)
        with outputs.claim(tmp_path / "other"):  # another target is free
            pass
    finally:
        done.set()
        holder.join()
    assert not target.exists()
    result.save(target)  # free again once the holder has let go
    with outputs.claim(target), outputs.claim(target):  # re-entrant in one thread
        pass


def test_the_library_save_names_a_path_it_cannot_write_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = scoresim.simulate("seed", agents=200, steps=2)
    for bad in (b"x", 3, None):
        with pytest.raises(OutputError, match="give the run folder as a str or a path") as info:
            result.save(bad)  # type: ignore[arg-type]
        assert "\n" not in str(info.value)
    with pytest.raises(OutputError, match=r"^/proc/x: cannot write the run folder \(") as info:
        result.save("/proc/x")
    assert "\n" not in str(info.value)
    monkeypatch.chdir(tmp_path)
    assert result.save("a/../a") == Path("a")  # a path through .. is written by its name
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(WRITTEN)
