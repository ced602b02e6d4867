"""The service's side of TAK: what the hub publishes out as CoT, taskings out to the unit
tasked, and friendly positions in.

A :class:`TakBridge` holds the publishers of ``northline serve --tak URL``: as a listener of
the service hub (:meth:`TakBridge.on_publish`) it sends every track, crossing and alert
published as CoT, and as a tasking callback of the service (:meth:`TakBridge.task`) it sends a
``t-x-n-r`` tasking addressed to the unit a person has just dispatched.

A responder's TAK callsign is its asset id unless a callsigns file maps it
(:func:`read_callsigns`): a TOML table of ``ASSET_ID = "CALLSIGN"``. The same mapping, read
the other way, finds the responder a friendly position is from (:meth:`TakBridge.asset_id`).

A :class:`FriendlyListener` reads friendly (``a-f-…``) positions from a TAK network
(``northline serve --tak-listen URL``) through :mod:`northline.ingest` and a
:class:`~northline.tak.FriendlyTracker`, and hands each new position to a callback: the
service records it as the responder's position.

This package knows neither the store nor the responders' model: the bridge reads an asset
and a decision by the few attributes it needs, and the callback does the recording.
"""

from __future__ import annotations

import asyncio
import logging
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from shapely.geometry import LineString, MultiLineString

from ..ingest import DecodeResult, FeedDecoder, SourceCounters, open_source, run_ingest
from ..model import Alert, InvalidInput, Marking
from ._events import boundary_shape, stand_down_event, tasking_event
from ._friendly import CallsignTap, Friendly, FriendlyTracker
from ._publish import KINDS, TcpCotPublisher, UdpCotPublisher, cot_events, open_publisher

__all__ = ["BridgeCounters", "FriendlyListener", "TakBridge", "read_callsigns"]

_log = logging.getLogger("northline.tak")

Publisher = UdpCotPublisher | TcpCotPublisher


class _Unit(Protocol):
    """What the bridge reads of a responder (a :class:`northline.response.Asset`)."""

    @property
    def asset_id(self) -> str: ...


class _Decision(Protocol):
    """What the bridge reads of a dispatch decision (a
    :class:`northline.response.DispatchDecision`)."""

    @property
    def author(self) -> str: ...

    @property
    def action(self) -> str: ...  # accept, change or decline

    @property
    def t_s(self) -> float: ...


def read_callsigns(path: Path) -> dict[str, str]:
    """``{asset id: TAK callsign}`` from a TOML file of ``ASSET_ID = "CALLSIGN"`` lines.

    InvalidInput (``field="callsigns"``) when the file is not TOML, a value is not a
    non-empty string, or two assets share a callsign (a position would be ambiguous).
    """
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"{path}: {exc}", field="callsigns") from None
    return _checked(doc, str(path))


def _checked(mapping: Mapping[str, Any], where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    owner: dict[str, str] = {}
    for asset_id, callsign in mapping.items():
        if not isinstance(callsign, str) or not callsign.strip():
            raise InvalidInput(
                f"{where}: the callsign of {asset_id!r} must be a non-empty string, "
                f"got {callsign!r}",
                field="callsigns",
            )
        if callsign in owner:
            raise InvalidInput(
                f"{where}: {owner[callsign]!r} and {asset_id!r} share the callsign {callsign!r}",
                field="callsigns",
            )
        owner[callsign] = asset_id
        out[asset_id] = callsign
    return out


@dataclass(slots=True)
class BridgeCounters:
    """What a bridge did: ``events`` CoT events handed to the publishers (each counted once,
    whatever the number of publishers), ``taskings`` and ``stand_downs`` sent, ``refused``
    records a CoT writer would not write (a non-finite position, say)."""

    events: int = 0
    taskings: int = 0
    stand_downs: int = 0
    refused: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class TakBridge:
    """CoT publishers for the service, and the callsigns of its responders.

    ``callsigns`` maps an asset id to its TAK callsign (:func:`read_callsigns`); an asset not
    in it is called by its asset id.
    """

    def __init__(
        self, publishers: Sequence[Publisher], *, callsigns: Mapping[str, str] | None = None
    ) -> None:
        self.publishers = list(publishers)
        self.callsigns = _checked(callsigns or {}, "callsigns")
        self._assets = {c: a for a, c in self.callsigns.items()}
        self.counters = BridgeCounters()

    @classmethod
    def open(cls, urls: Iterable[str], *, callsigns: Mapping[str, str] | None = None) -> TakBridge:
        """A bridge with :func:`~northline.tak.open_publisher` for each URL."""
        publishers: list[Publisher] = []
        try:
            for url in urls:
                publishers.append(open_publisher(url))
        except BaseException:
            for p in publishers:
                if isinstance(p, UdpCotPublisher):
                    p.close()
            raise
        return cls(publishers, callsigns=callsigns)

    def callsign(self, asset_id: str) -> str:
        """The TAK callsign of a responder."""
        return self.callsigns.get(asset_id, asset_id)

    def asset_id(self, friendly: Friendly) -> str:
        """The asset id a friendly TAK client stands for: its callsign read back through the
        mapping (a callsign not in it is taken as the asset id); its uid when no callsign was
        heard (TAK protobuf)."""
        name = friendly.callsign or friendly.uid
        return self._assets.get(name, name)

    def send(self, events: Iterable[bytes]) -> int:
        """Every event to every publisher; returns how many events."""
        n = 0
        for event in events:
            for p in self.publishers:
                p.send(event)
            n += 1
        self.counters.events += n
        return n

    def draw_boundary(
        self,
        lines: MultiLineString | LineString | Iterable[LineString],
        t_s: float,
        *,
        marking: Marking,
    ) -> int:
        """The boundary as drawn shapes (:func:`~northline.tak.boundary_shape`)."""
        return self.send(boundary_shape(lines, t_s, marking=marking))

    def on_publish(self, kind: str, record: Any, marking: Marking | None = None) -> None:
        """A hub listener (:meth:`northline.api.Hub.add_listener`): tracks, crossings and
        alerts go out as CoT; other kinds are not TAK's and are left alone."""
        if kind not in KINDS or not self.publishers:
            return
        try:
            events = cot_events(kind, record)
        except InvalidInput as exc:
            self.counters.refused += 1
            _log.debug("not sent to TAK: %s", exc.message)
            return
        self.send(events)

    def task(self, alert: Alert, asset: _Unit, decision: _Decision) -> None:
        """Send the unit ``asset`` a tasking to ``alert`` from the person who decided it
        (the service's ``on_tasking`` callback)."""
        event = tasking_event(
            alert,
            asset.asset_id,
            decision.author,
            t_s=decision.t_s,
            callsign=self.callsign(asset.asset_id),
        )
        self.send([event])
        self.counters.taskings += 1

    def stand_down(self, alert: Alert, asset: _Unit, decision: _Decision) -> None:
        """Tell the unit ``asset`` its tasking to ``alert`` is cancelled by a person's later
        decision (the service's ``on_stand_down`` callback)."""
        event = stand_down_event(
            alert,
            asset.asset_id,
            decision.author,
            t_s=decision.t_s,
            callsign=self.callsign(asset.asset_id),
            reason=f"{decision.action} by {decision.author}",
        )
        self.send([event])
        self.counters.stand_downs += 1

    async def run(self) -> None:
        """Keep the TCP publishers connected until cancelled (UDP needs nothing)."""
        tcp = [p.run() for p in self.publishers if isinstance(p, TcpCotPublisher)]
        if tcp:
            await asyncio.gather(*tcp)
        else:
            await asyncio.Event().wait()

    def close(self) -> None:
        for p in self.publishers:
            if isinstance(p, UdpCotPublisher):
                p.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.publishers)} publishers)"


class FriendlyListener:
    """Friendly positions from TAK clients at ``url``, each new one handed to ``on_position``.

    ``url`` is one of :func:`northline.ingest.open_source`'s: ``udp://`` (the SA multicast
    group 239.2.3.1:6969) or ``udp://HOST:PORT``, ``tcp://HOST:PORT`` (a TAK server's
    streaming port, reconnecting) or ``tcp://HOST:PORT?listen`` (TAK clients connect to us).
    CoT XML and TAK protobuf are both read. A position older than the last one heard from
    the same TAK client is ignored (:class:`FriendlyTracker`). What ``on_position`` raises is
    logged and counted in :attr:`failed`; listening goes on.
    """

    def __init__(
        self,
        url: str,
        on_position: Callable[[Friendly], None],
        *,
        tracker: FriendlyTracker | None = None,
    ) -> None:
        self.tracker = tracker if tracker is not None else FriendlyTracker()
        self.source = CallsignTap(open_source(url, "cot"), self.tracker)
        self.on_position = on_position
        self.failed = 0

    @property
    def ready(self) -> asyncio.Event:
        """Set once the source listens (or has connected)."""
        return self.source.ready

    def write(self, result: DecodeResult) -> int:
        """The ingest sink: apply the friendly rows, call back for each client that moved."""
        before = self.tracker.friendlies()
        applied = self.tracker.update(result.batch)
        if applied:
            for uid, friendly in self.tracker.friendlies().items():
                if before.get(uid) != friendly:
                    self._call(friendly)
        return applied

    def _call(self, friendly: Friendly) -> None:
        try:
            self.on_position(friendly)
        except Exception:
            self.failed += 1
            _log.exception("friendly position from %s not recorded", friendly.uid)

    async def run(self, *, stop: asyncio.Event | None = None) -> SourceCounters:
        """Listen until ``stop`` is set or the task is cancelled; the source's counters."""
        decoder = FeedDecoder("cot", self.source.label)
        return await run_ingest(self.source, decoder, self, stop=stop)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.source.label!r})"
