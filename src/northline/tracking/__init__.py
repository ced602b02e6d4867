"""Multi-target tracking, array-first: filters, gating, association and track lifecycle.

Works in a local metric frame (metres, seconds); knows nothing of the store or the bus.
"""

from ._association import Association, Associator, GatedPairs, GlobalNearestNeighbour, gate
from ._csvio import OUTPUT_COLUMNS, track_csv
from ._filters import CVState, KalmanFilterCV, TrackFilter, mixture_update
from ._imm import IMMFilter, IMMState
from ._jpda import JointProbabilisticDA
from ._kalman import innovation, inv2, mahalanobis2, predict, update
from ._metrics import GospaResult, GospaSeries, gospa, gospa_series, ospa, ospa_series
from ._motion import ConstantVelocity, MotionModel
from ._scanbuffer import ScanBuffer
from ._tracker import Coverage, StepResult, Tracker, TrackerConfig

__all__ = [
    "OUTPUT_COLUMNS",
    "Association",
    "Associator",
    "CVState",
    "ConstantVelocity",
    "Coverage",
    "GatedPairs",
    "GlobalNearestNeighbour",
    "GospaResult",
    "GospaSeries",
    "IMMFilter",
    "IMMState",
    "JointProbabilisticDA",
    "KalmanFilterCV",
    "MotionModel",
    "ScanBuffer",
    "StepResult",
    "TrackFilter",
    "Tracker",
    "TrackerConfig",
    "gate",
    "gospa",
    "gospa_series",
    "innovation",
    "inv2",
    "mahalanobis2",
    "mixture_update",
    "ospa",
    "ospa_series",
    "predict",
    "track_csv",
    "update",
]
