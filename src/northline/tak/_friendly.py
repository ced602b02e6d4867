"""Blue-force tracking: friendly positions from TAK clients as responder positions.

A :class:`FriendlyTracker` is a sink of :func:`northline.ingest.run_ingest` (or is fed
observation batches by hand): rows whose CoT type starts with ``a-f-`` (friend) are kept as
the latest position per TAK uid, a late datagram never replacing a newer report. Responders
are found by a configurable mapping from a TAK callsign (or uid) to a Northline asset id.

The decoder's rows carry the uid, not the callsign (``detail/contact/@callsign``), so
callsigns are learned from the raw events: wrap the source in :class:`CallsignTap`, which
reads the callsign of every friendly XML event on its way to the decoder (TAK protobuf is
passed on untouched and its callsign not learned), or call :meth:`FriendlyTracker.learn`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..ingest import CotFramer, DecodeResult, Envelope, Put, Source
from ..model import ObservationBatch

__all__ = ["FRIENDLY_PREFIX", "CallsignTap", "Friendly", "FriendlyTracker"]

FRIENDLY_PREFIX = "a-f-"


@dataclass(frozen=True, slots=True)
class Friendly:
    """The latest report of one friendly TAK client."""

    uid: str
    lon: float
    lat: float
    t_s: float
    cot_type: str
    callsign: str = ""


class FriendlyTracker:
    """Latest friendly positions by TAK uid, and the responders they are.

    ``assets`` maps a TAK callsign or uid to a responder's asset id (a callsign is looked up
    first). ``write`` makes the tracker an ingest sink; it returns the rows it applied.
    """

    def __init__(self, assets: Mapping[str, str] | None = None) -> None:
        self.assets: dict[str, str] = dict(assets) if assets is not None else {}
        self._latest: dict[str, Friendly] = {}
        self._callsigns: dict[str, str] = {}

    def asset_for(self, uid: str) -> str | None:
        """The asset id of the TAK client ``uid``, by its callsign or its uid; None if none."""
        callsign = self._callsigns.get(uid)
        if callsign is not None and callsign in self.assets:
            return self.assets[callsign]
        return self.assets.get(uid)

    def note_callsign(self, uid: str, callsign: str) -> None:
        self._callsigns[uid] = callsign
        if (f := self._latest.get(uid)) is not None and f.callsign != callsign:
            self._latest[uid] = Friendly(f.uid, f.lon, f.lat, f.t_s, f.cot_type, callsign)

    def learn(self, event: bytes) -> bool:
        """Note the callsign of one friendly CoT XML event; False when it has none."""
        try:
            root = fromstring(event, forbid_dtd=True)
        except (ParseError, DefusedXmlException, ValueError):
            return False
        uid, typ = root.get("uid"), root.get("type", "")
        contact = root.find("detail/contact")
        callsign = contact.get("callsign") if contact is not None else None
        if root.tag != "event" or not uid or not callsign or not typ.startswith(FRIENDLY_PREFIX):
            return False
        self.note_callsign(uid, callsign)
        return True

    def update(self, batch: ObservationBatch) -> int:
        """Apply the friendly rows with a position; returns how many changed a position."""
        n = len(batch)
        if n == 0:
            return 0
        types = batch.classification.tolist()
        friendly = np.fromiter((str(t).startswith(FRIENDLY_PREFIX) for t in types), bool, n)
        rows = np.flatnonzero(friendly & np.isfinite(batch.lon) & np.isfinite(batch.lat))
        rows = rows[np.argsort(batch.t_s[rows], kind="stable")]
        applied = 0
        for i in rows.tolist():
            uid = str(batch.identity[i])
            t_s = float(batch.t_s[i])
            seen = self._latest.get(uid)
            if not uid or (seen is not None and seen.t_s > t_s) or math.isnan(t_s):
                continue
            self._latest[uid] = Friendly(
                uid,
                float(batch.lon[i]),
                float(batch.lat[i]),
                t_s,
                str(types[i]),
                self._callsigns.get(uid, ""),
            )
            applied += 1
        return applied

    def write(self, result: DecodeResult) -> int:
        return self.update(result.batch)

    def friendlies(self) -> dict[str, Friendly]:
        """Every friendly heard, by TAK uid."""
        return dict(self._latest)

    def positions(self) -> dict[str, tuple[float, float, float]]:
        """``{asset id: (lon, lat, t_s)}`` of the responders heard from, the newest report
        winning when two TAK clients map to one asset."""
        out: dict[str, tuple[float, float, float]] = {}
        for f in self._latest.values():
            asset = self.asset_for(f.uid)
            if asset is not None and (asset not in out or out[asset][2] < f.t_s):
                out[asset] = (f.lon, f.lat, f.t_s)
        return out


class CallsignTap(Source):
    """A source that passes on everything ``inner`` reads, teaching ``tracker`` the callsign
    of each friendly XML event on the way (streams are framed per connection to do so)."""

    def __init__(self, inner: Source, tracker: FriendlyTracker) -> None:
        super().__init__(inner.label)
        self.inner = inner
        self.tracker = tracker
        self.counters = inner.counters
        self.ready = inner.ready
        self._framers: dict[str, CotFramer] = {}

    def _look(self, envelope: Envelope) -> None:
        if envelope.kind == "message":
            if envelope.data.lstrip()[:1] == b"<":
                self.tracker.learn(envelope.data)
            return
        framer = self._framers.setdefault(envelope.key, CotFramer())
        chunks = framer.feed(envelope.data) if envelope.kind == "stream" else framer.close()
        if envelope.kind == "end":
            del self._framers[envelope.key]
        for chunk in chunks:
            self.tracker.learn(bytes(chunk))

    async def run(self, put: Put) -> None:
        async def tapped(envelope: Envelope) -> None:
            if envelope.kind != "message" or FRIENDLY_PREFIX.encode() in envelope.data:
                self._look(envelope)
            await put(envelope)

        await self.inner.run(tapped)
