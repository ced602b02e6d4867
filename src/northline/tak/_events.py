"""Cursor-on-Target writers for what Northline publishes to TAK clients.

Every writer returns one ``<event>`` as UTF-8 bytes, on one line with no XML declaration
(what TAK clients send over UDP and TCP). Times are ISO 8601 UTC to the millisecond with a
``Z``; attribute values are escaped with :func:`~xml.sax.saxutils.quoteattr`, text with
:func:`~xml.sax.saxutils.escape`. Every event carries ``<__northline agency=… releasability=…/>``
with the record's marking, which Northline's own decoder reads back.

=================  =============  ====  =============================================
writer             type           how   what
=================  =============  ====  =============================================
track_event        ``a-u-G``       m-p  a tracker estimate (``cot_type`` to classify)
crossing_event     ``b-m-p-s-m``   m-p  spot marker where the track crossed the line
alert_event        ``b-l-l-l``     m-p  alarm, security, law enforcement; remarks
boundary_shape     ``u-d-f``       h-e  free-hand polyline, one event per line part
tasking_event      ``t-x-n-r``     h-e  a response tasking, sent to one unit (marti)
stand_down_event   ``t-u-z``       h-e  that tasking cancelled (same uid), to the unit
=================  =============  ====  =============================================

Events about a track link to it with ``relation="p-s"`` (derived from the parent); a tasking
links its alert (``t-p-r``, regarding) and track (``t-o``, object of the tasking). ``ce`` is
the 1-sigma circular error in metres; ``9999999.0`` means unknown (CoT's convention). A
stand-down is the type tree's "update pending request: cancel" (``t-u-z``) with the tasking's
uid, so a client that shows the tasking replaces it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString

from ..model import Alert, Crossing, InvalidInput, Marking, TrackUpdate, format_iso

__all__ = [
    "ALERT_TYPE",
    "BOUNDARY_TYPE",
    "CROSSING_TYPE",
    "STALE_S",
    "STAND_DOWN_TYPE",
    "TASKING_TYPE",
    "TRACK_TYPE",
    "UNKNOWN",
    "alert_event",
    "alert_uid",
    "boundary_shape",
    "crossing_event",
    "stand_down_event",
    "tasking_event",
    "track_event",
    "track_uid",
]

TRACK_TYPE = "a-u-G"  # atom, unknown affiliation, ground
CROSSING_TYPE = "b-m-p-s-m"  # mapping, designated point, spot marker
ALERT_TYPE = "b-l-l-l"  # alarm, security, law enforcement
BOUNDARY_TYPE = "u-d-f"  # drawing, free-hand polyline (ATAK)
TASKING_TYPE = "t-x-n-r"  # extended request: Northline response tasking
STAND_DOWN_TYPE = "t-u-z"  # update pending request: cancel it
STALE_S = 30.0
BOUNDARY_STALE_S = 24 * 3600.0
TASKING_STALE_S = 3600.0
UNKNOWN = 9999999.0  # CoT's "not known" for hae, ce and le
BOUNDARY_COLOR_ARGB = -65536  # opaque red
MAX_SHAPE_POINTS = 400  # link points per shape event: keeps a datagram well under 64 KiB


def track_uid(track_id: str) -> str:
    return f"northline.track.{track_id}"


def alert_uid(alert_id: str) -> str:
    return f"northline.alert.{alert_id}"


def _coordinate(value: float, limit: float, name: str) -> str:
    if not (math.isfinite(value) and -limit <= value <= limit):
        raise InvalidInput(f"{name} {value!r} is not a finite value within ±{limit:g}", field=name)
    return f"{value:.7f}"


def _ce(sigma_m: float) -> str:
    return f"{sigma_m:.1f}" if math.isfinite(sigma_m) and sigma_m >= 0 else f"{UNKNOWN:.1f}"


def _head(uid: str, cot_type: str, how: str, t_s: float, stale_s: float, start_s: float) -> str:
    if not math.isfinite(t_s) or not math.isfinite(start_s):
        raise InvalidInput(f"event time {t_s!r} is not finite", field="t_s")
    return (
        f'<event version="2.0" uid={quoteattr(uid)} type={quoteattr(cot_type)} how="{how}" '
        f'time="{format_iso(t_s)}" start="{format_iso(start_s)}" '
        f'stale="{format_iso(t_s + stale_s)}">'
    )


def _point(lon: float, lat: float, ce: str = f"{UNKNOWN:.1f}") -> str:
    return (
        f'<point lat="{_coordinate(lat, 90, "lat")}" lon="{_coordinate(lon, 180, "lon")}" '
        f'hae="{UNKNOWN:.1f}" ce="{ce}" le="{UNKNOWN:.1f}"/>'
    )


def _ours(marking: Marking, **extra: str) -> str:
    attrs = "".join(f" {k}={quoteattr(v)}" for k, v in extra.items())
    return (
        f"<__northline agency={quoteattr(marking.agency)} "
        f"releasability={quoteattr(marking.releasability)}{attrs}/>"
    )


def _link(uid: str, cot_type: str, relation: str) -> str:
    return f'<link uid={quoteattr(uid)} type={quoteattr(cot_type)} relation="{relation}"/>'


def _finish(head: str, point: str, detail: str) -> bytes:
    return f"{head}{point}<detail>{detail}</detail></event>".encode()


def track_event(
    update: TrackUpdate, *, cot_type: str = TRACK_TYPE, stale_s: float = STALE_S
) -> bytes:
    """A track as an atom: course (degrees from true north) and speed (m/s) from its velocity,
    ``ce`` from ``sigma_m``, its track id as the callsign; stale ``stale_s`` after ``t_s``."""
    ve, vn = update.vel_east_mps, update.vel_north_mps
    track = ""
    if math.isfinite(ve) and math.isfinite(vn):
        course = math.degrees(math.atan2(ve, vn)) % 360.0
        track = f'<track course="{course:.4f}" speed="{math.hypot(ve, vn):.4f}"/>'
    detail = f"{track}<contact callsign={quoteattr(update.track_id)}/>" + _ours(
        update.marking, sector=update.sector, state=update.state.value, hits=str(update.hits)
    )
    head = _head(track_uid(update.track_id), cot_type, "m-p", update.t_s, stale_s, update.t_s)
    return _finish(head, _point(update.lon, update.lat, _ce(update.sigma_m)), detail)


def crossing_event(crossing: Crossing, *, stale_s: float = STALE_S * 10) -> bytes:
    """A spot marker where a track crossed the boundary, linked to the track."""
    port = f" at port {crossing.port_code}" if crossing.port_code else ""
    text = (
        f"Crossing {crossing.direction.value}{port} by track {crossing.track_id} at "
        f"{format_iso(crossing.t_s)} (confidence {crossing.confidence:.2f})"
    )
    detail = (
        _link(track_uid(crossing.track_id), TRACK_TYPE, "p-s")
        + f"<contact callsign={quoteattr(f'X {crossing.direction.value} {crossing.track_id}')}/>"
        + f"<remarks>{escape(text)}</remarks>"
        + _ours(
            crossing.marking,
            crossing_id=crossing.crossing_id,
            direction=crossing.direction.value,
            crossed=format_iso(crossing.t_s),
            sector=crossing.sector,
            port=crossing.port_code,
        )
    )
    head = _head(
        f"northline.crossing.{crossing.crossing_id}",
        CROSSING_TYPE,
        "m-p",
        crossing.detected_t_s,
        stale_s,
        crossing.detected_t_s,
    )
    return _finish(head, _point(crossing.lon, crossing.lat), detail)


def alert_event(alert: Alert, *, stale_s: float = STALE_S * 20) -> bytes:
    """An alarm at the alert's position; remarks carry its summary; linked to its track."""
    detail = (
        _link(track_uid(alert.track_id), TRACK_TYPE, "p-s")
        + f"<contact callsign={quoteattr(f'ALERT {alert.severity.value} {alert.track_id}')}/>"
        + f"<remarks>{escape(alert.summary)}</remarks>"
        + _ours(
            alert.marking,
            alert_id=alert.alert_id,
            kind=alert.kind.value,
            severity=alert.severity.value,
            state=alert.state.value,
            sector=alert.sector,
            ref_id=alert.ref_id,
        )
    )
    head = _head(alert_uid(alert.alert_id), ALERT_TYPE, "m-p", alert.t_s, stale_s, alert.t_s)
    return _finish(head, _point(alert.lon, alert.lat), detail)


def _parts(lines: MultiLineString | LineString | Iterable[LineString]) -> list[LineString]:
    if isinstance(lines, MultiLineString | LineString):
        return [p for p in shapely.get_parts(lines).tolist() if p.geom_type == "LineString"]
    return [p for line in lines for p in _parts(line)]


def boundary_shape(
    lines: MultiLineString | LineString | Iterable[LineString],
    t_s: float,
    *,
    marking: Marking,
    name: str = "Canada-US boundary",
    tolerance_deg: float = 0.0005,
    max_points: int = MAX_SHAPE_POINTS,
    stale_s: float = BOUNDARY_STALE_S,
) -> list[bytes]:
    """The boundary (``northline.geo.Boundary.lines``, lon/lat) as ATAK polyline drawings.

    Each line is simplified to ``tolerance_deg`` (shapely, topology kept) and cut into runs of
    at most ``max_points`` link points, consecutive runs sharing their end point; each run is
    one ``u-d-f`` event (uid ``northline.boundary.<i>``), its point the run's first vertex.
    """
    if max_points < 2:
        raise InvalidInput("a polyline needs at least two points", field="max_points")
    events: list[bytes] = []
    for part in _parts(lines):
        coords = np.asarray(shapely.simplify(part, tolerance_deg).coords, dtype=np.float64)
        step = max_points - 1
        for start in range(0, max(len(coords) - 1, 1), step):
            run = coords[start : start + max_points]
            if len(run) < 2:
                continue
            links = "".join(
                f'<link point="{_coordinate(lat, 90, "lat")},{_coordinate(lon, 180, "lon")}"/>'
                for lon, lat in run.tolist()
            )
            i = len(events)
            detail = (
                f'{links}<strokeColor value="{BOUNDARY_COLOR_ARGB}"/>'
                '<strokeWeight value="3.0"/><fillColor value="0"/>'
                f"<contact callsign={quoteattr(f'{name} {i + 1}')}/>"
                f'<labels_on value="false"/><archive/>{_ours(marking)}'
            )
            head = _head(f"northline.boundary.{i}", BOUNDARY_TYPE, "h-e", t_s, stale_s, t_s)
            events.append(_finish(head, _point(float(run[0, 0]), float(run[0, 1])), detail))
    return events


def tasking_event(
    alert: Alert,
    asset_id: str,
    author: str,
    *,
    t_s: float,
    callsign: str | None = None,
    stale_s: float = TASKING_STALE_S,
) -> bytes:
    """A tasking of the unit ``callsign`` (else ``asset_id``) to respond to ``alert``.

    Addressed to that unit alone with ``<marti><dest callsign=…/></marti>``; ``author`` is the
    person who decided to send it (Northline never tasks on its own). The type, ``t-x-n-r``,
    is in CoT's ``t-x`` branch, which is for extensions: TAK clients show it as a tasking
    without knowing Northline's detail.
    """
    if not author:
        raise InvalidInput("a tasking names the person who sent it", field="author")
    unit = callsign if callsign is not None else asset_id
    text = f"Respond to {alert.kind.value} alert {alert.alert_id}: {alert.summary}"
    detail = (
        _link(alert_uid(alert.alert_id), ALERT_TYPE, "t-p-r")
        + _link(track_uid(alert.track_id), TRACK_TYPE, "t-o")
        + f"<marti><dest callsign={quoteattr(unit)}/></marti>"
        + f"<remarks>{escape(text)}</remarks>"
        + _ours(alert.marking, alert_id=alert.alert_id, asset_id=asset_id, author=author)
    )
    head = _head(_tasking_uid(alert, asset_id), TASKING_TYPE, "h-e", t_s, stale_s, t_s)
    return _finish(head, _point(alert.lon, alert.lat), detail)


def _tasking_uid(alert: Alert, asset_id: str) -> str:
    return f"northline.tasking.{alert.alert_id}.{asset_id}"


def stand_down_event(
    alert: Alert,
    asset_id: str,
    author: str,
    *,
    t_s: float,
    callsign: str | None = None,
    reason: str = "",
    stale_s: float = TASKING_STALE_S,
) -> bytes:
    """The unit ``callsign`` (else ``asset_id``) is stood down from ``alert``: its tasking
    (same uid) is cancelled by ``author``, the person whose later decision (a decline, or
    another unit sent) ended it; ``reason`` goes into the remarks."""
    if not author:
        raise InvalidInput("a stand-down names the person who sent it", field="author")
    unit = callsign if callsign is not None else asset_id
    text = f"Stand down from {alert.kind.value} alert {alert.alert_id}" + (
        f": {reason}" if reason else ""
    )
    detail = (
        _link(alert_uid(alert.alert_id), ALERT_TYPE, "t-p-r")
        + f"<marti><dest callsign={quoteattr(unit)}/></marti>"
        + f"<remarks>{escape(text)}</remarks>"
        + _ours(alert.marking, alert_id=alert.alert_id, asset_id=asset_id, author=author)
    )
    head = _head(_tasking_uid(alert, asset_id), STAND_DOWN_TYPE, "h-e", t_s, stale_s, t_s)
    return _finish(head, _point(alert.lon, alert.lat), detail)
