"""Dispatch benchmark: Northline's recommendations against "nearest available unit".

Run ``.venv/bin/python benchmarks/dispatch.py [--seeds N | --quick] [--json PATH]``. It prints;
it asserts nothing.

For each seed 1..N of the default scenario (``scenarios/emerson.toml`` and its ``[[assets]]``)
the scenario is simulated, written and ingested (``northline.demo`` ``prepare``, into a
temporary directory) and run through the replay pipeline once; then the same alerts, tracks
and ground truth go to :func:`northline.response.simulate_response` twice: ``northline``
(``assign`` over the open alerts, aiming at the intercept point) and ``nearest``
(``nearest_available``, chasing the target). A simulated operator accepts every top
recommendation after 20 s. Both policies steer by the same knowledge of the mover (a tasked
drone's sighting, else the tracker's latest update while fresh, else dead reckoning; see
``northline/response/_simulate.py``); interception is against the truth. Per seed it prints
the incidents (one per alerted track), the interceptions over true targets and the mean time
from alert to interception for each policy; then the totals (pooled over seeds), their
ratios, the share of seeds each policy wins on each measure, and how much of the response
went on drone sightings and on dead reckoning.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from northline.demo._run import fresh_store_path, prepare
from northline.response import ResponseRun, load_assets, simulate_response
from northline.store import SQLiteStore

POLICIES = ("northline", "nearest")
_NIGHT_UTC_HOURS = frozenset(range(0, 13))  # Manitoba (UTC-6) between 18:00 and 07:00


def run_seed(seed: int, work: Path) -> dict[str, Any]:
    """One seed: simulate, ingest, track, then both policies on the same alerts."""
    t0 = time.perf_counter()
    out = work / f"seed-{seed}"
    out.mkdir(parents=True, exist_ok=True)
    with SQLiteStore(fresh_store_path(out)) as store:
        prep = prepare(None, out, store, seed=seed)
    result = prep.pipeline().run(prep.observations)
    t_track = time.perf_counter() - t0
    sim = prep.sim
    assets = load_assets({"assets": list(prep.scenario.assets)})
    night = int((sim.truth.start_s % 86_400) // 3600) in _NIGHT_UTC_HOURS
    runs: dict[str, ResponseRun] = {}
    t1 = time.perf_counter()
    for policy in POLICIES:
        runs[policy] = simulate_response(
            result.alerts,
            result.track_updates,
            sim.truth,
            assets,
            policy=policy,  # type: ignore[arg-type]
            frame=sim.sector.frame,
            ports=tuple(sim.sector.ports),
            night=night,
            bounds_m=sim.sector.extent_local.bounds,
        )
    return {
        "seed": seed,
        "alerts": len(result.alerts),
        "assets": len(assets),
        "policies": {p: r.to_dict() for p, r in runs.items()},
        "timings_s": {
            "simulate_and_track": round(t_track, 3),
            "response": round(time.perf_counter() - t1, 3),
        },
    }


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else math.nan


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Pooled figures per policy, their ratios (northline / nearest) and the seeds won."""
    out: dict[str, Any] = {"policies": {}, "ratios": {}, "wins": {}}
    for p in POLICIES:
        figs = [r["policies"][p] for r in rows]
        times = [t for f in figs for t in f["times_to_intercept_s"]]
        true = sum(f["true_targets"] for f in figs)
        caught = sum(f["intercepted"] for f in figs)
        out["policies"][p] = {
            "incidents": sum(f["incidents"] for f in figs),
            "true_targets": true,
            "intercepted": caught,
            "lost": sum(f["lost"] for f in figs),
            "turned_back": sum(f["turned_back"] for f in figs),
            "false_alarm": sum(f["false_alarm"] for f in figs),
            "drone_sightings": sum(f["drone_sightings"] for f in figs),
            "drone_watch_s": round(sum(f["drone_watch_s"] for f in figs), 3),
            "dead_reckoning_s": round(sum(f["dead_reckoning_s"] for f in figs), 3),
            "interception_rate": caught / true if true else None,
            "mean_time_to_intercept_s": _none(_mean(times)),
        }
    a, b = out["policies"]["northline"], out["policies"]["nearest"]
    for key in ("interception_rate", "mean_time_to_intercept_s"):
        x, y = a[key], b[key]
        out["ratios"][key] = x / y if x is not None and y else None
    rate_wins = time_wins = 0
    for r in rows:
        n, m = r["policies"]["northline"], r["policies"]["nearest"]
        if (n["interception_rate"] or 0.0) > (m["interception_rate"] or 0.0):
            rate_wins += 1
        tn, tm = n["mean_time_to_intercept_s"], m["mean_time_to_intercept_s"]
        if tn is not None and (tm is None or tn < tm):
            time_wins += 1
    k = len(rows)
    out["wins"] = {
        "seeds": k,
        "northline_higher_interception_rate": rate_wins,
        "northline_lower_mean_time_to_intercept": time_wins,
        "share_interception_rate": rate_wins / k if k else None,
        "share_mean_time_to_intercept": time_wins / k if k else None,
    }
    return out


def _none(x: float) -> float | None:
    return None if math.isnan(x) else x


def _fmt_t(x: float | None) -> str:
    return "—" if x is None else f"{x:7.0f} s"


def _fmt_rate(f: dict[str, Any]) -> str:
    return f"{f['intercepted']:>3}/{f['true_targets']:<3}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seeds", type=int, default=20, help="seeds 1..N (default 20)")
    ap.add_argument("--quick", action="store_true", help="two seeds")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args(argv)
    n = 2 if args.quick else args.seeds
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    print(
        f"{'seed':>4} {'alerts':>6} {'incid.':>6}  {'northline caught':>16} {'mean TTI':>9}"
        f"  {'nearest caught':>14} {'mean TTI':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="northline-dispatch-") as tmp:
        for seed in range(1, n + 1):
            row = run_seed(seed, Path(tmp))
            rows.append(row)
            a, b = row["policies"]["northline"], row["policies"]["nearest"]
            print(
                f"{seed:>4} {row['alerts']:>6} {a['incidents']:>6}  {_fmt_rate(a):>16} "
                f"{_fmt_t(a['mean_time_to_intercept_s']):>9}  {_fmt_rate(b):>14} "
                f"{_fmt_t(b['mean_time_to_intercept_s']):>9}",
                flush=True,
            )
    tot = totals(rows)
    print()
    for p in POLICIES:
        f = tot["policies"][p]
        rate = f["interception_rate"]
        print(
            f"{p:>9}: intercepted {f['intercepted']}/{f['true_targets']} true targets "
            f"({'—' if rate is None else f'{rate:.1%}'}), lost {f['lost']}, turned back "
            f"{f['turned_back']}, false alarms {f['false_alarm']} of {f['incidents']} "
            f"incidents; mean time to intercept {_fmt_t(f['mean_time_to_intercept_s']).strip()}"
            f"; {f['drone_sightings']} incidents seen by a tasked drone "
            f"({f['drone_watch_s']:.0f} s), {f['dead_reckoning_s']:.0f} s on dead reckoning"
        )
    r, w = tot["ratios"], tot["wins"]
    rr, rt = r["interception_rate"], r["mean_time_to_intercept_s"]
    print(
        f"northline / nearest: interception rate ×{'—' if rr is None else f'{rr:.2f}'}, "
        f"mean time to intercept ×{'—' if rt is None else f'{rt:.2f}'}"
    )
    print(
        f"seeds where northline wins: interception rate {w['northline_higher_interception_rate']}"
        f"/{w['seeds']}, mean time to intercept "
        f"{w['northline_lower_mean_time_to_intercept']}/{w['seeds']}"
    )
    elapsed = time.perf_counter() - t0
    print(f"runtime {elapsed:.1f} s")
    if args.json:
        doc = {"seeds": [row for row in rows], "totals": tot, "runtime_s": round(elapsed, 3)}
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
