"""Motion models: how a state moves over ``dt`` seconds, and how uncertain that is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["ConstantVelocity", "MotionModel"]

F8 = npt.NDArray[np.float64]


class MotionModel(Protocol):
    """A linear(ised) motion model over a state of dimension ``dim``."""

    @property
    def dim(self) -> int: ...

    def transition(self, dt_s: float) -> F8:
        """The state transition matrix F(dt)."""
        ...

    def noise(self, dt_s: float) -> F8:
        """The process noise covariance Q(dt)."""
        ...


@dataclass(frozen=True, slots=True)
class ConstantVelocity:
    """Nearly-constant velocity in 2-D: state ``[x, y, vx, vy]`` (m, m/s).

    Process noise is continuous white acceleration with spectral density ``q`` (m²/s³) per
    axis, so Q(dt) = q · [[dt³/3, dt²/2], [dt²/2, dt]] on each axis.
    """

    q: float = 0.5

    @property
    def dim(self) -> int:
        return 4

    def transition(self, dt_s: float) -> F8:
        f = np.eye(4)
        f[0, 2] = f[1, 3] = dt_s
        return f

    def noise(self, dt_s: float) -> F8:
        q = self.q
        d3, d2 = dt_s**3 / 3.0, dt_s**2 / 2.0
        return q * np.array(
            [
                [d3, 0.0, d2, 0.0],
                [0.0, d3, 0.0, d2],
                [d2, 0.0, dt_s, 0.0],
                [0.0, d2, 0.0, dt_s],
            ]
        )
