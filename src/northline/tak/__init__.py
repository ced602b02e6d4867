"""TAK interoperability: Northline's picture out to TAK clients as Cursor-on-Target, and
friendly positions (blue-force tracking) from them back in as responder positions.

Writers (:func:`track_event`, :func:`crossing_event`, :func:`alert_event`,
:func:`boundary_shape`, :func:`tasking_event`, :func:`stand_down_event`) make one CoT
``<event>`` each, as UTF-8 bytes.
:class:`UdpCotPublisher` (the SA multicast group or unicast) and :class:`TcpCotPublisher`
(TCP or TLS, reconnecting) send them, with the service hub's ``publish(kind, record)``.
:class:`FriendlyTracker` keeps the latest friendly (``a-f-…``) positions decoded by
:mod:`northline.ingest` and maps TAK callsigns to responder asset ids.

In the service (``northline serve --tak URL --tak-listen URL``), :class:`TakBridge` sends what
the hub publishes as CoT and a tasking to each unit a person dispatches, and
:class:`FriendlyListener` hands friendly positions heard on a TAK network to the service;
:func:`read_callsigns` reads which TAK callsign each responder has (default: its asset id).
"""

from ._bridge import BridgeCounters, FriendlyListener, TakBridge, read_callsigns
from ._events import (
    ALERT_TYPE,
    BOUNDARY_TYPE,
    CROSSING_TYPE,
    STALE_S,
    STAND_DOWN_TYPE,
    TASKING_TYPE,
    TRACK_TYPE,
    UNKNOWN,
    alert_event,
    alert_uid,
    boundary_shape,
    crossing_event,
    stand_down_event,
    tasking_event,
    track_event,
    track_uid,
)
from ._friendly import FRIENDLY_PREFIX, CallsignTap, Friendly, FriendlyTracker
from ._publish import (
    KINDS,
    PublisherCounters,
    TcpCotPublisher,
    UdpCotPublisher,
    cot_events,
    open_publisher,
)

__all__ = [
    "ALERT_TYPE",
    "BOUNDARY_TYPE",
    "CROSSING_TYPE",
    "FRIENDLY_PREFIX",
    "KINDS",
    "STALE_S",
    "STAND_DOWN_TYPE",
    "TASKING_TYPE",
    "TRACK_TYPE",
    "UNKNOWN",
    "BridgeCounters",
    "CallsignTap",
    "Friendly",
    "FriendlyListener",
    "FriendlyTracker",
    "PublisherCounters",
    "TakBridge",
    "TcpCotPublisher",
    "UdpCotPublisher",
    "alert_event",
    "alert_uid",
    "boundary_shape",
    "cot_events",
    "crossing_event",
    "open_publisher",
    "read_callsigns",
    "stand_down_event",
    "tasking_event",
    "track_event",
    "track_uid",
]
