"""The dispatch benchmark runs and reports both policies consistently (never its quality)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "dispatch.py"
POLICIES = {"northline", "nearest"}
OUTCOMES = ("intercepted", "lost", "turned_back", "false_alarm")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench") / "dispatch.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, json.loads(out.read_text(encoding="utf-8"))


def test_quick_run_covers_two_seeds_and_both_policies(report: tuple[str, dict[str, Any]]) -> None:
    _, doc = report
    assert [row["seed"] for row in doc["seeds"]] == [1, 2]
    for row in doc["seeds"]:
        assert set(row["policies"]) == POLICIES
        assert row["alerts"] >= 0
        incidents = {p["incidents"] for p in row["policies"].values()}
        assert len(incidents) == 1  # the same alerts for both policies
        assert incidents.pop() <= row["alerts"]
    assert set(doc["totals"]["policies"]) == POLICIES
    assert doc["runtime_s"] > 0


def test_counts_are_consistent(report: tuple[str, dict[str, Any]]) -> None:
    _, doc = report
    for row in doc["seeds"]:
        for fig in row["policies"].values():
            assert sum(fig[k] for k in OUTCOMES) == fig["incidents"]
            assert fig["true_targets"] == fig["incidents"] - fig["false_alarm"]
            assert len(fig["times_to_intercept_s"]) == fig["intercepted"]
            assert fig["decisions"] >= (fig["intercepted"] > 0)
            if fig["true_targets"]:
                assert fig["interception_rate"] == pytest.approx(
                    fig["intercepted"] / fig["true_targets"], abs=1e-3
                )
    for name, tot in doc["totals"]["policies"].items():
        per_seed = [row["policies"][name] for row in doc["seeds"]]
        for key in ("incidents", "true_targets", "drone_sightings", *OUTCOMES):
            assert tot[key] == sum(f[key] for f in per_seed)
        for key in ("drone_watch_s", "dead_reckoning_s"):
            assert tot[key] == pytest.approx(sum(f[key] for f in per_seed), abs=1e-2)
    for row in doc["seeds"]:
        for fig in row["policies"].values():
            assert 0 <= fig["drone_sightings"] <= fig["incidents"]
            assert fig["drone_watch_s"] >= 5.0 * fig["drone_sightings"]  # a step each at least
    wins = doc["totals"]["wins"]
    assert wins["seeds"] == 2
    assert 0 <= wins["northline_higher_interception_rate"] <= 2
    assert 0 <= wins["northline_lower_mean_time_to_intercept"] <= 2
    assert set(doc["totals"]["ratios"]) == {"interception_rate", "mean_time_to_intercept_s"}


def test_prints_per_seed_rows_totals_and_wins(report: tuple[str, dict[str, Any]]) -> None:
    out, _ = report
    lines = out.splitlines()
    assert lines[0].split()[0] == "seed"
    assert [ln.split()[0] for ln in lines[1:3]] == ["1", "2"]
    for name in POLICIES:
        assert any(ln.strip().startswith(f"{name}: intercepted") for ln in lines)
    assert any("northline / nearest" in ln for ln in lines)
    assert any(ln.startswith("seeds where northline wins") for ln in lines)
