"""Crossing and approach rules on synthetic tracks whose truth is computed independently."""

from __future__ import annotations

import numpy as np

from northline.border import BorderConfig, BorderMonitor
from northline.geo import PortOfEntry, Sector, builtin_boundary
from northline.model import AlertKind, Direction, TrackBatch

PEMBINA = PortOfEntry("3401", "Pembina", -97.237036, 49.000453)


def _sector() -> Sector:
    return Sector.around("emerson", -97.237, 49.0, builtin_boundary(), ports=[PEMBINA])


def _feed(monitor: BorderMonitor, track_id: str, t, x, y, vx, vy, sigma=8.0, hits0=10):
    crossings, alerts = [], []
    for k in range(len(t)):
        tb = TrackBatch.from_columns(
            {
                "track_id": [track_id],
                "t_s": [t[k]],
                "x_m": [x[k]],
                "y_m": [y[k]],
                "vx_mps": [vx[k]],
                "vy_mps": [vy[k]],
                "sigma_m": [sigma],
                "state": ["confirmed"],
                "hits": [hits0 + k],
            }
        )
        ev = monitor.observe(tb)
        crossings += ev.crossings
        alerts += ev.alerts
    return crossings, alerts


def test_northbound_crossing_time_and_place() -> None:
    s = _sector()
    mon = BorderMonitor(s)
    t = np.arange(0.0, 400.0, 2.0)
    x = np.full_like(t, 8000.0)
    y = -300.0 + 1.5 * t
    crossings, alerts = _feed(mon, "T1", t, x, y, np.zeros_like(t), np.full_like(t, 1.5))
    assert len(crossings) == 1
    c = crossings[0]
    assert c.direction == Direction.USA_TO_CAN
    assert c.port_code == ""
    # Truth, independently: where the straight path reaches latitude 49.0.
    _lon, lat = s.frame.to_lonlat(x, y)
    t_true = float(np.interp(49.0, lat, t))
    assert abs(c.t_s - t_true) < 2.0
    assert abs(c.lat - 49.0) < 1e-5
    assert c.detected_t_s - t_true < 30.0
    assert c.confidence > 0.95
    kinds = [a.kind for a in alerts]
    assert kinds.count(AlertKind.CROSSING) == 1
    assert kinds.count(AlertKind.APPROACH) == 1
    approach = next(a for a in alerts if a.kind == AlertKind.APPROACH)
    assert approach.t_s < t_true
    np.testing.assert_allclose(approach.eta_s, approach.distance_m / 1.5, rtol=0.05)


def test_southbound_vehicle_between_updates_is_interpolated() -> None:
    s = _sector()
    mon = BorderMonitor(s)
    t = np.arange(0.0, 60.0, 2.0)
    y = 200.0 - 12.0 * t  # 24 m between updates
    crossings, _ = _feed(mon, "T2", t, np.full_like(t, -6000.0), y, 0 * t, np.full_like(t, -12.0))
    assert [c.direction for c in crossings] == [Direction.CAN_TO_USA]
    _lon, lat = s.frame.to_lonlat(np.full_like(t, -6000.0), y)
    t_true = float(np.interp(49.0, lat[::-1], t[::-1]))
    assert abs(crossings[0].t_s - t_true) < 0.5


def test_loiterer_that_turns_back_never_crosses() -> None:
    s = _sector()
    mon = BorderMonitor(s)
    t = np.arange(0.0, 600.0, 2.0)
    y = -60.0 - np.abs(t - 300.0) * 1.2  # closest 60 m south of the line, then back
    rng = np.random.default_rng(1)
    y = y + rng.normal(0, 5.0, len(t))
    vy = np.where(t < 300, 1.2, -1.2)
    crossings, alerts = _feed(mon, "T3", t, np.full_like(t, 3000.0), y, 0 * t, vy)
    assert crossings == []
    assert [a.kind for a in alerts] == [AlertKind.APPROACH]


def test_jitter_on_the_line_does_not_make_a_crossing() -> None:
    mon = BorderMonitor(_sector())
    t = np.arange(0.0, 200.0, 2.0)
    rng = np.random.default_rng(2)
    y = np.concatenate([np.full(20, -200.0), rng.normal(0, 6.0, len(t) - 20)])
    crossings, _ = _feed(mon, "T4", t, np.full_like(t, 1000.0), y, 0 * t, 0 * t)
    assert crossings == []


def test_crossing_at_the_port_is_a_transit_without_alert() -> None:
    s = _sector()
    mon = BorderMonitor(s)
    px, _ = s.frame.to_local([PEMBINA.lon], [PEMBINA.lat])
    t = np.arange(0.0, 100.0, 1.0)
    y = -400.0 + 8.0 * t
    crossings, alerts = _feed(mon, "T5", t, np.full_like(t, px[0]), y, 0 * t, 0 * t + 8.0)
    assert [c.port_code for c in crossings] == ["3401"]
    assert alerts == []


def test_approach_warning_held_per_track() -> None:
    mon = BorderMonitor(_sector(), BorderConfig(approach_hold_s=1e9))
    t = np.arange(0.0, 600.0, 2.0)
    y = -900.0 + 1.0 * t  # stays south of the line, in warning range for most of the run
    _, alerts = _feed(mon, "T6", t, np.full_like(t, 2000.0), y, 0 * t, 0 * t + 1.0)
    assert len(alerts) == 1
