"""Border-rule settings."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import InvalidInput

__all__ = ["BorderConfig"]


@dataclass(frozen=True, slots=True)
class BorderConfig:
    """When a movement counts as a crossing, and when an approach earns a warning."""

    # A track is on a side once its estimate is this many sigmas past the line.
    side_sigmas: float = 2.0
    # Approach warnings: a confirmed track this close to the line, closing at least this fast,
    # due at the line within max_eta_s; at most one warning per track per hold.
    warn_distance_m: float = 1000.0
    min_closing_speed_mps: float = 0.5
    max_eta_s: float = 600.0
    approach_hold_s: float = 900.0
    min_hits_for_approach: int = 6

    def __post_init__(self) -> None:
        if self.side_sigmas <= 0 or self.warn_distance_m < 0 or self.max_eta_s <= 0:
            raise InvalidInput("border settings must be positive", field="border")

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> BorderConfig:
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidInput(f"unknown border settings: {sorted(unknown)}", field="border")
        return cls(**raw)  # type: ignore[arg-type]
