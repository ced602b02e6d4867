"""The multi-target tracker: all tracks' states in arrays, one batched step per scan."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import chi2

from ..model import InvalidInput, TrackBatch, TrackState
from ._association import Association, Associator, GatedPairs, GlobalNearestNeighbour, gate
from ._filters import CVState, KalmanFilterCV, TrackFilter
from ._imm import IMMFilter
from ._jpda import JointProbabilisticDA
from ._kalman import inv2
from ._measurement import rb_covariance_xy, rb_jacobian, rb_predict, rb_to_xy, wrap_angle

__all__ = ["Coverage", "StepResult", "Tracker", "TrackerConfig"]

F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]
B1 = npt.NDArray[np.bool_]

_TENTATIVE, _CONFIRMED, _COASTING, _DELETED = 0, 1, 2, 3
_STATE_NAMES = np.array(
    [
        TrackState.TENTATIVE.value,
        TrackState.CONFIRMED.value,
        TrackState.COASTING.value,
        TrackState.DELETED.value,
    ],
    dtype=object,
)
_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    """Tracker settings. Units are in the names; defaults suit ground movers seen by radar."""

    process_noise_q: float = 0.5  # white-acceleration spectral density, m²/s³
    gate_d2: float = 13.82  # chi-square gate, 2 degrees of freedom, 99.9 %
    init_speed_sigma_mps: float = 12.0
    confirm_m: int = 3
    confirm_n: int = 5
    confirmed_max_misses: int = 6  # consecutive looks without a detection
    max_coast_s: float = 30.0  # and never longer than this without a detection
    max_lag_s: float = 0.0  # scans older than the tracker's time by more are rejected
    initiate_from_event_driven: bool = False
    id_prefix: str = "T"
    # Strategies, selectable per sector: motion "cv" or "imm" (CV + coordinated turn);
    # association "gnn" or "jpda" (with its detection probability and clutter density).
    motion: str = "cv"
    association: str = "gnn"
    pd: float = 0.9
    clutter_density_per_m2: float = 1e-7
    imm_q_ct: float = 0.1
    imm_q_omega: float = 1e-4
    imm_p_stay: float = 0.95

    def __post_init__(self) -> None:
        if not 1 <= self.confirm_m <= self.confirm_n <= 8:
            raise InvalidInput("need 1 <= confirm_m <= confirm_n <= 8", field="confirm_m")
        if self.motion not in ("cv", "imm"):
            raise InvalidInput(f"motion must be 'cv' or 'imm', not {self.motion!r}", field="motion")
        if self.association not in ("gnn", "jpda"):
            raise InvalidInput(
                f"association must be 'gnn' or 'jpda', not {self.association!r}",
                field="association",
            )
        if self.gate_d2 <= 0 or self.process_noise_q < 0 or self.init_speed_sigma_mps <= 0:
            raise InvalidInput("gate, process noise and initial speed sigma must be positive")

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> TrackerConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            raise InvalidInput(f"unknown tracker settings: {sorted(unknown)}", field="tracker")
        return cls(**raw)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Coverage:
    """Where a scan looked: a disc around the sensor. Tracks inside it that get no detection
    count a miss."""

    x_m: float
    y_m: float
    range_m: float


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one scan did: the live tracks afterwards and the ones it ended."""

    tracks: TrackBatch  # every live track after the step (lon/lat left NaN: local frame only)
    updated: B1  # rows of ``tracks`` that took a detection in this scan
    deleted: TrackBatch  # tracks ended by this scan, with state "deleted"
    detection_track: npt.NDArray[np.object_]  # per input detection: its track id, or ""
    rejected: bool = False  # the scan was out of sequence and not used


@dataclass
class _Tracks:
    """Struct of arrays of the live tracks (internal): the filter's state plus bookkeeping."""

    fs: Any = field(default_factory=lambda: CVState(np.empty((0, 4)), np.empty((0, 4, 4))))
    num: I8 = field(default_factory=lambda: np.empty(0, np.int64))
    tid: npt.NDArray[np.object_] = field(default_factory=lambda: np.empty(0, object))
    state: I8 = field(default_factory=lambda: np.empty(0, np.int64))
    hits: I8 = field(default_factory=lambda: np.empty(0, np.int64))
    looks: I8 = field(default_factory=lambda: np.empty(0, np.int64))
    window: I8 = field(default_factory=lambda: np.empty(0, np.int64))  # bit k: hit k looks ago
    misses: I8 = field(default_factory=lambda: np.empty(0, np.int64))  # consecutive
    last_hit_t: F8 = field(default_factory=lambda: np.empty(0))

    _ARRAYS = ("num", "tid", "state", "hits", "looks", "window", "misses", "last_hit_t")

    def __len__(self) -> int:
        return int(self.num.shape[0])

    def subset(self, mask: B1) -> _Tracks:
        out = _Tracks(fs=self.fs.take(mask))
        for name in self._ARRAYS:
            setattr(out, name, getattr(self, name)[mask])
        return out

    def keep(self, mask: B1) -> None:
        self.fs = self.fs.take(mask)
        for name in self._ARRAYS:
            setattr(self, name, getattr(self, name)[mask])

    def append(self, other: _Tracks) -> None:
        self.fs = type(self.fs).concat([self.fs, other.fs])
        for name in self._ARRAYS:
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))

    def nbytes(self) -> int:
        arrays = sum(int(getattr(self, name).nbytes) for name in self._ARRAYS)
        strings = sum(sys.getsizeof(t) for t in self.tid.tolist())
        return int(self.fs.nbytes) + arrays + strings


class Tracker:
    """Kalman filter + gating + association + M-of-N lifecycle, over all tracks at once.

    ``step`` is the public verb; the motion model and the associator are strategies.
    """

    def __init__(
        self,
        config: TrackerConfig | None = None,
        *,
        filter: TrackFilter[Any] | None = None,
        associator: Associator | None = None,
    ) -> None:
        self.config = config if config is not None else TrackerConfig()
        self.filter: TrackFilter[Any] = filter if filter is not None else self._filter()
        cfg = self.config
        self._miss_cost = float(
            -2.0 * np.log1p(-cfg.pd * float(chi2.cdf(cfg.gate_d2, 2)))
            + 2.0 * np.log(cfg.pd / cfg.clutter_density_per_m2)
            - 2.0 * np.log(2.0 * np.pi)
        )
        self.associator: Associator = associator if associator is not None else self._associator()
        self.t_s: float | None = None
        self._tracks = self._empty()
        self._next_num = 1
        self.rejected_scans = 0
        self.n_detections = 0
        self.n_scans = 0

    # -- public --------------------------------------------------------------------------

    @property
    def n_live(self) -> int:
        return len(self._tracks)

    def step(
        self,
        t_s: float,
        z: npt.ArrayLike,
        sigma_m: npt.ArrayLike,
        *,
        coverage: Coverage | None = None,
        event_driven: bool = False,
    ) -> StepResult:
        """Take one scan: detections ``z`` (m, 2) in the local frame with 1-sigma ``sigma_m``.

        ``coverage`` is where the sensor looked (None: everywhere). An ``event_driven`` sensor
        (a ground sensor that reports only when it fires) never counts misses.
        """
        zz = np.asarray(z, dtype=np.float64).reshape(-1, 2)
        sig = np.broadcast_to(np.asarray(sigma_m, dtype=np.float64), (len(zz),))
        if self._out_of_sequence(t_s):
            return self._rejected(len(zz))
        r = np.zeros((len(zz), 2, 2))
        r[:, 0, 0] = r[:, 1, 1] = sig**2
        return self._step(t_s, zz, r, coverage=coverage, event_driven=event_driven)

    def step_polar(
        self,
        t_s: float,
        z_rb: npt.ArrayLike,
        sigma_range_m: npt.ArrayLike,
        sigma_bearing_rad: npt.ArrayLike,
        sensor_xy: npt.ArrayLike,
        *,
        coverage: Coverage | None = None,
        event_driven: bool = False,
    ) -> StepResult:
        """Take one scan of range/bearing detections ``z_rb`` (m, 2): metres and radians
        clockwise from grid north, measured from ``sensor_xy`` in the local frame.

        Gating and updates are extended-Kalman: each (track, detection) pair is linearised at
        the track's prediction, so accuracy does not suffer where a converted measurement's
        error is far from Gaussian (long range, wide bearing error).
        """
        zp = np.asarray(z_rb, dtype=np.float64).reshape(-1, 2)
        m = len(zp)
        sr = np.broadcast_to(np.asarray(sigma_range_m, dtype=np.float64), (m,))
        sb = np.broadcast_to(np.asarray(sigma_bearing_rad, dtype=np.float64), (m,))
        if self._out_of_sequence(t_s):
            return self._rejected(m)
        sensor = np.asarray(sensor_xy, dtype=np.float64).reshape(2)
        r_rb = np.zeros((m, 2, 2))
        r_rb[:, 0, 0] = sr**2
        r_rb[:, 1, 1] = sb**2
        z_xy = rb_to_xy(zp, sensor)
        r_xy = rb_covariance_xy(zp, r_rb)
        polar = _Polar(zp, r_rb, sensor)
        return self._step(
            t_s, z_xy, r_xy, coverage=coverage, event_driven=event_driven, polar=polar
        )

    def memory_bytes(self) -> int:
        """Bytes held for the live tracks: filter state, bookkeeping arrays and id strings."""
        return self._tracks.nbytes()

    def estimates(self) -> tuple[npt.NDArray[np.object_], F8, F8]:
        """Track ids with the filter's combined state (n, d) and covariance (n, d, d)."""
        x, p = self.filter.combined(self._tracks.fs)
        return self._tracks.tid.copy(), x, p

    def _associate(
        self, tr: _Tracks, m: int, ti: I8, dj: I8, d2: F8, cost: F8, miss_cost: F8
    ) -> Association:
        """Mature tracks choose first; tentative tracks share what the mature ones left.

        Otherwise a diffuse tentative track, born of the same target a scan ago, competes
        with the confirmed track for its detection and breeds a duplicate.
        """
        n = len(tr)
        mature = tr.state != _TENTATIVE
        first = self._associate_subset(mature, np.ones(m, bool), ti, dj, d2, cost, miss_cost)
        left = first.unclaimed
        second = self._associate_subset(~mature, left, ti, dj, d2, cost, miss_cost)
        miss = np.ones(n)
        miss[mature] = first.miss_weight[mature]
        miss[~mature] = second.miss_weight[~mature]
        return Association(
            np.concatenate([first.track, second.track]),
            np.concatenate([first.detection, second.detection]),
            np.concatenate([first.weight, second.weight]),
            miss,
            left & second.unclaimed,
        )

    def _associate_subset(
        self, tracks: B1, dets: B1, ti: I8, dj: I8, d2: F8, cost: F8, miss_cost: F8
    ) -> Association:
        """Associate the chosen tracks with the chosen detections; indices stay global."""
        n, m = len(tracks), len(dets)
        sel = tracks[ti] & dets[dj]
        t_idx = np.flatnonzero(tracks)
        local_t = np.full(n, -1, np.int64)
        local_t[t_idx] = np.arange(len(t_idx))
        pairs = GatedPairs(
            len(t_idx), m, local_t[ti[sel]], dj[sel], d2[sel], cost[sel], miss_cost[t_idx]
        )
        a = self.associator.associate(pairs)
        miss = np.ones(n)
        miss[t_idx] = a.miss_weight
        # Detections gated to none of these tracks, among the chosen ones.
        return Association(t_idx[a.track], a.detection, a.weight, miss, a.unclaimed & dets)

    def _out_of_sequence(self, t_s: float) -> bool:
        return self.t_s is not None and t_s < self.t_s - self.config.max_lag_s

    def _rejected(self, m: int) -> StepResult:
        self.rejected_scans += 1
        return self._result(
            np.zeros(len(self._tracks), bool),
            np.full(m, "", object),
            self._empty(),
            rejected=True,
        )

    def _step(
        self,
        t_s: float,
        zz: F8,
        r: F8,
        *,
        coverage: Coverage | None,
        event_driven: bool,
        polar: _Polar | None = None,
    ) -> StepResult:
        cfg = self.config
        self.n_scans += 1
        self.n_detections += len(zz)
        self._predict_to(t_s)
        tr = self._tracks
        x, p = self.filter.combined(tr.fs)

        # Gate and associate.
        n = len(tr)
        s_pos = p[:, :2, :2]
        if polar is None:
            ti, dj, d2, logdet = gate(x[:, :2], s_pos, zz, r, cfg.gate_d2)
            z_pair, r_pair = zz[dj], r[dj]
        else:
            ti, dj, d2, logdet, z_pair, r_pair = polar.gate(x[:, :2], s_pos, zz, r, cfg.gate_d2)
        # Leaving a track unassigned costs what the likelihood ratio says it should:
        # pair cost d² + ln det S = −2 ln(pd·N/λ) + const, miss cost −2 ln(1 − pd) + the same
        # const. A cost that grew with each track's own uncertainty would let a diffuse
        # tentative track steal a confirmed track's detection.
        miss_cost = np.full(n, self._miss_cost)
        assoc = self._associate(tr, len(zz), ti, dj, d2, d2 + logdet, miss_cost)
        if len(assoc.track):
            # Each associated pair's measurement, as linearised for that pair.
            key = ti * max(len(zz), 1) + dj
            order = np.argsort(key)
            at = order[np.searchsorted(key[order], assoc.track * max(len(zz), 1) + assoc.detection)]
            tr.fs = self.filter.update(
                tr.fs, assoc.track, at, assoc.weight, assoc.miss_weight, z_pair, r_pair
            )
        hit = assoc.miss_weight < 0.5
        # Each detection is reported as its most likely track's, when that is at least even.
        detection_track = np.full(len(zz), "", dtype=object)
        strong = assoc.weight >= 0.5
        detection_track[assoc.detection[strong]] = tr.tid[assoc.track[strong]]

        # Lifecycle.
        if event_driven:
            looked = hit.copy()
        elif coverage is None:
            looked = np.ones(n, dtype=bool)
        else:
            dx = x[:, 0] - coverage.x_m
            dy = x[:, 1] - coverage.y_m
            looked = (dx * dx + dy * dy <= coverage.range_m**2) | hit
        window_mask = (1 << cfg.confirm_n) - 1
        tr.window[looked] = ((tr.window[looked] << 1) | hit[looked]) & window_mask
        tr.looks[looked] += 1
        tr.hits[hit] += 1
        tr.last_hit_t[hit] = t_s
        tr.misses[hit] = 0
        tr.misses[looked & ~hit] += 1
        tentative = tr.state == _TENTATIVE
        confirm = tentative & (_POPCOUNT8[tr.window] >= cfg.confirm_m)
        tr.state[confirm] = _CONFIRMED
        mature = (tr.state == _CONFIRMED) | (tr.state == _COASTING)
        tr.state[mature & hit] = _CONFIRMED
        tr.state[mature & ~hit & looked] = _COASTING
        # A tentative track has N looks to reach M hits; a mature one dies after K misses in a
        # row or after coasting too long.
        failed = (tr.state == _TENTATIVE) & (
            (tr.looks >= cfg.confirm_n)
            | (
                cfg.confirm_n - np.minimum(tr.looks, cfg.confirm_n) + _POPCOUNT8[tr.window]
                < cfg.confirm_m
            )
        )
        mature = (tr.state == _CONFIRMED) | (tr.state == _COASTING)
        dead = (
            failed
            | (mature & (tr.misses >= cfg.confirmed_max_misses))
            | (t_s - tr.last_hit_t > cfg.max_coast_s)
        )
        ended = self._empty()
        if dead.any():
            ended = tr.subset(dead)
            ended.state[:] = _DELETED
            tr.keep(~dead)
            hit = hit[~dead]

        # New tentative tracks from detections no track claims.
        free = assoc.unclaimed.copy()
        if event_driven and not cfg.initiate_from_event_driven:
            free[:] = False
        if free.any():
            born = self._initiate(t_s, zz[free], r[free])
            detection_track[np.flatnonzero(free)] = born.tid
            tr.append(born)
            hit = np.concatenate([hit, np.ones(len(born), dtype=bool)])
        return self._result(hit, detection_track, ended)

    # -- internals -----------------------------------------------------------------------

    def _ids(self, nums: I8) -> npt.NDArray[np.object_]:
        digits = np.char.zfill(nums.astype(str), 6)
        return np.char.add(self.config.id_prefix, digits).astype(object)

    def _filter(self) -> TrackFilter[Any]:
        cfg = self.config
        if cfg.motion == "imm":
            return IMMFilter(
                q_cv=cfg.process_noise_q,
                q_ct=cfg.imm_q_ct,
                q_omega=cfg.imm_q_omega,
                p_stay=cfg.imm_p_stay,
            )
        return KalmanFilterCV(cfg.process_noise_q)

    def _associator(self) -> Associator:
        cfg = self.config
        if cfg.association == "jpda":
            gate_p = float(chi2.cdf(cfg.gate_d2, 2))
            return JointProbabilisticDA(
                pd=cfg.pd, clutter_density=cfg.clutter_density_per_m2, gate_probability=gate_p
            )
        return GlobalNearestNeighbour()

    def _empty(self) -> _Tracks:
        return _Tracks(fs=self.filter.initiate(np.empty((0, 2)), np.empty((0, 2, 2)), 1.0))

    def _predict_to(self, t_s: float) -> None:
        if self.t_s is None:
            self.t_s = t_s
            return
        dt = t_s - self.t_s
        if dt > 0 and len(self._tracks):
            self._tracks.fs = self.filter.predict(self._tracks.fs, dt)
        self.t_s = max(self.t_s, t_s)

    def _initiate(self, t_s: float, z: F8, r: F8) -> _Tracks:
        k = len(z)
        nums = np.arange(self._next_num, self._next_num + k, dtype=np.int64)
        self._next_num += k
        ones = np.ones(k, dtype=np.int64)
        return _Tracks(
            fs=self.filter.initiate(z, r, self.config.init_speed_sigma_mps),
            num=nums,
            tid=self._ids(nums),
            state=np.zeros(k, np.int64),
            hits=ones.copy(),
            looks=ones.copy(),
            window=ones.copy(),
            misses=np.zeros(k, np.int64),
            last_hit_t=np.full(k, t_s),
        )

    def _batch(self, tr: _Tracks) -> TrackBatch:
        t = self.t_s if self.t_s is not None else np.nan
        x, p = self.filter.combined(tr.fs) if len(tr) else (np.empty((0, 4)), np.empty((0, 4, 4)))
        return TrackBatch.from_columns(
            {
                "track_id": tr.tid,
                "t_s": np.full(len(tr), t),
                "x_m": x[:, 0],
                "y_m": x[:, 1],
                "vx_mps": x[:, 2],
                "vy_mps": x[:, 3],
                "sigma_m": np.sqrt(0.5 * (p[:, 0, 0] + p[:, 1, 1])),
                "state": _STATE_NAMES[tr.state],
                "hits": tr.hits,
            },
            n=len(tr),
        )

    def _result(
        self,
        updated: B1,
        detection_track: npt.NDArray[np.object_],
        ended: _Tracks,
        *,
        rejected: bool = False,
    ) -> StepResult:
        return StepResult(
            tracks=self._batch(self._tracks),
            updated=updated,
            deleted=self._batch(ended),
            detection_track=detection_track,
            rejected=rejected,
        )


@dataclass(frozen=True, slots=True)
class _Polar:
    """A scan of range/bearing detections from one sensor (internal)."""

    z: F8  # (m, 2) range, bearing
    r: F8  # (m, 2, 2)
    sensor_xy: F8  # (2,)

    def gate(
        self, x_pos: F8, p_pos: F8, z_xy: F8, r_xy: F8, gate_d2: float
    ) -> tuple[I8, I8, F8, F8, F8, F8]:
        """Pairs inside the gate in measurement space, and each pair's measurement as an
        equivalent linear position measurement: z' = x̂ + J⁻¹ν, R' = J⁻¹ R J⁻ᵀ."""
        # A loose pre-gate on the converted positions, then the exact EKF test.
        ti, dj, _, _ = gate(x_pos, p_pos, z_xy, r_xy, 4.0 * gate_d2)
        j = rb_jacobian(x_pos[ti], self.sensor_xy)
        nu = self.z[dj] - rb_predict(x_pos[ti], self.sensor_xy)
        nu[:, 1] = wrap_angle(nu[:, 1])
        s = j @ p_pos[ti] @ np.swapaxes(j, 1, 2) + self.r[dj]
        s_inv, det = inv2(s)
        d2 = np.einsum("ni,nij,nj->n", nu, s_inv, nu)
        keep = d2 <= gate_d2
        ti, dj, d2, det, nu, j = ti[keep], dj[keep], d2[keep], det[keep], nu[keep], j[keep]
        j_inv, _ = inv2(j)
        z_pair = x_pos[ti] + np.einsum("nij,nj->ni", j_inv, nu)
        r_pair = j_inv @ self.r[dj] @ np.swapaxes(j_inv, 1, 2)
        return ti, dj, d2, np.log(det), z_pair, 0.5 * (r_pair + np.swapaxes(r_pair, 1, 2))
