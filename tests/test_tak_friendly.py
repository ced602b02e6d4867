"""Blue-force tracking: friendly positions sent by TAK clients (CoT over UDP and TCP) move the
responders they are mapped to; and the package's public names and dependencies."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import numpy as np

from _servers import free_port
from northline.ingest import (
    FeedDecoder,
    SourceCounters,
    TcpServerSource,
    UdpSource,
    decode_cot,
    run_ingest,
)
from northline.model import ObservationBatch, format_iso
from northline.response import load_assets, with_positions
from northline.tak import CallsignTap, FriendlyTracker

T0 = 1_767_225_600.0
SRC = Path(__file__).resolve().parents[1] / "src" / "northline"


def sa(
    uid: str, callsign: str, lon: float, lat: float, t_s: float, typ: str = "a-f-G-U-C"
) -> bytes:
    """A position report as ATAK sends it to the SA group."""
    t = format_iso(t_s)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" '
        f'uid="{uid}" type="{typ}" how="m-g" time="{t}" start="{t}" stale="{format_iso(t_s + 60)}">'
        f'<point lat="{lat}" lon="{lon}" hae="250.0" ce="4.9" le="9999999.0"/><detail>'
        f'<contact endpoint="*:-1:stcp" callsign="{callsign}"/><__group role="K9" name="Cyan"/>'
        '<track course="90.0" speed="1.2"/></detail></event>'
    ).encode()


def _run(
    source: UdpSource | TcpServerSource, tracker: FriendlyTracker, send: list[bytes]
) -> SourceCounters:
    tap = CallsignTap(source, tracker)

    async def main() -> SourceCounters:
        task = asyncio.create_task(
            run_ingest(tap, FeedDecoder("cot", tap.label), tracker, idle_timeout_s=0.5)
        )
        await asyncio.wait_for(tap.ready.wait(), 5)
        if isinstance(source, UdpSource):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
                for d in send:
                    out.sendto(d, ("127.0.0.1", source.port))
                    await asyncio.sleep(0.01)
        else:
            _, writer = await asyncio.open_connection("127.0.0.1", source.port)
            for d in send:  # cut mid-event, as a stream may be
                writer.write(d[:50])
                await writer.drain()
                await asyncio.sleep(0.01)
                writer.write(d[50:])
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        return await task

    return asyncio.run(main())


def test_friendly_position_over_udp_moves_the_mapped_responder() -> None:
    tracker = FriendlyTracker({"WOLF-1": "K9-7", "ANDROID-heli": "HELI-2"})
    port = free_port()
    counters = _run(
        UdpSource("127.0.0.1", port),
        tracker,
        [
            sa("ANDROID-abc", "WOLF-1", -97.10, 49.01, T0),
            sa("ANDROID-abc", "WOLF-1", -97.12, 49.02, T0 + 10),  # moved
            sa("ANDROID-abc", "WOLF-1", -97.00, 49.00, T0 + 5),  # late datagram: ignored
            sa("ANDROID-heli", "EAGLE", -97.3, 49.1, T0 + 2),  # mapped by its uid
            sa("ANDROID-zzz", "NOBODY", -97.4, 49.1, T0 + 3),  # friendly, not a responder
            sa("suspect-1", "WOLF-1", -97.5, 49.2, T0 + 20, typ="a-h-G"),  # hostile: ignored
        ],
    )
    assert counters.decoded == 6
    assert tracker.positions() == {
        "K9-7": (-97.12, 49.02, T0 + 10),
        "HELI-2": (-97.3, 49.1, T0 + 2),
    }
    # ... and moves the responder Northline dispatches: K9-7's position is WOLF-1's latest.
    doc = {
        "assets": [
            {"id": "K9-7", "kind": "k9", "lon": -97.237, "lat": 49.0},
            {"id": "CAR-1", "kind": "patrol_vehicle", "lon": -97.3, "lat": 49.05},
        ]
    }
    k9, car = with_positions(load_assets(doc), tracker.positions())
    assert (k9.lon, k9.lat) == (-97.12, 49.02)
    assert (k9.home_lon, k9.home_lat) == (-97.237, 49.0)
    assert (car.lon, car.lat) == (-97.3, 49.05)  # not reported: where it was
    friendlies = tracker.friendlies()
    assert set(friendlies) == {"ANDROID-abc", "ANDROID-heli", "ANDROID-zzz"}
    assert friendlies["ANDROID-abc"].callsign == "WOLF-1"
    assert tracker.asset_for("ANDROID-zzz") is None


def test_friendly_positions_over_a_tcp_stream() -> None:
    tracker = FriendlyTracker({"WOLF-1": "K9-7"})
    counters = _run(
        TcpServerSource("127.0.0.1", 0),
        tracker,
        [
            sa("ANDROID-abc", "WOLF-1", -97.10, 49.01, T0),
            sa("ANDROID-abc", "WOLF-1", -97.2, 49.0, T0 + 1),
        ],
    )
    assert counters.decoded == 2
    assert tracker.positions() == {"K9-7": (-97.2, 49.0, T0 + 1)}


def test_a_real_atak_report_is_a_friendly(shared_fixtures: Path) -> None:
    data = (shared_fixtures / "cot" / "taky_1.xml").read_bytes()
    tracker = FriendlyTracker({"JENNY": "PATROL-4"})
    assert tracker.learn(data)
    assert tracker.update(decode_cot(data, "fixture").batch) == 1
    assert tracker.positions() == {"PATROL-4": (-3.141592, 1.234567, 1614457944.771)}


def test_callsign_learned_after_the_position_still_maps() -> None:
    tracker = FriendlyTracker({"WOLF-1": "K9-7"})
    data = sa("ANDROID-abc", "WOLF-1", -97.1, 49.0, T0)
    tracker.update(decode_cot(data, "t").batch)
    assert tracker.positions() == {}
    tracker.note_callsign("ANDROID-abc", "WOLF-1")
    assert tracker.positions() == {"K9-7": (-97.1, 49.0, T0)}
    assert not tracker.learn(b"<event broken")
    assert not tracker.learn(sa("x", "WOLF-1", 0, 0, T0, typ="a-h-G"))


def test_rows_without_position_or_identity_are_skipped() -> None:
    batch = ObservationBatch.from_columns(
        {
            "t_s": [T0, T0, T0],
            "lon": [np.nan, -97.0, -97.0],
            "lat": [49.0, 49.0, 49.0],
            "classification": ["a-f-G", "a-f-G", "a-f-G"],
            "identity": ["a", "", "b"],
        }
    )
    tracker = FriendlyTracker({"b": "B"})
    assert tracker.update(batch) == 1
    assert tracker.update(ObservationBatch.empty()) == 0
    assert tracker.positions() == {"B": (-97.0, 49.0, T0)}
