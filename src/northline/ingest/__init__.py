"""Decoders of sensor feeds into observation batches, with quarantine of bad input.

Cursor-on-Target XML: :class:`CotFramer` cuts a byte stream into one chunk per message,
:class:`CotDecoder` turns chunks into an :class:`~northline.model.ObservationBatch` and
:class:`~northline.model.QuarantinedMessage` records (never raising on input), and
:func:`decode_cot`, :func:`iter_cot_file` and :func:`decode_cot_stream` do both for a
buffer, a file (plain or gzip) or an open byte stream.
"""

from ._ais import AisDecoder, decode_ais
from ._brokers import MqttSource, NatsSource
from ._cot import CE_UNKNOWN_AT_LEAST, UNKNOWN_CE_SIGMA_M, CotDecoder
from ._csv import CsvMapping, decode_csv
from ._feed import FORMATS, FeedDecoder, Items
from ._files import FILE_SOURCE, decode_cot, decode_cot_stream, iter_cot_file
from ._framing import MAX_MESSAGE_BYTES, CotFramer
from ._geojson import decode_geojson
from ._replay import REPLAYABLE, redecode
from ._result import DecodeResult, ReasonCode
from ._run import SCHEMES, JsonLinesSink, Sink, StoreSink, open_source, run_ingest
from ._sbs import SBS_FIELDS, SbsDecoder, decode_aircraft_json, sbs_line
from ._sources import (
    TAK_MULTICAST,
    Backoff,
    Envelope,
    FileSource,
    Put,
    Source,
    SourceCounters,
    StdinSource,
    TcpClientSource,
    TcpServerSource,
    UdpSource,
)
from ._takproto import TakProtoDecoder, TakStreamFramer

__all__ = [
    "CE_UNKNOWN_AT_LEAST",
    "FILE_SOURCE",
    "FORMATS",
    "MAX_MESSAGE_BYTES",
    "REPLAYABLE",
    "SBS_FIELDS",
    "SCHEMES",
    "TAK_MULTICAST",
    "UNKNOWN_CE_SIGMA_M",
    "AisDecoder",
    "Backoff",
    "CotDecoder",
    "CotFramer",
    "CsvMapping",
    "DecodeResult",
    "Envelope",
    "FeedDecoder",
    "FileSource",
    "Items",
    "JsonLinesSink",
    "MqttSource",
    "NatsSource",
    "Put",
    "ReasonCode",
    "SbsDecoder",
    "Sink",
    "Source",
    "SourceCounters",
    "StdinSource",
    "StoreSink",
    "TakProtoDecoder",
    "TakStreamFramer",
    "TcpClientSource",
    "TcpServerSource",
    "UdpSource",
    "decode_aircraft_json",
    "decode_ais",
    "decode_cot",
    "decode_cot_stream",
    "decode_csv",
    "decode_geojson",
    "iter_cot_file",
    "open_source",
    "redecode",
    "run_ingest",
    "sbs_line",
]
