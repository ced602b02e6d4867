"""Decoders of sensor feeds into observation batches, with quarantine of bad input.

Cursor-on-Target XML: :class:`CotFramer` cuts a byte stream into one chunk per message,
:class:`CotDecoder` turns chunks into an :class:`~northline.model.ObservationBatch` and
:class:`~northline.model.QuarantinedMessage` records (never raising on input), and
:func:`decode_cot`, :func:`iter_cot_file` and :func:`decode_cot_stream` do both for a
buffer, a file (plain or gzip) or an open byte stream.
"""

from ._ais import AisDecoder, decode_ais
from ._cot import CE_UNKNOWN_AT_LEAST, UNKNOWN_CE_SIGMA_M, CotDecoder
from ._csv import CsvMapping, decode_csv
from ._files import FILE_SOURCE, decode_cot, decode_cot_stream, iter_cot_file
from ._framing import MAX_MESSAGE_BYTES, CotFramer
from ._geojson import decode_geojson
from ._replay import REPLAYABLE, redecode
from ._result import DecodeResult, ReasonCode
from ._sbs import SBS_FIELDS, SbsDecoder, decode_aircraft_json, sbs_line
from ._takproto import TakProtoDecoder, TakStreamFramer

__all__ = [
    "CE_UNKNOWN_AT_LEAST",
    "FILE_SOURCE",
    "MAX_MESSAGE_BYTES",
    "REPLAYABLE",
    "SBS_FIELDS",
    "UNKNOWN_CE_SIGMA_M",
    "AisDecoder",
    "CotDecoder",
    "CotFramer",
    "CsvMapping",
    "DecodeResult",
    "ReasonCode",
    "SbsDecoder",
    "TakProtoDecoder",
    "TakStreamFramer",
    "decode_aircraft_json",
    "decode_ais",
    "decode_cot",
    "decode_cot_stream",
    "decode_csv",
    "decode_geojson",
    "iter_cot_file",
    "redecode",
    "sbs_line",
]
