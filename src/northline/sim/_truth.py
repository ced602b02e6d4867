"""Ground truth: what really moved, and where and when it really crossed the line.

Crossings are found on the sampled true paths with the sector's own geometry
(:meth:`Sector.is_canada_xy` for the side, the signed distance to interpolate the time and
place), so they agree with whatever boundary the run used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..geo import Sector
from ..model import Direction, InvalidInput, Side
from ._movers import MoverKind, Trajectories

__all__ = ["GroundTruth", "TrueCrossing", "TruthMover", "find_crossings"]

F8 = npt.NDArray[np.float64]
TRUTH_VERSION = 1


@dataclass(frozen=True, eq=False)
class TruthMover:
    """One mover's true path: times (epoch s) and WGS84 positions, one sample a second."""

    mover_id: str
    kind: MoverKind
    mode: str
    t_s: F8
    lon: F8
    lat: F8

    def position_at(self, t_s: npt.ArrayLike) -> tuple[F8, F8]:
        """Interpolated lon/lat at the times; NaN outside the mover's life."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        out = (t < self.t_s[0]) | (t > self.t_s[-1])
        lon = np.where(out, np.nan, np.interp(t, self.t_s, self.lon))
        lat = np.where(out, np.nan, np.interp(t, self.t_s, self.lat))
        return lon, lat


@dataclass(frozen=True, slots=True, kw_only=True)
class TrueCrossing:
    """A mover's true passage over the line; ``port_code`` set when inside a port's zone."""

    crossing_id: str
    mover_id: str
    t_s: float
    lon: float
    lat: float
    direction: Direction
    port_code: str = ""

    @property
    def at_port(self) -> bool:
        return bool(self.port_code)


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """Everything that really happened in a run."""

    scenario: str
    seed: int
    start_s: float
    end_s: float
    sector: str
    movers: tuple[TruthMover, ...]
    crossings: tuple[TrueCrossing, ...]

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def between_ports(self) -> tuple[TrueCrossing, ...]:
        """The crossings an alert should be raised for: not through a port of entry."""
        return tuple(c for c in self.crossings if not c.port_code)

    @property
    def n_true_crossings(self) -> int:
        """How many crossings between ports (the ones scoring counts)."""
        return len(self.between_ports)

    @property
    def port_transits(self) -> tuple[TrueCrossing, ...]:
        return tuple(c for c in self.crossings if c.port_code)

    def mover(self, mover_id: str) -> TruthMover:
        for m in self.movers:
            if m.mover_id == mover_id:
                return m
        raise KeyError(mover_id)

    # -- JSON ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": TRUTH_VERSION,
            "scenario": self.scenario,
            "seed": self.seed,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "sector": self.sector,
            "crossings": [
                {
                    "id": c.crossing_id,
                    "mover_id": c.mover_id,
                    "t_s": round(c.t_s, 3),
                    "lon": round(c.lon, 7),
                    "lat": round(c.lat, 7),
                    "direction": c.direction.value,
                    "port_code": c.port_code,
                }
                for c in self.crossings
            ],
            "movers": [
                {
                    "id": m.mover_id,
                    "kind": m.kind.value,
                    "mode": m.mode,
                    "t_s": m.t_s.tolist(),
                    "lon": np.round(m.lon, 7).tolist(),
                    "lat": np.round(m.lat, 7).tolist(),
                }
                for m in self.movers
            ],
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> GroundTruth:
        try:
            if doc["version"] != TRUTH_VERSION:
                raise ValueError(f"version {doc['version']!r}, expected {TRUTH_VERSION}")
            movers = tuple(
                TruthMover(
                    mover_id=str(m["id"]),
                    kind=MoverKind(m["kind"]),
                    mode=str(m["mode"]),
                    t_s=np.asarray(m["t_s"], dtype=np.float64),
                    lon=np.asarray(m["lon"], dtype=np.float64),
                    lat=np.asarray(m["lat"], dtype=np.float64),
                )
                for m in doc["movers"]
            )
            crossings = tuple(
                TrueCrossing(
                    crossing_id=str(c["id"]),
                    mover_id=str(c["mover_id"]),
                    t_s=float(c["t_s"]),
                    lon=float(c["lon"]),
                    lat=float(c["lat"]),
                    direction=Direction(c["direction"]),
                    port_code=str(c["port_code"]),
                )
                for c in doc["crossings"]
            )
            return cls(
                scenario=str(doc["scenario"]),
                seed=int(doc["seed"]),
                start_s=float(doc["start_s"]),
                end_s=float(doc["end_s"]),
                sector=str(doc["sector"]),
                movers=movers,
                crossings=crossings,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"not a ground-truth document: {exc}", field="truth") from exc

    def write(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_dict(), separators=(",", ":")) + "\n", encoding="utf-8"
        )

    @classmethod
    def read(cls, path: str | Path) -> GroundTruth:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"cannot read ground truth {path}: {exc}", path=str(path)) from exc
        return cls.from_dict(doc)


def find_crossings(traj: Trajectories, sector: Sector, start_s: float) -> tuple[TrueCrossing, ...]:
    """Every change of side between consecutive samples of a mover, time-sorted.

    The crossing is placed where the signed distance to the line goes through zero, linearly
    between the two samples. A change of side between samples that are both far from the line
    (leaving the sector's work area) is not a crossing.
    """
    x, y = traj.x_m, traj.y_m
    canada = sector.is_canada_xy(x, y)
    same_mover = traj.sample_mover[:-1] == traj.sample_mover[1:]
    i = np.flatnonzero(same_mover & (canada[:-1] != canada[1:]))
    d0 = sector.signed_distance_xy(x[i], y[i])
    d1 = sector.signed_distance_xy(x[i + 1], y[i + 1])
    step = np.hypot(x[i + 1] - x[i], y[i + 1] - y[i])
    real = np.minimum(np.abs(d0), np.abs(d1)) <= step + 1.0
    i, d0, d1 = i[real], d0[real], d1[real]
    denom = d0 - d1
    frac = np.where(denom != 0, d0 / np.where(denom != 0, denom, 1.0), 0.0)
    frac = np.clip(frac, 0.0, 1.0)
    cx = x[i] + frac * (x[i + 1] - x[i])
    cy = y[i] + frac * (y[i + 1] - y[i])
    t = start_s + traj.sample_tick[i] + frac
    port = sector.port_index_xy(cx, cy) if i.size else np.empty(0, dtype=np.int64)
    lon, lat = sector.frame.to_lonlat(cx, cy)
    codes = [p.code for p in sector.ports]
    order = np.argsort(t, kind="stable")
    out: list[TrueCrossing] = []
    count: dict[str, int] = {}
    for k in order.tolist():
        mover_id = traj.mover_id[int(traj.sample_mover[i[k]])]
        n = count.get(mover_id, 0)
        count[mover_id] = n + 1
        before = Side.CAN if canada[i[k]] else Side.USA
        after = Side.USA if before == Side.CAN else Side.CAN
        out.append(
            TrueCrossing(
                crossing_id=f"{mover_id}/x{n}",
                mover_id=mover_id,
                t_s=float(t[k]),
                lon=float(lon[k]),
                lat=float(lat[k]),
                direction=Direction.between(before, after),
                port_code=codes[int(port[k])] if port[k] >= 0 else "",
            )
        )
    return tuple(out)
