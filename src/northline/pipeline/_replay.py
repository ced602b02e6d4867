"""Run the surveillance stages in replay: observations → tracks → crossings and alerts.

Replay is deterministic and as fast as possible. Observations are grouped into scans (one
sensor, one time), converted once to the sector's local frame, and stepped through the
tracker in time order; each step's updated tracks go through the border monitor.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from ..border import BorderConfig, BorderMonitor
from ..geo import Sector
from ..model import (
    DEFAULT_MARKING,
    Alert,
    Crossing,
    Marking,
    ObservationBatch,
    SensorKind,
    TrackBatch,
    TrackState,
)
from ..tracking import Coverage, Tracker, TrackerConfig

__all__ = ["PipelineResult", "ReplayPipeline", "SensorInfo", "Step", "local_positions"]

F8 = npt.NDArray[np.float64]
EVENT_DRIVEN_KINDS = frozenset({SensorKind.UGS, SensorKind.MOBILE, SensorKind.AIS, SensorKind.ADSB})


@dataclass(frozen=True, slots=True)
class SensorInfo:
    """What the pipeline knows of a sensor: where it is and what it covers."""

    sensor_id: str
    kind: SensorKind
    lon: float
    lat: float
    range_m: float  # coverage radius; NaN when not known
    sigma_m: float = float("nan")

    @property
    def event_driven(self) -> bool:
        """Reports only when something is there (no misses can be inferred from silence)."""
        return self.kind in EVENT_DRIVEN_KINDS or not np.isfinite(self.range_m)


@dataclass(frozen=True, slots=True)
class Step:
    """What one scan changed: updated and deleted tracks, crossings and alerts raised."""

    t_s: float
    sensor_id: str
    moved: TrackBatch
    deleted: TrackBatch
    crossings: list[Crossing]
    alerts: list[Alert]


@dataclass
class PipelineResult:
    track_updates: TrackBatch  # every track row that took a detection, plus deletions
    crossings: list[Crossing]
    alerts: list[Alert]
    n_observations: int
    n_outside_sector: int
    n_scans: int
    n_rejected_scans: int
    confirmed_tracks: set[str] = field(default_factory=set)
    elapsed_s: float = 0.0


def local_positions(obs: ObservationBatch, sector: Sector) -> tuple[F8, F8, F8]:
    """x, y (local metres) and 1-sigma of every observation, lon/lat or range/bearing."""
    x, y = sector.frame.to_local(obs.lon, obs.lat)
    sigma = obs.sigma_m.copy()
    polar = obs.is_polar
    if polar.any():
        sx, sy = sector.frame.to_local(obs.sensor_lon[polar], obs.sensor_lat[polar])
        b = np.radians(obs.bearing_deg[polar])
        rng = obs.range_m[polar]
        # Grid north ≈ true north within a sector's extent (tmerc centred on it).
        x[polar] = sx + rng * np.sin(b)
        y[polar] = sy + rng * np.cos(b)
        cross = rng * np.radians(obs.sigma_bearing_deg[polar])
        sigma[polar] = np.sqrt(0.5 * (obs.sigma_range_m[polar] ** 2 + cross**2))
    return x, y, sigma


class ReplayPipeline:
    """One sector's stages wired together for a replay."""

    def __init__(
        self,
        sector: Sector,
        sensors: Mapping[str, SensorInfo] | None = None,
        *,
        tracker: TrackerConfig | None = None,
        border: BorderConfig | None = None,
        marking: Marking = DEFAULT_MARKING,
        default_sigma_m: float = 50.0,
    ) -> None:
        self.sector = sector
        self.sensors = dict(sensors or {})
        self.tracker = Tracker(tracker)
        self.border = BorderMonitor(sector, border, marking=marking)
        self.marking = marking
        self.default_sigma_m = default_sigma_m
        self._coverage: dict[str, Coverage | None] = {}
        self.n_scans = 0
        self.n_outside_sector = 0

    def _coverage_of(self, sensor_id: str) -> tuple[Coverage | None, bool]:
        info = self.sensors.get(sensor_id)
        if info is None:
            return None, True
        if sensor_id not in self._coverage:
            cov = None
            if np.isfinite(info.range_m):
                sx, sy = self.sector.frame.to_local([info.lon], [info.lat])
                cov = Coverage(float(sx[0]), float(sy[0]), info.range_m)
            self._coverage[sensor_id] = cov
        return self._coverage[sensor_id], info.event_driven

    def steps(
        self,
        obs: ObservationBatch,
        progress: Callable[[int, int], None] | None = None,
        *,
        lonlat: bool = False,
    ) -> Iterator[Step]:
        """The scans of ``obs`` in time order, each stepped through the tracker and the border
        monitor as it comes: what a live run publishes scan by scan. Track rows are in the
        sector's local frame; with ``lonlat`` they also carry lon/lat, sector and marking."""
        x, y, sigma = local_positions(obs, self.sector)
        sigma = np.where(np.isfinite(sigma) & (sigma > 0), sigma, self.default_sigma_m)
        ok = np.isfinite(x) & np.isfinite(y)
        ok &= self.sector.contains(
            *self.sector.frame.to_lonlat(np.where(ok, x, 0), np.where(ok, y, 0))
        )
        self.n_outside_sector = int((~ok).sum())
        polar = obs.is_polar
        sensor_x, sensor_y = self.sector.frame.to_local(obs.sensor_lon, obs.sensor_lat)
        idx = np.flatnonzero(ok)
        sensor_codes, sensor_index = np.unique(obs.sensor_id[idx], return_inverse=True)
        order = idx[np.lexsort((sensor_index, obs.t_s[idx]))]
        code_sorted = np.empty(len(obs), np.int64)
        code_sorted[idx] = sensor_index
        t_sorted = obs.t_s[order]
        s_sorted = code_sorted[order]
        cut = np.flatnonzero((np.diff(t_sorted) != 0) | (np.diff(s_sorted) != 0)) + 1
        starts = np.concatenate([[0], cut]).astype(np.int64)
        ends = np.concatenate([cut, [len(order)]]).astype(np.int64)
        self.n_scans = n_scans = len(starts)
        report_every = max(1, n_scans // 200)
        for k, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            sel = order[a:b]
            t_s = float(t_sorted[a])
            sensor_id = str(sensor_codes[s_sorted[a]])
            coverage, event_driven = self._coverage_of(sensor_id)
            if polar[sel].all():
                # Range/bearing from one sensor: the tracker linearises each pair (EKF).
                res = self.tracker.step_polar(
                    t_s,
                    np.column_stack([obs.range_m[sel], np.radians(obs.bearing_deg[sel])]),
                    obs.sigma_range_m[sel],
                    np.radians(obs.sigma_bearing_deg[sel]),
                    (float(sensor_x[sel[0]]), float(sensor_y[sel[0]])),
                    coverage=coverage,
                    event_driven=event_driven,
                )
            else:
                res = self.tracker.step(
                    t_s,
                    np.column_stack([x[sel], y[sel]]),
                    sigma[sel],
                    coverage=coverage,
                    event_driven=event_driven,
                )
            if progress is not None and (k % report_every == 0 or k == n_scans - 1):
                progress(k + 1, n_scans)
            if res.rejected:
                continue
            moved = res.tracks.take(res.updated)
            crossings: list[Crossing] = []
            alerts: list[Alert] = []
            if len(moved):
                events = self.border.observe(moved)
                crossings, alerts = list(events.crossings), list(events.alerts)
            if len(res.deleted):
                self.border.forget(res.deleted.track_id)
            if lonlat:
                moved, deleted = self.geographic(moved), self.geographic(res.deleted)
            else:
                deleted = res.deleted
            yield Step(t_s, sensor_id, moved, deleted, crossings, alerts)

    def geographic(self, tracks: TrackBatch) -> TrackBatch:
        """Track rows with lon/lat, the sector's name and the pipeline's marking filled in."""
        lon, lat = self.sector.frame.to_lonlat(tracks.x_m, tracks.y_m)
        n = len(tracks)
        return replace(
            tracks,
            lon=lon,
            lat=lat,
            sector=np.full(n, self.sector.name, dtype=object),
            agency=np.full(n, self.marking.agency, dtype=object),
            releasability=np.full(n, self.marking.releasability, dtype=object),
        )

    def run(
        self,
        obs: ObservationBatch,
        progress: Callable[[int, int], None] | None = None,
    ) -> PipelineResult:
        start = time.perf_counter()
        updates: list[TrackBatch] = []
        crossings: list[Crossing] = []
        alerts: list[Alert] = []
        confirmed: set[str] = set()
        for step in self.steps(obs, progress):
            moved = step.moved
            if len(moved):
                updates.append(moved)
                crossings.extend(step.crossings)
                alerts.extend(step.alerts)
                confirmed.update(moved.track_id[moved.state == TrackState.CONFIRMED.value].tolist())
            if len(step.deleted):
                updates.append(step.deleted)
        return PipelineResult(
            track_updates=self.geographic(TrackBatch.concat(updates)),
            crossings=crossings,
            alerts=alerts,
            n_observations=len(obs),
            n_outside_sector=self.n_outside_sector,
            n_scans=self.n_scans,
            n_rejected_scans=self.tracker.rejected_scans,
            confirmed_tracks=confirmed,
            elapsed_s=time.perf_counter() - start,
        )
