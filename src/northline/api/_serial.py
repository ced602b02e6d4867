"""Records as the API answers them, and the marking filter every read goes through."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import numpy as np

from ..model import TrackBatch, User, to_dict

__all__ = ["record_dict", "visible", "visible_tracks"]

R = TypeVar("R")


def record_dict(record: Any) -> dict[str, Any]:
    """A record as the API answers it: :func:`~northline.model.to_dict` with its marking as
    flat ``agency`` and ``releasability``."""
    out = to_dict(record)
    marking = out.pop("marking", None)
    if isinstance(marking, dict):
        out["agency"] = marking["agency"]
        out["releasability"] = marking["releasability"]
    return out


def visible(user: User, records: Iterable[R]) -> list[R]:
    """The records whose marking the user may see (every record has a ``marking``)."""
    return [r for r in records if user.may_see(r.marking)]  # type: ignore[attr-defined]


def visible_tracks(user: User, batch: TrackBatch) -> TrackBatch:
    """The rows of a track batch the user may see, by each row's releasability."""
    if len(batch) == 0:
        return batch
    labels = [str(r) for r in batch.releasability]
    allowed = {r for r in set(labels) if user.country in r.split("-")}
    return batch.take(np.flatnonzero([r in allowed for r in labels]))
