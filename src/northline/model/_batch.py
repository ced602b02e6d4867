"""Columnar forms of observations and track updates."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._columnar import Columnar, column
from ._markings import Marking
from ._records import LonLat, Observation, RangeBearing, SensorKind, TrackState, TrackUpdate

__all__ = ["ObservationBatch", "TrackBatch"]

F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]
Obj = npt.NDArray[np.object_]
NAN = math.nan


def _none_if_nan(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@dataclass(frozen=True, slots=True)
class ObservationBatch(Columnar):
    """Observations as columns. A row has either lon/lat or range/bearing (the other is NaN)."""

    obs_id: Obj = column(object, "")
    t_s: F8 = column(np.float64, NAN)
    sensor_id: Obj = column(object, "")
    sensor_kind: Obj = column(object, SensorKind.OTHER.value)
    lon: F8 = column(np.float64, NAN)
    lat: F8 = column(np.float64, NAN)
    range_m: F8 = column(np.float64, NAN)
    bearing_deg: F8 = column(np.float64, NAN)
    sensor_lon: F8 = column(np.float64, NAN)
    sensor_lat: F8 = column(np.float64, NAN)
    sigma_m: F8 = column(np.float64, NAN)
    sigma_range_m: F8 = column(np.float64, NAN)
    sigma_bearing_deg: F8 = column(np.float64, NAN)
    vel_east_mps: F8 = column(np.float64, NAN)
    vel_north_mps: F8 = column(np.float64, NAN)
    classification: Obj = column(object, "")
    identity: Obj = column(object, "")
    source: Obj = column(object, "")
    agency: Obj = column(object, "RCMP")
    releasability: Obj = column(object, "CAN")

    @property
    def is_polar(self) -> npt.NDArray[np.bool_]:
        """Rows whose position is range/bearing from the sensor."""
        return np.isnan(self.lon) & ~np.isnan(self.range_m)

    @classmethod
    def from_records(cls, records: Iterable[Observation]) -> ObservationBatch:
        cols: dict[str, list[Any]] = {name: [] for name in cls.columns()}
        for r in records:
            p = r.position
            polar = isinstance(p, RangeBearing)
            cols["obs_id"].append(r.obs_id)
            cols["t_s"].append(r.t_s)
            cols["sensor_id"].append(r.sensor_id)
            cols["sensor_kind"].append(r.sensor_kind.value)
            cols["lon"].append(NAN if polar else p.lon)  # type: ignore[union-attr]
            cols["lat"].append(NAN if polar else p.lat)  # type: ignore[union-attr]
            cols["range_m"].append(p.range_m if isinstance(p, RangeBearing) else NAN)
            cols["bearing_deg"].append(p.bearing_deg if isinstance(p, RangeBearing) else NAN)
            cols["sensor_lon"].append(p.sensor_lon if isinstance(p, RangeBearing) else NAN)
            cols["sensor_lat"].append(p.sensor_lat if isinstance(p, RangeBearing) else NAN)
            cols["sigma_m"].append(r.sigma_m)
            cols["sigma_range_m"].append(p.sigma_range_m if isinstance(p, RangeBearing) else NAN)
            cols["sigma_bearing_deg"].append(
                p.sigma_bearing_deg if isinstance(p, RangeBearing) else NAN
            )
            cols["vel_east_mps"].append(NAN if r.vel_east_mps is None else r.vel_east_mps)
            cols["vel_north_mps"].append(NAN if r.vel_north_mps is None else r.vel_north_mps)
            cols["classification"].append(r.classification)
            cols["identity"].append(r.identity)
            cols["source"].append(r.source)
            cols["agency"].append(r.marking.agency)
            cols["releasability"].append(r.marking.releasability)
        n = len(cols["obs_id"])
        return cls.from_columns(cols, n=n)

    def to_records(self) -> list[Observation]:
        out: list[Observation] = []
        for i in range(len(self)):
            row = self.row(i)
            position: LonLat | RangeBearing
            if math.isnan(row["lon"]) and not math.isnan(row["range_m"]):
                position = RangeBearing(
                    range_m=row["range_m"],
                    bearing_deg=row["bearing_deg"],
                    sensor_lon=row["sensor_lon"],
                    sensor_lat=row["sensor_lat"],
                    sigma_range_m=row["sigma_range_m"],
                    sigma_bearing_deg=row["sigma_bearing_deg"],
                )
            else:
                position = LonLat(row["lon"], row["lat"])
            out.append(
                Observation(
                    obs_id=row["obs_id"],
                    t_s=row["t_s"],
                    sensor_id=row["sensor_id"],
                    sensor_kind=SensorKind(row["sensor_kind"]),
                    position=position,
                    sigma_m=row["sigma_m"],
                    vel_east_mps=_none_if_nan(row["vel_east_mps"]),
                    vel_north_mps=_none_if_nan(row["vel_north_mps"]),
                    classification=row["classification"],
                    identity=row["identity"],
                    source=row["source"],
                    marking=Marking(row["agency"], row["releasability"]),
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class TrackBatch(Columnar):
    """Track updates as columns: lon/lat plus the sector's local metric frame."""

    track_id: Obj = column(object, "")
    t_s: F8 = column(np.float64, NAN)
    lon: F8 = column(np.float64, NAN)
    lat: F8 = column(np.float64, NAN)
    x_m: F8 = column(np.float64, NAN)
    y_m: F8 = column(np.float64, NAN)
    vx_mps: F8 = column(np.float64, NAN)
    vy_mps: F8 = column(np.float64, NAN)
    sigma_m: F8 = column(np.float64, NAN)
    state: Obj = column(object, TrackState.TENTATIVE.value)
    hits: I8 = column(np.int64, 0)
    sector: Obj = column(object, "")
    agency: Obj = column(object, "RCMP")
    releasability: Obj = column(object, "CAN")

    def to_records(self) -> list[TrackUpdate]:
        """Records; the local-frame velocity is reported as east/north (grid ≈ true here)."""
        return [
            TrackUpdate(
                track_id=str(self.track_id[i]),
                t_s=float(self.t_s[i]),
                lon=float(self.lon[i]),
                lat=float(self.lat[i]),
                vel_east_mps=float(self.vx_mps[i]),
                vel_north_mps=float(self.vy_mps[i]),
                sigma_m=float(self.sigma_m[i]),
                state=TrackState(self.state[i]),
                sector=str(self.sector[i]),
                hits=int(self.hits[i]),
                marking=Marking(str(self.agency[i]), str(self.releasability[i])),
            )
            for i in range(len(self))
        ]
