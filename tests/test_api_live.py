"""The live hub and ``WS /api/v1/live``: fan-out filtered by markings, bounded queues."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.websockets import WebSocketDisconnect

from northline.api import Hub
from northline.model import InvalidInput, Role, User
from test_api_service import (
    CAN,
    CAN_USA,
    Service,
    alert,
    crossing,
    receive_message,
    token_for,
    tracks,
    user_id_for,
)

LIVE = "/api/v1/live?token="
US = User(user_id="liaison", name="L", role=Role.PARTNER_LIAISON, agency="CBP", country="USA")
CA = User(user_id="op", name="O", role=Role.OPERATOR, agency="RCMP", country="CAN")


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[Service]:
    with Service(tmp_path) as s:
        s.seed()
        yield s


def test_a_record_reaches_only_those_who_may_see_it() -> None:
    hub = Hub()
    us, ca = hub.subscribe(US), hub.subscribe(CA)
    assert hub.publish("crossing", crossing("c1", CAN)) == 1
    assert hub.publish("crossing", crossing("c2", CAN_USA)) == 2
    assert [m.count('"c2"') for m in us.drain()] == [1]
    assert len(ca.drain()) == 2
    hub.unsubscribe(us)
    assert hub.publish("crossing", crossing("c3", CAN_USA)) == 1


def test_a_track_batch_goes_out_row_by_row() -> None:
    hub = Hub()
    sub = hub.subscribe(CA)
    assert hub.publish("track", tracks("t", CAN, n=3)) == 3
    assert len(sub.drain()) == 3


def test_an_alert_event_without_a_marking_reaches_nobody() -> None:
    from northline.model import AlertAction, AlertEvent, AlertState

    hub = Hub()
    sub = hub.subscribe(CA)
    event = AlertEvent(
        event_id="e", alert_id="a", t_s=0.0, action=AlertAction.ACKNOWLEDGE, actor="op",
        state=AlertState.ACKNOWLEDGED,
    )  # fmt: skip
    assert hub.publish("alert_event", event) == 0
    assert hub.publish("alert_event", event, marking=CAN) == 1
    assert len(sub.drain()) == 1


def test_unknown_kinds_and_wrong_records_are_refused() -> None:
    hub = Hub()
    with pytest.raises(InvalidInput):
        hub.publish("weather", crossing("c"))
    with pytest.raises(InvalidInput):
        hub.publish("alert", crossing("c"))


def test_a_slow_client_loses_the_oldest_and_never_blocks_the_publisher() -> None:
    hub = Hub(queue_size=5)
    slow = hub.subscribe(CA)
    start = time.perf_counter()
    for i in range(100):
        hub.publish("crossing", crossing(f"c{i}", CAN))
    assert time.perf_counter() - start < 2.0
    assert slow.dropped == 95
    kept = slow.drain()
    assert len(kept) == 5
    assert '"c95"' in kept[0]
    assert '"c99"' in kept[-1]


def test_publishing_from_many_threads() -> None:
    hub = Hub(queue_size=10_000)
    sub = hub.subscribe(CA)

    def work(k: int) -> None:
        for i in range(200):
            hub.publish("crossing", crossing(f"c{k}-{i}", CAN))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sub.drain()) == 800
    assert sub.dropped == 0


def test_the_partner_liaison_never_gets_a_can_only_record_live(svc: Service) -> None:
    hub = svc.app.state.hub
    with (
        svc.client.websocket_connect(LIVE + token_for(Role.PARTNER_LIAISON, "USA")) as us,
        svc.client.websocket_connect(LIVE + token_for(Role.OPERATOR)) as ca,
    ):
        for kind, make in (("crossing", crossing), ("alert", alert)):
            hub.publish(kind, make(f"{kind}-secret", CAN))
            hub.publish(kind, make(f"{kind}-shared", CAN_USA))
        hub.publish("track", tracks("track-secret", CAN, n=2))
        hub.publish("track", tracks("track-shared", CAN_USA, n=1))
        got_us = [receive_message(us) for _ in range(3)]
        got_ca = [receive_message(ca) for _ in range(7)]
    assert [(m["type"], m["data"]["releasability"]) for m in got_us] == [
        ("crossing", "CAN-USA"), ("alert", "CAN-USA"), ("track", "CAN-USA"),
    ]  # fmt: skip
    assert [m["data"].get("crossing_id") or m["data"].get("alert_id") for m in got_us[:2]] == [
        "crossing-shared",
        "alert-shared",
    ]
    assert {m["data"]["releasability"] for m in got_ca} == {"CAN", "CAN-USA"}
    assert hub.subscribers == 0, "closed sockets unsubscribe"


def test_a_step_through_the_api_is_published(svc: Service) -> None:
    url = LIVE + token_for(Role.PARTNER_LIAISON, "USA")
    with (
        svc.client.websocket_connect(url) as us,
        svc.client.websocket_connect(LIVE + token_for(Role.ANALYST)) as ca,
    ):
        assert (
            svc.post("/api/v1/alerts/alert-can/acknowledge", Role.OPERATOR, json={}).status_code
            == 200
        )
        shared = svc.post("/api/v1/alerts/alert-can-usa/acknowledge", Role.OPERATOR, json={})
        assert shared.status_code == 200
        first, second = receive_message(ca), receive_message(ca)
        assert (first["type"], second["type"]) == ("alert_event", "alert")
        assert first["data"]["alert_id"] == second["data"]["alert_id"] == "alert-can"
        assert second["data"]["state"] == "acknowledged"
        event, changed = receive_message(us), receive_message(us)
        assert event["type"] == "alert_event"
        assert event["data"]["alert_id"] == "alert-can-usa"
        assert changed["data"]["alert_id"] == "alert-can-usa"


@pytest.mark.parametrize("token", ["", "nope"])
def test_the_live_stream_needs_a_token(svc: Service, token: str) -> None:
    with pytest.raises(WebSocketDisconnect) as caught, svc.client.websocket_connect(LIVE + token):
        pass
    assert caught.value.code == 1008
    assert caught.value.reason == "unauthenticated"


def test_the_token_may_also_come_as_a_header(svc: Service) -> None:
    with svc.client.websocket_connect("/api/v1/live", headers=svc.headers(Role.OPERATOR)) as ws:
        svc.app.state.hub.publish("crossing", crossing("c", CAN))
        assert receive_message(ws)["data"]["crossing_id"] == "c"


def test_the_stream_closes_when_the_user_is_disabled(svc: Service) -> None:
    hub = svc.app.state.hub
    with svc.client.websocket_connect(LIVE + token_for(Role.ANALYST)) as ws:
        hub.publish("crossing", crossing("before", CAN))
        assert receive_message(ws)["data"]["crossing_id"] == "before"
        r = svc.post(f"/api/v1/users/{user_id_for(Role.ANALYST)}/disable", Role.ADMINISTRATOR)
        assert r.status_code == 200
        hub.publish("crossing", crossing("after", CAN))
        with pytest.raises(WebSocketDisconnect) as caught:
            receive_message(ws)
    assert caught.value.code == 1008
    assert caught.value.reason == "unauthenticated"
