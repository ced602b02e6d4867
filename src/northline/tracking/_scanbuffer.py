"""Out-of-sequence scans: reorder within a bounded lag, reject (and count) what is older.

Sensors report asynchronously and links reorder messages. The tracker processes scans in time
order only; a :class:`ScanBuffer` in front of it holds each scan for ``max_lag_s`` of event
time, releasing scans in time order once no earlier scan can still be expected. A scan that
arrives after a later one was released is rejected and counted: it is never silently applied
out of order. The cost is ``max_lag_s`` of latency.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ..model import InvalidInput

__all__ = ["ScanBuffer"]

T = TypeVar("T")


@dataclass
class ScanBuffer(Generic[T]):
    max_lag_s: float
    rejected: int = 0
    released_t_s: float = float("-inf")
    _heap: list[tuple[float, int, T]] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)
    _newest_t_s: float = float("-inf")

    def __post_init__(self) -> None:
        if self.max_lag_s < 0:
            raise InvalidInput("max_lag_s must be >= 0", field="max_lag_s")

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, t_s: float, scan: T) -> list[tuple[float, T]]:
        """Add a scan; return the scans now safe to process, in time order."""
        if t_s < self.released_t_s:
            self.rejected += 1
            return []
        heapq.heappush(self._heap, (t_s, next(self._seq), scan))
        self._newest_t_s = max(self._newest_t_s, t_s)
        return self._release(self._newest_t_s - self.max_lag_s)

    def flush(self) -> list[tuple[float, T]]:
        """Every scan still held, in time order (at the end of a stream)."""
        return self._release(float("inf"))

    def _release(self, until_t_s: float) -> list[tuple[float, T]]:
        out: list[tuple[float, T]] = []
        while self._heap and self._heap[0][0] <= until_t_s:
            t, _, scan = heapq.heappop(self._heap)
            out.append((t, scan))
            self.released_t_s = t
        return out
