"""Smoke tests: each benchmark runs at its smallest size and prints its table (no timing asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scoresim.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_benchmark_table_at_the_smallest_sizes(tmp_path: Path) -> None:
    out = tmp_path / "rows.json"
    res = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--smallest",
            "--steps",
            "2",
            "--json-out",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    lines = res.stdout.splitlines()
    assert lines[0].startswith("machine: ") and "NumPy" in lines[0]
    assert lines[1].split()[:3] == ["model", "agents", "steps"]
    assert lines[2].startswith("seed") and lines[3].startswith("epstein 40")
    rows = json.loads(out.read_text())
    assert rows[0]["agents"] == 10_000 and rows[1]["agents"] > 1000
    assert all(r["agent_steps_per_second"] > 0 and r["peak_rss_bytes"] > 0 for r in rows)


def test_bench_command_reports_the_documented_keys() -> None:
    res: Any = runner.invoke(app, ["bench", "seed", "--agents", "2000", "--steps", "3", "--json"])
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert set(r) == {
        "model",
        "agents",
        "steps",
        "setup_seconds",
        "seconds",
        "seconds_per_step",
        "agent_steps_per_second",
        "peak_rss_bytes",
    }
    assert r["model"] == "seed" and r["agents"] == 2000 and r["steps"] == 3
    assert (
        r["seconds_per_step"] * 3 == r["seconds"]
        or abs(r["seconds_per_step"] * 3 - r["seconds"]) < 1e-3
    )
    res = runner.invoke(app, ["bench", "epstein", "--size", "20", "--steps", "5"])
    assert res.exit_code == 0 and "agent-steps per second" in res.output
    for args, message in (
        (["epstein", "--agents", "10"], "use --size L"),
        (["seed", "--size", "10"], "use --agents N"),
        (["epstein", "--size", "3"], "--size: 3 is out of range"),
        (["seed", "--agents", "0"], "agents: 0 is out of range"),
    ):
        res = runner.invoke(app, ["bench", *args])
        assert res.exit_code == 2 and message in res.output, res.output


def _script(name: str, *args: str) -> list[str]:
    """Run a benchmark script at a tiny size; its printed lines."""
    cmd = [sys.executable, str(ROOT / "benchmarks" / name), *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()


def test_phase_bandwidth_and_crn_scripts_run_at_a_tiny_size() -> None:
    phases = _script("phases.py", "--agents", "2000", "--steps", "2")
    assert [line.split()[0] for line in phases[1:]] == [
        "behave", "observe", "score", "consequences", "adapt", "measure"
    ]  # fmt: skip
    bandwidth = _script("bandwidth.py", "--agents", "2000", "--steps", "2", "--copy-gib", "0.01")
    assert bandwidth[0].startswith("copy bandwidth:") and bandwidth[-2].startswith("all ")
    crn = _script("crn_variance.py", "--agents", "500", "--steps", "5", "--seeds", "2")
    assert crn[1].split()[:2] == ["measure", "mean"] and len(crn) == 5


def test_polls_evidence_prints_every_target() -> None:
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "polls_evidence.py"),
                          "--agents", "3000", "--seeds", "2", "--small"],
                         check=True, capture_output=True, text=True, timeout=300)  # fmt: skip
    rows = {line.split()[0]: line.split()[1:] for line in res.stdout.splitlines()[2:8]}
    assert list(rows) == ["approval_direct", "approval_truth", "government_direct",
                          "government_list", "government_truth", "gap"]  # fmt: skip
    assert all(len(cells) == 6 for cells in rows.values())  # mean (sd) for all, urban, rural
    lines = res.stdout.splitlines()
    figures = [
        ln.split()[0] for ln in lines[lines.index("") + 2 : lines.index("", lines.index("") + 1)]
    ]
    assert figures == [
        "approval_direct",
        "approval_neutral",
        "approval_disapproving",
        "government_direct",
        "government_list",
        "government_gap",
        "information_effect_relative",
    ]
    patterns = lines[lines.index("", lines.index("") + 1) + 2 :]
    assert len(patterns) == 6
    for line in patterns:  # the sign printed is the sign of the model's difference
        found = re.search(r"\s(-?\d+\.\d{3}) \(\d+\.\d{3}\)\s+([+-])\s+[+-] \(", line)
        assert found is not None, line
        assert found.group(2) == ("+" if float(found.group(1)) > 0 else "-"), line


def test_follow_cost_prints_each_repeat_and_the_median() -> None:
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "follow_cost.py"),
                          "--agents", "2000", "--follow", "50", "--steps", "2", "--repeats", "2"],
                         check=True, capture_output=True, text=True, timeout=300)  # fmt: skip
    lines = res.stdout.splitlines()
    assert lines[0].startswith("repeat 0: following 50") and lines[1].startswith("repeat 1:")
    assert "nobody" in lines[0] and "looks" in lines[0]
    assert lines[2].startswith("cost of following 50 of 2,000: median")
    assert "the table and the looks alone" in lines[2]


def test_mechanisms_cost_prints_both_rows() -> None:
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "mechanisms_cost.py"),
                          "--agents", "2000", "--steps", "2", "--repeats", "1"],
                         check=True, capture_output=True, text=True, timeout=300)  # fmt: skip
    lines = res.stdout.splitlines()
    assert lines[0].startswith("seed (approval, polls)") and lines[1].startswith("seed without")
    assert lines[2].startswith("cost of approval and polls:")


def test_the_flagship_runs_in_mesa_and_in_scoresim() -> None:
    """benchmarks/vs_mesa/flagship.py at a tiny size (it makes the Mesa environment once)."""
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "vs_mesa" / "flagship.py"),
                          "--seeds", "2", "--agents", "400", "--steps", "35", "--sizes", "400"],
                         check=True, capture_output=True, text=True, timeout=900)  # fmt: skip
    lines = res.stdout.splitlines()
    assert lines[0].startswith("Mesa ") and " on Python " in lines[0]
    table = {line.split()[0]: line for line in lines if line[:1].isalpha()}
    for measure in ("criticism", "falsification", "listed", "travel", "ties"):
        assert measure in table, res.stdout
    speed = [line.split() for line in lines if line.strip().startswith("400")]
    assert len(speed) == 1 and float(speed[0][3]) > 1  # Mesa is slower: the ratio is > 1


def test_memory_parts_and_hash_scripts_run_at_a_tiny_size() -> None:
    memory = _script("memory.py", "--agents", "3000", "--steps", "2")
    assert memory[0] == "seed, 3,000 agents" and memory[1].strip().startswith("imported:")
    assert memory[4].startswith("kept in arrays:") and "net.indices" in " ".join(memory)
    parts = _script("parts.py", "--agents", "3000", "--steps", "3")
    names = [line.split()[0] for line in parts[1:]]
    assert parts[0].startswith("seed, 3,000 agents:")
    assert {"behave", "observe", "score", "measure", "approval", "other"} <= set(names)


def test_the_targets_table_prints_every_row() -> None:
    """``run.py --targets`` (benchmarks/targets.py) at tiny sizes (Mesa's environment too)."""
    lines = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--targets",
                            "--smallest", "--against", str(ROOT / "src")],
                           check=True, capture_output=True, text=True,
                           timeout=1200).stdout.splitlines()  # fmt: skip
    heads = [line.split(".")[0] for line in lines if line[:1].isdigit()]
    assert heads == ["1", "2", "3-5", "6"]
    rows = [line.strip() for line in lines]
    assert sum(r.startswith("this tree") for r in rows) == 3  # rows 2, 3-5 and 6
    assert sum(r.startswith("against") for r in rows) == 3


def test_the_noise_floor_script_prices_and_measures_each_target() -> None:
    """benchmarks/noise_floor.py on the shipped court-list calibration, at a tiny size."""
    file = ROOT / "examples" / "calibration" / "court-blacklist.yaml"
    lines = _script("noise_floor.py", str(file), "--agents", "400", "--replicates", "2")
    assert lines[2].startswith("400 people:") and "simulations per hour on 2" in lines[2]
    rows = {line.split()[0]: line.split() for line in lines[4:]}
    assert {"listed_to_2015", "rail_feb_to_dec_2017", "paid_to_2015"} <= set(rows)
    assert all(len(r) == 4 for r in rows.values())  # name, mean, sd, ratio
