"""The live run: scans paced by event time at a chosen speed, published as they happen."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from northline.model import InvalidInput, ObservationBatch, SensorKind, TrackUpdate
from northline.pipeline import ReplayPipeline, SensorInfo, run_live
from northline.store import SQLiteStore
from test_pipeline import GEOD, TOWER_LAT, TOWER_LON, _sector, _walker


def _obs() -> ObservationBatch:
    rng = np.random.default_rng(4)
    t, lon, lat = _walker()
    n = len(t)
    e, nn = rng.normal(0, 10, n), rng.normal(0, 10, n)
    lon_m, lat_m, _ = GEOD.fwd(lon, lat, np.degrees(np.arctan2(e, nn)), np.hypot(e, nn))
    return ObservationBatch.from_columns(
        {
            "t_s": t,
            "sensor_id": ["TWR"] * n,
            "sensor_kind": ["tower"] * n,
            "lon": lon_m,
            "lat": lat_m,
            "sigma_m": np.full(n, 10.0),
        },
        n=n,
    )


def _pipeline() -> ReplayPipeline:
    sensors = {"TWR": SensorInfo("TWR", SensorKind.TOWER, TOWER_LON, TOWER_LAT, 8000.0)}
    return ReplayPipeline(_sector(), sensors)


class VirtualClock:
    """Wall-clock time that moves only when the run sleeps: pacing is checked exactly."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize("speed", [1.0, 20.0])
def test_live_run_paces_scans_by_event_time(speed: float, tmp_path: object) -> None:
    obs = _obs()
    clock = VirtualClock()
    seen: list[tuple[float, str, object]] = []
    replay = _pipeline().run(obs)

    def publish(kind: str, record: object) -> None:
        seen.append((clock.now, kind, record))

    with SQLiteStore(tmp_path / "live.db") as store:  # type: ignore[operator]
        counts = asyncio.run(
            run_live(
                _pipeline(),
                obs,
                publish,
                speed=speed,
                store=store,
                clock=clock,
                sleep=clock.sleep,
            )
        )
        stored = store.counts()
    tracks = [(wall, r) for wall, k, r in seen if k == "track"]
    assert all(isinstance(r, TrackUpdate) for _, r in tracks)
    # Each track row is published when its scan's time comes, at `speed` times real time.
    t0_event, t0_wall = float(obs.t_s.min()), 1000.0
    for wall, r in tracks:
        assert isinstance(r, TrackUpdate)
        assert wall == pytest.approx(t0_wall + (r.t_s - t0_event) / speed)
    # The same tracks, crossings and alerts as the replay, in the store as well.
    assert counts.track_updates == len(replay.track_updates) == stored["track_updates"]
    assert counts.crossings == len(replay.crossings) == stored["crossings"] >= 1
    assert [r.alert_id for _, k, r in seen if k == "alert"] == [a.alert_id for a in replay.alerts]
    assert counts.max_lag_s == 0.0


def test_live_run_stops_when_asked() -> None:
    stop = asyncio.Event()
    n = [0]

    def publish(kind: str, record: object) -> None:
        n[0] += 1
        if n[0] == 5:
            stop.set()

    clock = VirtualClock()
    counts = asyncio.run(
        run_live(_pipeline(), _obs(), publish, clock=clock, sleep=clock.sleep, stop=stop)
    )
    assert 0 < counts.scans < 300


def test_speed_must_be_positive() -> None:
    with pytest.raises(InvalidInput):
        asyncio.run(run_live(_pipeline(), _obs(), lambda k, r: None, speed=0))
