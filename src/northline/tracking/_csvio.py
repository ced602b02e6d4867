"""Plain-CSV tracking in a local metric frame, to compare Northline with any other tracker.

Input columns ``scan,time_s,x_m,y_m`` (optionally ``sigma_m``); output one row per confirmed
track per scan: ``scan,time_s,track_id,x_m,y_m,vx_mps,vy_mps``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

import numpy as np

from ..model import InvalidInput, TrackState
from ._tracker import Tracker, TrackerConfig

__all__ = ["OUTPUT_COLUMNS", "track_csv"]

INPUT_COLUMNS = ("scan", "time_s", "x_m", "y_m")
OUTPUT_COLUMNS = ("scan", "time_s", "track_id", "x_m", "y_m", "vx_mps", "vy_mps")
DEFAULT_SIGMA_M = 10.0


def _read(fh: IO[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    reader = csv.DictReader(fh)
    header = reader.fieldnames or []
    missing = [c for c in INPUT_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(f"detections CSV lacks columns {missing}", field="header")
    rows = list(reader)
    try:
        scan = np.array([int(r["scan"]) for r in rows], dtype=np.int64)
        data = np.array(
            [
                [
                    float(r["time_s"]),
                    float(r["x_m"]),
                    float(r["y_m"]),
                    float(r.get("sigma_m") or DEFAULT_SIGMA_M),
                ]
                for r in rows
            ],
            dtype=np.float64,
        ).reshape(-1, 4)
    except ValueError as exc:
        raise InvalidInput(f"detections CSV has a value that is not a number: {exc}") from exc
    if not np.isfinite(data).all():
        raise InvalidInput("detections CSV has a non-finite value")
    return scan, data[:, 0], data[:, 1:3], data[:, 3]


def _scans(scan: np.ndarray) -> Iterator[np.ndarray]:
    order = np.argsort(scan, kind="stable")
    bounds = np.flatnonzero(np.diff(scan[order])) + 1
    yield from np.split(order, bounds)


def track_csv(
    src: IO[str], dst: IO[str], config: TrackerConfig | None = None, *, sigma_m: float | None = None
) -> int:
    """Track the detections in ``src`` and write confirmed tracks to ``dst``; returns rows."""
    scan, t, xy, sig = _read(src)
    if sigma_m is not None:
        sig = np.full_like(sig, sigma_m)
    tracker = Tracker(config)
    writer = csv.writer(dst, lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    rows = 0
    if len(scan) == 0:
        return 0
    for idx in _scans(scan):
        k = int(scan[idx[0]])
        t_scan = float(t[idx].max())
        res = tracker.step(t_scan, xy[idx], sig[idx])
        tb = res.tracks
        conf = (tb.state == TrackState.CONFIRMED.value) | (tb.state == TrackState.COASTING.value)
        for i in np.flatnonzero(conf).tolist():
            writer.writerow(
                (
                    k,
                    f"{t_scan:.3f}",
                    tb.track_id[i],
                    f"{tb.x_m[i]:.3f}",
                    f"{tb.y_m[i]:.3f}",
                    f"{tb.vx_mps[i]:.3f}",
                    f"{tb.vy_mps[i]:.3f}",
                )
            )
            rows += 1
    return rows
