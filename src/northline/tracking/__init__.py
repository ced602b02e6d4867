"""Multi-target tracking, array-first: filters, gating, association and track lifecycle.

Works in a local metric frame (metres, seconds); knows nothing of the store or the bus.
"""

from ._association import Association, Associator, GatedPairs, GlobalNearestNeighbour, gate
from ._csvio import OUTPUT_COLUMNS, track_csv
from ._filters import CVState, KalmanFilterCV, TrackFilter, mixture_update
from ._imm import IMMFilter, IMMState
from ._jpda import JointProbabilisticDA
from ._kalman import innovation, inv2, mahalanobis2, predict, update
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
    "innovation",
    "inv2",
    "mahalanobis2",
    "mixture_update",
    "predict",
    "track_csv",
    "update",
]
