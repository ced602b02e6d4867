"""The service under test, in process: the app over a real SQLiteStore in ``tmp_path``.

A SQLite connection belongs to the thread that opened it, and the app calls its store from
its event loop; so the store is opened in the event loop's thread (the TestClient's blocking
portal) and the tests reach it through :meth:`Service.call`. Other test modules import
:class:`Service` and the record builders from here.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import anyio.from_thread
import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from northline.api import create_app
from northline.api._passwords import hash_token
from northline.model import (
    Alert,
    AlertKind,
    Crossing,
    Direction,
    Marking,
    QuarantinedMessage,
    Role,
    Sensor,
    SensorKind,
    Severity,
    TrackBatch,
    User,
)
from northline.store import SQLiteStore

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 and warns on httpx, which is what the dev extra installs.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

T = TypeVar("T")

CAN = Marking("RCMP", "CAN")
CAN_USA = Marking("RCMP", "CAN-USA")
MARKINGS = {"CAN": CAN, "CAN-USA": CAN_USA}
T0 = 1_750_000_000.0


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, t_s: float = T0) -> None:
        self.t_s = t_s

    def __call__(self) -> float:
        return self.t_s


_FRAMES: dict[int, list[Any]] = {}


def receive_message(ws: Any) -> Any:
    """The next live message of ``ws``, whatever frame it came in: each frame is a JSON array
    of messages, and several may share one."""
    waiting = _FRAMES.setdefault(id(ws), [])
    while not waiting:
        frame = ws.receive_json()
        assert isinstance(frame, list), frame
        assert frame, "an empty frame"
        waiting.extend(frame)
    return waiting.pop(0)


def token_for(role: Role, country: str = "CAN") -> str:
    return f"token-{role.value}-{country.lower()}"


def user_id_for(role: Role, country: str = "CAN") -> str:
    return f"{role.value.replace('_', '-')}.{country.lower()}"


class Service:
    """The app, its TestClient, its store and one signed-in user per role and country."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        data_dir: Path | None = None,
        static_dir: Path | None = None,
        queue_size: int = 1000,
        raise_server_exceptions: bool = True,
    ) -> None:
        self._stack = ExitStack()
        self.portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        self.store: SQLiteStore = self.portal.call(SQLiteStore, tmp_path / "store.db")
        self._stack.callback(self.portal.call, self.store.close)
        self.clock = Clock()
        self.app: FastAPI = create_app(
            self.store,
            data_dir=data_dir,
            clock=self.clock,
            static_dir=static_dir,
            queue_size=queue_size,
        )
        self.client = TestClient(self.app, raise_server_exceptions=raise_server_exceptions)
        self.client.portal = self.portal  # requests run in the loop that owns the store
        self.call(self._add_users)

    def _add_users(self) -> None:
        for role in Role:
            for country, agency in (("CAN", "RCMP"), ("USA", "CBP")):
                user = User(
                    user_id=user_id_for(role, country),
                    name=f"{role.value} {country}",
                    role=role,
                    agency=agency,
                    country=country,
                )
                self.store.add_user(user, None)
                self.store.add_token(
                    hash_token(token_for(role, country)),
                    user.user_id,
                    kind="api",
                    expires_t_s=None,
                )

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` in the thread that owns the store."""
        return self.portal.call(functools.partial(fn, *args, **kwargs))

    def headers(self, role: Role, country: str = "CAN") -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(role, country)}"}

    def get(self, path: str, role: Role, country: str = "CAN", **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(role, country), **kw)

    def post(self, path: str, role: Role, country: str = "CAN", **kw: Any) -> Any:
        return self.client.post(path, headers=self.headers(role, country), **kw)

    def seed(self) -> None:
        """One record of every kind under each marking: ``…-can`` and ``…-can-usa``."""
        self.call(self._seed)

    def _seed(self) -> None:
        for label, m in MARKINGS.items():
            s = label.lower()
            self.store.add_sensors([sensor(f"sensor-{s}", m)])
            self.store.add_track_updates(tracks(f"track-{s}", m))
            self.store.add_crossings([crossing(f"crossing-{s}", m)])
            self.store.add_alerts([alert(f"alert-{s}", m)])
            self.store.add_quarantined([quarantined(f"q-{s}", m)])

    def close(self) -> None:
        self.client.close()
        self._stack.close()

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sensor(sensor_id: str, marking: Marking = CAN) -> Sensor:
    return Sensor(
        sensor_id=sensor_id,
        kind=SensorKind.TOWER,
        lon=-97.2,
        lat=49.01,
        range_m=8000.0,
        name=sensor_id,
        marking=marking,
    )


def tracks(track_id: str, marking: Marking = CAN, n: int = 3) -> TrackBatch:
    return TrackBatch.from_columns(
        {
            "track_id": [track_id] * n,
            "t_s": [T0 + 10.0 * i for i in range(n)],
            "lon": [-97.2 + 0.001 * i for i in range(n)],
            "lat": [49.0 + 0.001 * i for i in range(n)],
            "vx_mps": [1.0] * n,
            "vy_mps": [2.0] * n,
            "sigma_m": [5.0] * n,
            "state": ["confirmed"] * n,
            "hits": list(range(1, n + 1)),
            "sector": ["emerson"] * n,
            "agency": [marking.agency] * n,
            "releasability": [marking.releasability] * n,
        }
    )


def crossing(crossing_id: str, marking: Marking = CAN, t_s: float = T0 + 5.0) -> Crossing:
    return Crossing(
        crossing_id=crossing_id,
        track_id="track-x",
        t_s=t_s,
        detected_t_s=t_s + 1.0,
        lon=-97.2,
        lat=49.0,
        direction=Direction.CAN_TO_USA,
        confidence=0.9,
        sector="emerson",
        marking=marking,
    )


def alert(alert_id: str, marking: Marking = CAN, t_s: float = T0 + 6.0) -> Alert:
    return Alert(
        alert_id=alert_id,
        kind=AlertKind.CROSSING,
        t_s=t_s,
        track_id="track-x",
        lon=-97.2,
        lat=49.0,
        severity=Severity.HIGH,
        summary="crossing south near Emerson",
        sector="emerson",
        marking=marking,
    )


def quarantined(quarantine_id: str, marking: Marking = CAN) -> QuarantinedMessage:
    return QuarantinedMessage(
        quarantine_id=quarantine_id,
        received_t_s=T0,
        source="udp://0.0.0.0:6969",
        decoder="cot",
        reason_code="bad_xml",
        reason="not well-formed",
        raw=b"<event",
        marking=marking,
    )


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[Service]:
    with Service(tmp_path) as s:
        yield s


def test_health_needs_no_token(svc: Service) -> None:
    r = svc.client.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["schema_version"] == svc.call(svc.store.schema_version)
    assert body["version"]
