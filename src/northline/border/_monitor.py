"""Crossing detection and approach warnings for one sector, vectorised over track updates."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from ..geo import Sector
from ..model import (
    DEFAULT_MARKING,
    Alert,
    AlertKind,
    Crossing,
    Direction,
    Marking,
    Severity,
    Side,
    TrackBatch,
    TrackState,
    content_id,
)
from ._config import BorderConfig

__all__ = ["BorderEvents", "BorderMonitor"]

F8 = npt.NDArray[np.float64]
_CAN, _USA, _UNKNOWN = 1, -1, 0


@dataclass(frozen=True, slots=True)
class BorderEvents:
    crossings: list[Crossing] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class _State:
    """Per-track memory, rows sorted by track id (internal)."""

    ids: npt.NDArray[np.object_] = field(default_factory=lambda: np.empty(0, object))
    side: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    sd: F8 = field(default_factory=lambda: np.empty(0))  # last signed distance (CAN > 0)
    t: F8 = field(default_factory=lambda: np.empty(0))
    x: F8 = field(default_factory=lambda: np.empty(0))
    y: F8 = field(default_factory=lambda: np.empty(0))
    cross_t: F8 = field(default_factory=lambda: np.empty(0))  # latest sign change of sd
    cross_x: F8 = field(default_factory=lambda: np.empty(0))
    cross_y: F8 = field(default_factory=lambda: np.empty(0))
    warned_t: F8 = field(default_factory=lambda: np.empty(0))

    def rows_for(self, ids: npt.NDArray[np.object_]) -> npt.NDArray[np.int64]:
        """Row of each id, inserting rows (with "unknown" memory) for ids not seen before."""
        pos = np.searchsorted(self.ids, ids)
        found = (
            (pos < len(self.ids)) & (self.ids[np.minimum(pos, len(self.ids) - 1)] == ids)
            if len(self.ids)
            else np.zeros(len(ids), bool)
        )
        new = np.unique(ids[~found])
        if len(new):
            at = np.searchsorted(self.ids, new)
            fills = {"side": _UNKNOWN, "warned_t": -np.inf}
            for name in self.__dataclass_fields__:
                if name == "ids":
                    continue
                arr = getattr(self, name)
                setattr(self, name, np.insert(arr, at, fills.get(name, np.nan)))
            self.ids = np.insert(self.ids, at, new)
            pos = np.searchsorted(self.ids, ids)
        return pos.astype(np.int64)

    def drop(self, ids: npt.NDArray[np.object_]) -> None:
        if not len(self.ids) or not len(ids):
            return
        keep = ~np.isin(self.ids, ids)
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name)[keep])


class BorderMonitor:
    """Watches a sector's confirmed tracks: crossings of the line and approaches to it.

    Feed it the rows of each tracker step that took a detection (``observe``); it remembers
    on which side each track was last seen with confidence, and when that side changes it
    reports a :class:`Crossing` at the last time the estimate passed the line. Crossings
    within a port-of-entry zone are port transits and raise no alert.
    """

    def __init__(
        self,
        sector: Sector,
        config: BorderConfig | None = None,
        *,
        marking: Marking = DEFAULT_MARKING,
    ) -> None:
        self.sector = sector
        self.config = config if config is not None else BorderConfig()
        self.marking = marking
        self._state = _State()

    def forget(self, track_ids: npt.NDArray[np.object_]) -> None:
        """Drop the memory of ended tracks."""
        self._state.drop(track_ids)

    def observe(self, tracks: TrackBatch) -> BorderEvents:
        cfg = self.config
        mature = (tracks.state == TrackState.CONFIRMED.value) | (
            tracks.state == TrackState.COASTING.value
        )
        tb = tracks.take(mature)
        if len(tb) == 0:
            return BorderEvents()
        st = self._state
        row = st.rows_for(tb.track_id)
        x, y, t = tb.x_m, tb.y_m, tb.t_s
        sd = self.sector.signed_distance_xy(x, y)
        z = sd / np.maximum(tb.sigma_m, 1e-6)

        # Where the estimate passed the line since the previous update: interpolate.
        prev_sd = st.sd[row]
        flipped = np.isfinite(prev_sd) & (np.sign(prev_sd) != np.sign(sd)) & (sd != 0)
        frac = np.where(flipped, prev_sd / np.where(flipped, prev_sd - sd, 1.0), 0.0)
        frac = np.clip(frac, 0.0, 1.0)
        r_f = row[flipped]
        st.cross_t[r_f] = (st.t[row] + frac * (t - st.t[row]))[flipped]
        st.cross_x[r_f] = (st.x[row] + frac * (x - st.x[row]))[flipped]
        st.cross_y[r_f] = (st.y[row] + frac * (y - st.y[row]))[flipped]

        confident = np.where(z >= cfg.side_sigmas, _CAN, np.where(z <= -cfg.side_sigmas, _USA, 0))
        was = st.side[row]
        crossed = (confident != 0) & (was != 0) & (confident != was) & np.isfinite(st.cross_t[row])
        st.side[row] = np.where(confident != 0, confident, was)
        st.sd[row], st.t[row], st.x[row], st.y[row] = sd, t, x, y

        events = BorderEvents()
        if crossed.any():
            self._crossings(tb, row, crossed, z, was, confident, events)
        self._approaches(tb, row, sd, st.side[row], events)
        return events

    def _crossings(
        self,
        tb: TrackBatch,
        row: npt.NDArray[np.int64],
        crossed: npt.NDArray[np.bool_],
        z: F8,
        was: npt.NDArray[np.int64],
        now: npt.NDArray[np.int64],
        events: BorderEvents,
    ) -> None:
        st = self._state
        idx = np.flatnonzero(crossed)
        r = row[idx]
        cx, cy = self.sector.nearest_border_point_xy(st.cross_x[r], st.cross_y[r])
        lon, lat = self.sector.frame.to_lonlat(cx, cy)
        port = self.sector.port_index_xy(st.cross_x[r], st.cross_y[r])
        confidence = ndtr(np.abs(z[idx]))
        ports = self.sector.ports
        for k, i in enumerate(idx.tolist()):
            before = Side.CAN if was[i] == _CAN else Side.USA
            after = Side.CAN if now[i] == _CAN else Side.USA
            direction = Direction.between(before, after)
            track_id = str(tb.track_id[i])
            t_cross = float(st.cross_t[r[k]])
            port_code = ports[port[k]].code if port[k] >= 0 else ""
            crossing = Crossing(
                crossing_id=content_id("x", self.sector.name, track_id, round(t_cross, 3)),
                track_id=track_id,
                t_s=t_cross,
                detected_t_s=float(tb.t_s[i]),
                lon=float(lon[k]),
                lat=float(lat[k]),
                direction=direction,
                confidence=float(confidence[k]),
                sector=self.sector.name,
                port_code=port_code,
                marking=self.marking,
            )
            events.crossings.append(crossing)
            if port_code:
                continue
            events.alerts.append(
                Alert(
                    alert_id=content_id("alert", AlertKind.CROSSING.value, crossing.crossing_id),
                    kind=AlertKind.CROSSING,
                    t_s=crossing.detected_t_s,
                    track_id=track_id,
                    lon=crossing.lon,
                    lat=crossing.lat,
                    severity=Severity.HIGH,
                    summary=(
                        f"Track {track_id} crossed {direction.value} between ports at "
                        f"{crossing.lat:.5f}, {crossing.lon:.5f} "
                        f"(confidence {crossing.confidence:.2f})"
                    ),
                    sector=self.sector.name,
                    ref_id=crossing.crossing_id,
                    marking=self.marking,
                )
            )

    def _approaches(
        self,
        tb: TrackBatch,
        row: npt.NDArray[np.int64],
        sd: F8,
        side: npt.NDArray[np.int64],
        events: BorderEvents,
    ) -> None:
        cfg = self.config
        st = self._state
        dist = np.abs(sd)
        near = (dist <= cfg.warn_distance_m) & (tb.hits >= cfg.min_hits_for_approach)
        near &= (tb.t_s - st.warned_t[row]) >= cfg.approach_hold_s
        if not near.any():
            return
        idx = np.flatnonzero(near)
        x, y = tb.x_m[idx], tb.y_m[idx]
        nx, ny = self.sector.nearest_border_point_xy(x, y)
        ux, uy = nx - x, ny - y
        norm = np.hypot(ux, uy)
        norm = np.where(norm > 0, norm, 1.0)
        closing = (tb.vx_mps[idx] * ux + tb.vy_mps[idx] * uy) / norm
        eta = dist[idx] / np.maximum(closing, 1e-9)
        port = self.sector.port_index_xy(nx, ny)
        warn = (closing >= cfg.min_closing_speed_mps) & (eta <= cfg.max_eta_s) & (port < 0)
        warn &= side[idx] != _UNKNOWN
        if not warn.any():
            return
        sel = idx[warn]
        st.warned_t[row[sel]] = tb.t_s[sel]
        lon, lat = self.sector.frame.to_lonlat(tb.x_m[sel], tb.y_m[sel])
        for k, i in enumerate(sel.tolist()):
            track_id = str(tb.track_id[i])
            t = float(tb.t_s[i])
            d = float(dist[i])
            e = float(eta[warn][k])
            from_side = Side.CAN if side[i] == _CAN else Side.USA
            events.alerts.append(
                Alert(
                    alert_id=content_id("alert", AlertKind.APPROACH.value, track_id, round(t, 3)),
                    kind=AlertKind.APPROACH,
                    t_s=t,
                    track_id=track_id,
                    lon=float(lon[k]),
                    lat=float(lat[k]),
                    severity=Severity.MEDIUM,
                    summary=(
                        f"Track {track_id} ({from_side.value} side) {d:.0f} m from the line, "
                        f"heading for it, at the line in about {math.ceil(e)} s"
                    ),
                    sector=self.sector.name,
                    distance_m=d,
                    eta_s=e,
                    marking=self.marking,
                )
            )
