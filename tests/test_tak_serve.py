"""TAK in the service: ``northline serve --tak --tak-listen --callsigns --follow``.

Real sockets on 127.0.0.1 and a real SQLite store, written by a second connection as another
process would: a CoT listener gets the boundary, what the follower publishes and a tasking
after a person's dispatch; a friendly position sent by UDP moves the responder.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import httpx
import pytest
from click.testing import CliRunner
from defusedxml.ElementTree import fromstring

from _demo import live_demo
from _servers import free_port
from northline.api import Hub
from northline.cli._follow import StoreFollower
from northline.cli._serve import serve, users
from northline.cli._service import FriendlyRecorder
from northline.model import (
    Alert,
    AlertKind,
    Crossing,
    Direction,
    InvalidInput,
    Role,
    Severity,
    TrackBatch,
    TrackState,
    TrackUpdate,
    User,
    format_iso,
)
from northline.response import AssetStatus, decide, load_assets
from northline.store import SQLiteStore
from northline.tak import (
    ALERT_TYPE,
    BOUNDARY_TYPE,
    STAND_DOWN_TYPE,
    TASKING_TYPE,
    TRACK_TYPE,
    Friendly,
    FriendlyListener,
    TakBridge,
    UdpCotPublisher,
    read_callsigns,
)

T0 = 1_767_225_600.0
OPERATOR = User(user_id="ana", name="Ana", role=Role.OPERATOR, agency="RCMP", country="CAN")
ASSETS = {
    "assets": [
        {"id": "K9-7", "kind": "k9", "name": "Dog team 7", "lon": -97.24, "lat": 49.0},
        {"id": "CAR-1", "kind": "patrol_vehicle", "lon": -97.30, "lat": 49.05},
    ]
}


def _update(track_id: str, t_s: float, lon: float = -97.12) -> TrackUpdate:
    return TrackUpdate(
        track_id=track_id, t_s=t_s, lon=lon, lat=49.001, vel_east_mps=1.0, vel_north_mps=2.0,
        sigma_m=10.0, state=TrackState.CONFIRMED, sector="MB-1", hits=5,
    )  # fmt: skip


def _tracks(*rows: tuple[str, float]) -> TrackBatch:
    n = len(rows)
    return TrackBatch.from_columns(
        {
            "track_id": [track_id for track_id, _ in rows],
            "t_s": [t_s for _, t_s in rows],
            "lon": [-97.12] * n,
            "lat": [49.001] * n,
            "sigma_m": [10.0] * n,
            "state": [TrackState.CONFIRMED.value] * n,
            "hits": [5] * n,
            "sector": ["MB-1"] * n,
        }
    )


def _crossing(crossing_id: str, t_s: float) -> Crossing:
    return Crossing(
        crossing_id=crossing_id, track_id="T-1", t_s=t_s, detected_t_s=t_s + 1, lon=-97.12,
        lat=49.0, direction=Direction.CAN_TO_USA, confidence=0.9, sector="MB-1",
    )  # fmt: skip


def _alert(alert_id: str, t_s: float) -> Alert:
    return Alert(
        alert_id=alert_id, kind=AlertKind.CROSSING, t_s=t_s, track_id="T-1", lon=-97.12,
        lat=49.0, severity=Severity.HIGH, summary=f"Track T-1 crossed ({alert_id})",
        sector="MB-1", ref_id="X-1",
    )  # fmt: skip


def sa(uid: str, callsign: str, lon: float, lat: float, t_s: float) -> bytes:
    """A friendly position report as ATAK sends it to the SA group."""
    t = format_iso(t_s)
    return (
        f'<event version="2.0" uid="{uid}" type="a-f-G-U-C" how="m-g" time="{t}" start="{t}" '
        f'stale="{format_iso(t_s + 60)}"><point lat="{lat}" lon="{lon}" hae="250.0" ce="4.9" '
        f'le="9999999.0"/><detail><contact callsign="{callsign}"/></detail></event>'
    ).encode()


class CotListener:
    """A TAK client listening for CoT datagrams on a free port of 127.0.0.1, reading them as
    they come (in a thread, so that a flood of tracks cannot fill the socket's buffer)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.url = f"udp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.seen: list[Element] = []
        self._heard = threading.Condition()
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closed:
            try:
                data = self.sock.recv(65_535)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._heard:
                self.seen.append(fromstring(data))
                self._heard.notify_all()

    def until(self, want: Callable[[Element], bool], timeout_s: float = 20.0) -> Element:
        """The first event (heard now or before) for which ``want`` is true."""
        deadline = time.monotonic() + timeout_s
        checked = 0
        with self._heard:
            while True:
                for e in self.seen[checked:]:
                    if want(e):
                        return e
                checked = len(self.seen)
                left = deadline - time.monotonic()
                if left <= 0:
                    types = Counter(e.get("type") for e in self.seen)
                    raise AssertionError(f"no such event among {dict(types)}")
                self._heard.wait(left)

    def close(self) -> None:
        self._closed = True
        self._reader.join(timeout=5)
        self.sock.close()


def _typed(cot_type: str, uid: str | None = None) -> Callable[[Element], bool]:
    return lambda e: e.get("type") == cot_type and (uid is None or e.get("uid") == uid)


# -- the follower: rows another connection writes, published once -------------------------------


def test_follower_publishes_what_a_second_connection_writes(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SQLiteStore(db) as writer, SQLiteStore(db) as served:
        writer.add_track_updates(_tracks(("T-1", T0), ("T-2", T0)))
        writer.add_alerts([_alert("A-0", T0)])
        hub = Hub()
        sub = hub.subscribe(OPERATOR)
        follower = StoreFollower(served, hub.publish, lookback_s=30.0)
        assert follower.poll() == 0, "what was stored before it started is not published again"
        writer.add_track_updates(_tracks(("T-1", T0 + 1), ("T-2", T0 - 5)))  # one a bit late
        writer.add_crossings([_crossing("X-1", T0 + 0.5)])
        writer.add_alerts([_alert("A-1", T0 + 1)])
        writer.add_track_updates(_tracks(("T-3", T0 - 3600)))  # back-filled history: not live
        assert follower.poll() == 4
        messages = [(m["type"], m["data"]) for m in map(_json, sub.drain())]
        assert [(k, d.get("track_id"), d["t_s"]) for k, d in messages if k == "track"] == [
            ("track", "T-2", T0 - 5),
            ("track", "T-1", T0 + 1),
        ]
        assert [d["crossing_id"] for k, d in messages if k == "crossing"] == ["X-1"]
        assert [d["alert_id"] for k, d in messages if k == "alert"] == ["A-1"]
        assert follower.poll() == 0, "each row once"
        assert follower.published == {"track": 2, "crossing": 1, "alert": 1}


def _json(text: str) -> dict[str, Any]:
    import json

    doc: dict[str, Any] = json.loads(text)
    return doc


def test_hub_publishes_reach_tak_as_cot(tmp_path: Path) -> None:
    tak = CotListener()
    host, port = tak.url.removeprefix("udp://").split(":")
    bridge = TakBridge([UdpCotPublisher(host, int(port))])
    hub = Hub()
    hub.add_listener(bridge.on_publish)
    try:
        assert hub.publish("track", _tracks(("T-1", T0), ("T-2", T0))) == 0, "no subscribers"
        hub.publish("alert", _alert("A-1", T0))
        hub.publish(
            "track", _update("T-9", T0, lon=float("nan"))
        )  # a row the CoT writer refuses: counted, not raised
        tak.until(_typed(ALERT_TYPE, "northline.alert.A-1"))
        assert [e.get("uid") for e in tak.seen if e.get("type") == TRACK_TYPE] == [
            "northline.track.T-1",
            "northline.track.T-2",
        ]
        assert bridge.counters.as_dict() == {
            "events": 3,
            "taskings": 0,
            "stand_downs": 0,
            "refused": 1,
        }
    finally:
        bridge.close()
        tak.close()


def test_a_tasking_reaches_a_tak_server_over_tcp() -> None:
    asset = load_assets(ASSETS)[0]
    decision = decide(asset.asset_id, "change", OPERATOR, asset_id=asset.asset_id,
                      note="closest", now_t_s=T0 + 5)  # fmt: skip

    async def main() -> bytes:
        got: asyncio.Queue[bytes] = asyncio.Queue()

        async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await got.put(await reader.readuntil(b"</event>"))
            writer.close()

        server = await asyncio.start_server(client, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        bridge = TakBridge.open([f"tcp://127.0.0.1:{port}"], callsigns={"K9-7": "WOLF-1"})
        sending = asyncio.create_task(bridge.run())
        bridge.task(_alert("A-1", T0), asset, decision)
        try:
            return await asyncio.wait_for(got.get(), 10)
        finally:
            sending.cancel()
            server.close()
            await server.wait_closed()

    event = fromstring(asyncio.run(main()))
    assert event.get("type") == TASKING_TYPE
    dest = event.find("detail/marti/dest")
    assert dest is not None
    assert dest.get("callsign") == "WOLF-1"


def test_a_stand_down_reaches_the_unit_over_tcp() -> None:
    asset = load_assets(ASSETS)[0]
    decision = decide("A-1", "decline", OPERATOR, note="a deer", now_t_s=T0 + 50)

    async def main() -> tuple[bytes, dict[str, int]]:
        got: asyncio.Queue[bytes] = asyncio.Queue()

        async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await got.put(await reader.readuntil(b"</event>"))
            writer.close()

        server = await asyncio.start_server(client, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        bridge = TakBridge.open([f"tcp://127.0.0.1:{port}"], callsigns={"K9-7": "WOLF-1"})
        sending = asyncio.create_task(bridge.run())
        bridge.stand_down(_alert("A-1", T0), asset, decision)
        try:
            return await asyncio.wait_for(got.get(), 10), bridge.counters.as_dict()
        finally:
            sending.cancel()
            server.close()
            await server.wait_closed()

    raw, counters = asyncio.run(main())
    event = fromstring(raw)
    assert event.get("type") == STAND_DOWN_TYPE
    assert event.get("uid") == f"northline.tasking.A-1.{asset.asset_id}"
    dest = event.find("detail/marti/dest")
    assert dest is not None
    assert dest.get("callsign") == "WOLF-1"
    assert (counters["stand_downs"], counters["taskings"]) == (1, 0)


def test_callsigns_file(tmp_path: Path) -> None:
    path = tmp_path / "callsigns.toml"
    path.write_text('# asset id = TAK callsign\nK9-7 = "WOLF-1"\n"heli.2" = "EAGLE"\n')
    callsigns = read_callsigns(path)
    assert callsigns == {"K9-7": "WOLF-1", "heli.2": "EAGLE"}
    bridge = TakBridge([], callsigns=callsigns)
    assert bridge.callsign("K9-7") == "WOLF-1"
    assert bridge.callsign("CAR-1") == "CAR-1", "by default the callsign is the asset id"
    assert bridge.asset_id(Friendly("ANDROID-1", 0, 0, T0, "a-f-G", "WOLF-1")) == "K9-7"
    assert bridge.asset_id(Friendly("ANDROID-2", 0, 0, T0, "a-f-G", "CAR-1")) == "CAR-1"
    assert bridge.asset_id(Friendly("CAR-1", 0, 0, T0, "a-f-G")) == "CAR-1", "no callsign: uid"
    for text in ('A = "X"\nB = "X"\n', "A = 3\n", 'A = ""\n', "A = [\n"):
        path.write_text(text)
        with pytest.raises(InvalidInput) as err:
            read_callsigns(path)
        assert err.value.context["field"] == "callsigns"


def test_friendly_position_over_udp_is_recorded_and_published(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        for asset in load_assets(ASSETS):
            store.put_asset(asset, t_s=T0, author="test")
        hub = Hub()
        published: list[tuple[str, Any]] = []
        hub.add_listener(lambda kind, record, _: published.append((kind, record)))
        recorder = FriendlyRecorder(store, hub.publish, TakBridge([], callsigns={"K9-7": "WOLF-1"}))
        port = free_port()
        listener = FriendlyListener(f"udp://127.0.0.1:{port}", recorder)

        async def main() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(listener.run(stop=stop))
            await asyncio.wait_for(listener.ready.wait(), 5)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
                for data in (
                    sa("ANDROID-1", "WOLF-1", -97.10, 49.01, T0 + 10),
                    sa("ANDROID-1", "WOLF-1", -97.00, 49.00, T0 + 5),  # late: ignored
                    sa("ANDROID-9", "NOBODY", -97.40, 49.10, T0 + 10),  # not a responder
                    sa("ANDROID-2", "CAR-1", -97.20, 49.02, T0 + 12),  # callsign = asset id
                ):
                    out.sendto(data, ("127.0.0.1", port))
                    await asyncio.sleep(0.02)
            deadline = time.monotonic() + 5
            while recorder.recorded + recorder.unknown < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            stop.set()
            await task

        asyncio.run(main())
        assert (recorder.recorded, recorder.unknown, listener.failed) == (2, 1, 0)
        k9, car = store.asset("K9-7"), store.asset("CAR-1")
        assert (k9.lon, k9.lat, k9.home_lon) == (-97.10, 49.01, -97.24)
        assert (car.lon, car.lat) == (-97.20, 49.02)
        [event] = store.asset_events("K9-7")
        assert (event.author, event.t_s, event.status) == ("tak:WOLF-1", T0 + 10, None)
        assert [(k, r.asset_id) for k, r in published] == [("asset", "K9-7"), ("asset", "CAR-1")]


# -- northline serve, end to end ----------------------------------------------------------------


@contextmanager
def _serving(db: Path, *args: str) -> Iterator[str]:
    port = free_port()
    code = (
        "import sys; from northline.cli._serve import serve; "
        "serve(sys.argv[1:], standalone_mode=True)"
    )
    argv = [sys.executable, "-c", code, "--store", str(db), "--port", str(port), *args]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err


def test_serve_has_the_tak_options() -> None:
    res = CliRunner().invoke(serve, ["--help"])
    assert res.exit_code == 0
    for option in ("--tak ", "--tak-listen", "--callsigns", "--follow"):
        assert option in res.output, option


def test_serve_refuses_bad_tak_options_before_it_listens(tmp_path: Path) -> None:
    db, bad = tmp_path / "s.db", tmp_path / "callsigns.toml"
    bad.write_text('A = "X"\nB = "X"\n')
    for args, said in (
        (["--tak", "http://127.0.0.1:1"], "udp:// or tcp://"),
        (["--tak-listen", "gopher://127.0.0.1:1"], "scheme 'gopher'"),
        (["--callsigns", str(bad)], "share the callsign 'X'"),
    ):
        res = CliRunner().invoke(serve, ["--store", str(db), "--port", str(free_port()), *args])
        assert res.exit_code == 2, res.output
        assert said in res.output, res.output


@pytest.mark.slow
def test_serve_sends_tak_and_moves_responders(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    argv = ["add", "ana", "--store", str(db), "--name", "Ana", "--role", "operator",
            "--agency", "RCMP", "--country", "CAN", "--password-stdin"]  # fmt: skip
    assert CliRunner().invoke(users, argv, input="correct horse\n").exit_code == 0
    with SQLiteStore(db) as store:
        for asset in load_assets(ASSETS):
            store.put_asset(asset, t_s=T0, author="test")
    callsigns = tmp_path / "callsigns.toml"
    callsigns.write_text('K9-7 = "WOLF-1"\n')
    tak, listen_port = CotListener(), free_port()
    args = ("--tak", tak.url, "--tak-listen", f"udp://127.0.0.1:{listen_port}",
            "--callsigns", str(callsigns), "--follow", "0.1")  # fmt: skip
    try:
        with _serving(db, *args) as base, SQLiteStore(db) as writer:
            tak.until(_typed(BOUNDARY_TYPE))
            assert tak.seen[0].get("type") == BOUNDARY_TYPE, "the boundary comes first"
            # Another process (a live pipeline, say) writes an alert: the follower publishes it.
            writer.add_track_updates(_tracks(("T-1", time.time())))
            writer.add_alerts([_alert("A-1", time.time())])
            tak.until(_typed(TRACK_TYPE, "northline.track.T-1"))
            tak.until(_typed(ALERT_TYPE, "northline.alert.A-1"))

            login = {"user_id": "ana", "password": "correct horse"}
            token = httpx.post(f"{base}/api/v1/auth/login", json=login).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            res = httpx.post(
                f"{base}/api/v1/alerts/A-1/dispatch",
                json={"action": "change", "asset_id": "K9-7", "note": "closest dog team"},
                headers=auth,
            )
            assert res.status_code == 200, res.text
            tasking = tak.until(_typed(TASKING_TYPE))
            assert tasking.get("uid") == "northline.tasking.A-1.K9-7"
            dest = tasking.find("detail/marti/dest")
            assert dest is not None
            assert dest.get("callsign") == "WOLF-1"
            ours = tasking.find("detail/__northline")
            assert ours is not None
            assert (ours.get("author"), ours.get("asset_id")) == ("ana", "K9-7")
            # The alert, tasked now, goes out again with its new state.
            tak.until(
                lambda e: _typed(ALERT_TYPE, "northline.alert.A-1")(e) and _state(e) == "tasked"
            )

            # The dog team's TAK client reports where it is: the responder moves.
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
                out.sendto(sa("ANDROID-w1", "WOLF-1", -97.15, 49.002, time.time()),
                           ("127.0.0.1", listen_port))  # fmt: skip
            deadline = time.monotonic() + 10
            while True:
                assets = {a["asset_id"]: a for a in httpx.get(f"{base}/api/v1/assets",
                                                              headers=auth).json()}  # fmt: skip
                if (assets["K9-7"]["lon"], assets["K9-7"]["lat"]) == (-97.15, 49.002):
                    break
                assert time.monotonic() < deadline, assets["K9-7"]
                time.sleep(0.1)
            assert assets["K9-7"]["status"] == AssetStatus.TASKED.value, "moved, still tasked"
            assert assets["K9-7"]["tasked_alert_id"] == "A-1"
            assert (assets["CAR-1"]["lon"], assets["CAR-1"]["lat"]) == (-97.30, 49.05)
            events = httpx.get(f"{base}/api/v1/assets/K9-7", headers=auth).json()["events"]
            assert "tak:WOLF-1" in {e["author"] for e in events}
    finally:
        tak.close()


def _state(e: Element) -> str | None:
    ours = e.find("detail/__northline")
    return None if ours is None else ours.get("state")


@pytest.mark.slow
def test_demo_dispatch_sends_a_tasking_to_tak(tmp_path: Path) -> None:
    tak = CotListener()
    try:
        with live_demo(tmp_path / "live", speed=300, args=("--tak", tak.url)) as demo:
            base = demo.url.rstrip("/")
            login = {"user_id": "operator", "password": demo.passwords["operator"]}
            token = httpx.post(f"{base}/api/v1/auth/login", json=login).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            assets = httpx.get(f"{base}/api/v1/assets", headers=auth).json()
            assert len(assets) >= 5, "the scenario's responders are in the store"
            deadline = time.monotonic() + 60
            while not (alerts := httpx.get(f"{base}/api/v1/alerts", headers=auth).json()):
                assert time.monotonic() < deadline, "no alert raised"
                time.sleep(0.2)
            alert_id = alerts[0]["alert_id"]
            recs = httpx.get(f"{base}/api/v1/alerts/{alert_id}/recommendations", headers=auth)
            assert recs.status_code == 200, recs.text
            assert recs.json(), "a responder is recommended"
            asset_id = recs.json()[0]["asset_id"]
            res = httpx.post(
                f"{base}/api/v1/alerts/{alert_id}/dispatch",
                json={"action": "accept", "asset_id": asset_id, "note": "go"},
                headers=auth,
            )
            assert res.status_code == 200, res.text
            tasking = tak.until(_typed(TASKING_TYPE), timeout_s=30)
            assert tasking.get("uid") == f"northline.tasking.{alert_id}.{asset_id}"
            dest = tasking.find("detail/marti/dest")
            assert dest is not None
            assert dest.get("callsign") == asset_id, "the asset id is the TAK callsign"
    finally:
        tak.close()
    assert demo.proc.returncode == 0, demo.stderr
