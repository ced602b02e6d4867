"""Struct-of-arrays batches: what flows on the hot path.

A batch is a frozen dataclass whose fields are equally long 1-D NumPy arrays. Each field
declares its dtype in its metadata; string columns are object arrays of ``str``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt

__all__ = ["Columnar", "column"]

FLOAT = np.dtype(np.float64)
INT = np.dtype(np.int64)
OBJECT = np.dtype(object)


def column(dtype: npt.DTypeLike, fill: Any) -> Any:
    """Declare a batch column with its dtype and the value that means "not given"."""
    return dataclasses.field(metadata={"dtype": np.dtype(dtype), "fill": fill})


class Columnar:
    """Mixin for frozen dataclasses of equally long arrays."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __post_init__(self) -> None:
        n: int | None = None
        for f in dataclasses.fields(self):
            dtype = f.metadata["dtype"]
            arr = np.asarray(getattr(self, f.name), dtype=dtype)
            if arr.ndim != 1:
                raise ValueError(f"column {f.name} must be 1-D, got shape {arr.shape}")
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                raise ValueError(f"column {f.name} has {arr.shape[0]} rows, expected {n}")
            object.__setattr__(self, f.name, arr)

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def __len__(self) -> int:
        first = dataclasses.fields(self)[0].name
        return int(getattr(self, first).shape[0])

    @classmethod
    def empty(cls) -> Self:
        return cls.from_columns({}, n=0)

    @classmethod
    def from_columns(cls, data: Mapping[str, Any], n: int | None = None) -> Self:
        """Build a batch from a mapping of columns; missing columns get their fill value."""
        if n is None:
            lengths = {
                len(np.asarray(v, dtype=object if isinstance(v, list) else None))
                for v in data.values()
            }
            if len(lengths) > 1:
                raise ValueError(f"columns of different lengths: {sorted(lengths)}")
            n = lengths.pop() if lengths else 0
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            dtype = f.metadata["dtype"]
            if f.name in data:
                kwargs[f.name] = np.asarray(data[f.name], dtype=dtype)
            else:
                arr = np.empty(n, dtype=dtype)
                arr[:] = f.metadata["fill"]
                kwargs[f.name] = arr
        unknown = set(data) - set(kwargs)
        if unknown:
            raise ValueError(f"unknown columns: {sorted(unknown)}")
        return cls(**kwargs)

    def take(self, index: npt.ArrayLike) -> Self:
        """Rows by integer index or boolean mask."""
        idx = np.asarray(index)
        return type(self)(**{name: getattr(self, name)[idx] for name in self.columns()})

    @classmethod
    def concat(cls, batches: Sequence[Self]) -> Self:
        if not batches:
            return cls.empty()
        return cls(
            **{name: np.concatenate([getattr(b, name) for b in batches]) for name in cls.columns()}
        )

    def sorted_by(self, name: str) -> Self:
        return self.take(np.argsort(getattr(self, name), kind="stable"))

    def row(self, i: int) -> dict[str, Any]:
        """One row as plain Python values (NaN kept as float NaN)."""
        out: dict[str, Any] = {}
        for name in self.columns():
            value = getattr(self, name)[i]
            out[name] = value.item() if isinstance(value, np.generic) else value
        return out
