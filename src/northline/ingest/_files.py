"""Whole buffers, files and byte streams of CoT: frame, then decode."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from ..model import DEFAULT_MARKING, InvalidInput, Marking, NotFound
from ._cot import CotDecoder
from ._framing import MAX_MESSAGE_BYTES, CotFramer
from ._result import DecodeResult

__all__ = ["FILE_SOURCE", "decode_cot", "decode_cot_stream", "iter_cot_file"]

FILE_SOURCE = "file:{name}"
"""Default source of files and streams; ``{name}`` becomes the file's (or stream's) name."""

BATCH_SIZE = 10_000
_BLOCK_BYTES = 1 << 20


def decode_cot(
    data: bytes,
    source: str,
    *,
    marking: Marking = DEFAULT_MARKING,
    received_t_s: float | None = None,
    max_message_bytes: int = MAX_MESSAGE_BYTES,
    clock: Callable[[], float] = time.time,
) -> DecodeResult:
    """Frame and decode a whole buffer of concatenated CoT events."""
    framer = CotFramer(max_message_bytes=max_message_bytes)
    chunks = framer.feed(data)
    chunks.extend(framer.close())
    decoder = CotDecoder(source, marking, max_message_bytes=max_message_bytes, clock=clock)
    return decoder.decode(chunks, received_t_s)


def iter_cot_file(
    path: str | Path,
    batch_size: int = BATCH_SIZE,
    *,
    source: str = FILE_SOURCE,
    marking: Marking = DEFAULT_MARKING,
    block_bytes: int = _BLOCK_BYTES,
    max_message_bytes: int = MAX_MESSAGE_BYTES,
    clock: Callable[[], float] = time.time,
) -> Iterator[DecodeResult]:
    """Decode a CoT file (``.gz`` is decompressed) in results of at most ``batch_size``
    messages each. The file is read ``block_bytes`` at a time: memory stays bounded."""
    _check_sizes(batch_size, block_bytes)
    file = Path(path)
    if not file.is_file():
        raise NotFound(f"no CoT file at {file}", path=str(file))
    with gzip.open(file, "rb") if file.suffix == ".gz" else file.open("rb") as stream:
        yield from _decode_stream(
            stream,
            CotDecoder(
                source.replace("{name}", file.name),
                marking,
                max_message_bytes=max_message_bytes,
                clock=clock,
            ),
            batch_size,
            block_bytes,
        )


def decode_cot_stream(
    stream_or_path: BinaryIO | str | Path,
    batch_size: int = BATCH_SIZE,
    *,
    source: str = FILE_SOURCE,
    marking: Marking = DEFAULT_MARKING,
    block_bytes: int = _BLOCK_BYTES,
    max_message_bytes: int = MAX_MESSAGE_BYTES,
    clock: Callable[[], float] = time.time,
) -> Iterator[DecodeResult]:
    """Like :func:`iter_cot_file`, for a path or an open binary stream (e.g. stdin).

    A stream is read with ``read1`` where it has one, so a pipe is decoded as data arrives;
    a result is handed out every ``batch_size`` messages and at the end of the stream.
    """
    if isinstance(stream_or_path, str | Path):
        yield from iter_cot_file(
            stream_or_path,
            batch_size,
            source=source,
            marking=marking,
            block_bytes=block_bytes,
            max_message_bytes=max_message_bytes,
            clock=clock,
        )
        return
    _check_sizes(batch_size, block_bytes)
    name = str(getattr(stream_or_path, "name", "stream"))
    decoder = CotDecoder(
        source.replace("{name}", name), marking, max_message_bytes=max_message_bytes, clock=clock
    )
    yield from _decode_stream(stream_or_path, decoder, batch_size, block_bytes)


def _check_sizes(batch_size: int, block_bytes: int) -> None:
    if batch_size < 1:
        raise InvalidInput("batch_size must be at least 1", field="batch_size")
    if block_bytes < 1:
        raise InvalidInput("block_bytes must be at least 1", field="block_bytes")


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _decode_stream(
    stream: _Readable, decoder: CotDecoder, batch_size: int, block_bytes: int
) -> Iterator[DecodeResult]:
    framer = CotFramer(max_message_bytes=decoder.max_message_bytes)
    read: Callable[[int], bytes] = getattr(stream, "read1", stream.read)
    pending: list[bytes] = []
    while block := read(block_bytes):
        pending.extend(framer.feed(block))
        while len(pending) >= batch_size:
            yield decoder.decode(pending[:batch_size])
            del pending[:batch_size]
    pending.extend(framer.close())
    for i in range(0, len(pending), batch_size):
        yield decoder.decode(pending[i : i + batch_size])
