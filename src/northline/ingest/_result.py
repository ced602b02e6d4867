"""What a decoder returns: a batch of observations, the quarantine and the counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ..model import ObservationBatch, QuarantinedMessage

__all__ = ["DecodeResult", "ReasonCode"]


class ReasonCode(StrEnum):
    """Why a message was quarantined: stable, machine-readable, shared by every decoder."""

    OVERSIZE = "oversize"  # at least max_message_bytes; only the head is kept
    XML_SYNTAX = "xml_syntax"  # not well-formed XML (also: undefined entity, junk after root)
    TRUNCATED = "truncated"  # the message ends before its root element does
    BAD_ENCODING = "bad_encoding"  # bytes not valid UTF-8, or a declared encoding unsupported
    DTD_FORBIDDEN = "dtd_forbidden"  # has a DOCTYPE
    ENTITIES_FORBIDDEN = "entities_forbidden"  # its DOCTYPE declares entities (bombs)
    EXTERNAL_REFERENCE = "external_reference"  # refers to an external DTD or entity (XXE)
    WRONG_ROOT = "wrong_root"  # the root element is not <event>
    MISSING_ATTRIBUTE = "missing_attribute"  # a required attribute is absent or empty
    MISSING_POINT = "missing_point"  # no <point> element
    BAD_TIME = "bad_time"  # time is not ISO 8601 with a zone
    OUT_OF_RANGE = "out_of_range"  # lat/lon outside the globe, negative speed
    NOT_A_NUMBER = "not_a_number"  # a numeric attribute that is not a finite number
    BAD_SENSOR_KIND = "bad_sensor_kind"  # <__northline sensor_kind> is not a SensorKind
    BAD_MARKING = "bad_marking"  # <__northline agency/releasability> is not a marking
    UNSUPPORTED_TYPE = "unsupported_type"  # well-formed, but not an atom (chat, marker, task)
    BAD_CHECKSUM = "bad_checksum"  # an NMEA sentence whose checksum does not match
    BAD_FIELD_COUNT = "bad_field_count"  # a line-based record with the wrong number of fields
    BAD_FRAMING = "bad_framing"  # a frame without its format's magic, version or length
    BAD_HEADER = "bad_header"  # a CSV document whose header does not fit the column mapping
    INCOMPLETE = "incomplete"  # a multi-part message whose other parts never came
    UNSUPPORTED_MESSAGE = (
        "unsupported_message"  # well-formed, but carries no position or static data
    )
    DECODER_ERROR = "decoder_error"  # a bug: the decoder failed unexpectedly


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """The outcome of decoding some chunks: ``received == decoded + len(quarantined)``."""

    batch: ObservationBatch
    quarantined: list[QuarantinedMessage] = field(default_factory=list)
    received: int = 0
    unknown_ce: int = 0  # decoded rows whose ce was unknown and got UNKNOWN_CE_SIGMA_M

    @property
    def decoded(self) -> int:
        return len(self.batch)

    @property
    def counts(self) -> dict[str, int]:
        """The counters, for logs and metrics."""
        return {
            "received": self.received,
            "decoded": self.decoded,
            "quarantined": len(self.quarantined),
            "unknown_ce": self.unknown_ce,
        }

    @property
    def reasons(self) -> dict[str, int]:
        """How many messages were quarantined for each reason code."""
        return dict(Counter(q.reason_code for q in self.quarantined))

    @classmethod
    def concat(cls, results: Sequence[DecodeResult]) -> DecodeResult:
        """One result for several, batches concatenated in order."""
        return cls(
            batch=ObservationBatch.concat([r.batch for r in results]),
            quarantined=[q for r in results for q in r.quarantined],
            received=sum(r.received for r in results),
            unknown_ce=sum(r.unknown_ce for r in results),
        )
