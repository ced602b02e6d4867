"""Decode a quarantined message again: after a decoder is fixed, or its input understood."""

from __future__ import annotations

from ..model import InvalidInput, QuarantinedMessage
from ._ais import decode_ais
from ._files import decode_cot
from ._geojson import decode_geojson
from ._result import DecodeResult
from ._sbs import SbsDecoder, decode_aircraft_json
from ._takproto import MESH_HEADER, TakProtoDecoder

__all__ = ["REPLAYABLE", "redecode"]

REPLAYABLE = ("cot", "takproto", "ais", "sbs", "dump1090-json", "geojson")


def redecode(message: QuarantinedMessage) -> DecodeResult:
    """Run a quarantined message's raw bytes through the decoder that refused them.

    The result carries the message's source and marking, so observation and quarantine ids
    come out as they would have the first time: replaying twice, or replaying what still
    fails, adds nothing new to a store. CSV needs its column mapping and is not replayable
    from the quarantine alone.
    """
    raw, src, mk = message.raw, message.source, message.marking
    t = message.received_t_s
    match message.decoder:
        case "cot":
            return decode_cot(raw, src, marking=mk, received_t_s=t)
        case "takproto":
            tak = TakProtoDecoder(src, mk)
            if raw.startswith(MESH_HEADER):
                return tak.decode([raw], framing="mesh", received_t_s=t)
            return tak.decode([raw], framing="stream", received_t_s=t)
        case "ais":
            return decode_ais(raw, src, mk, received_t_s=t)
        case "sbs":
            return SbsDecoder(src, mk).decode(raw.splitlines(), received_t_s=t)
        case "dump1090-json":
            return decode_aircraft_json(raw, src, mk, received_t_s=t)
        case "geojson":
            return decode_geojson(raw, src, mk, received_t_s=t)
    raise InvalidInput(
        f"messages of decoder {message.decoder!r} cannot be replayed from the quarantine "
        f"alone (replayable: {', '.join(REPLAYABLE)})",
        field="decoder",
    )
