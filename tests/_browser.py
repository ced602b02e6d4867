"""A real browser for the web page's tests: Debian's Chromium driven by Playwright.

Chromium is never downloaded: the tests use ``/usr/bin/chromium`` (Debian's package). Where
it, Playwright or the built page is missing the test is skipped with a reason, except under
CI, where that is a failure of the set-up. Every page records each request it makes and each
WebSocket it opens, so a test can assert that nothing leaves 127.0.0.1; screenshots go to
``out/screenshots/``. :class:`LiveService` is the real app on uvicorn over a real SQLite store
for those pages to talk to.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import pytest

from _servers import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "SCREENSHOTS",
    "LiveService",
    "RecordedPage",
    "browser",
    "built_static",
    "new_page",
    "outside",
    "require",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "out" / "screenshots"
_LOCAL_SCHEMES = {"data", "blob", "about"}
_LOCAL_HOSTS = {"127.0.0.1"}
T = TypeVar("T")


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` is false; under CI a missing prerequisite fails instead."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def outside(urls: list[str]) -> list[str]:
    """The URLs that would leave the machine: anything not on 127.0.0.1 (or data:/blob:)."""
    out = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in _LOCAL_SCHEMES:
            continue
        if parts.hostname not in _LOCAL_HOSTS:
            out.append(url)
    return out


@dataclass
class RecordedPage:
    """A page in its own browser context (its own sessionStorage) and what it asked for."""

    name: str
    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return self.requests + self.websockets

    def outside(self) -> list[str]:
        return outside(self.urls)

    def screenshot(self, label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{self.name}-{label}")
        path = SCREENSHOTS / f"{safe}.png"
        self.page.screenshot(path=str(path))
        return path


# Module scope: each test module imports this fixture, and two sync Playwright drivers must
# not be alive at once.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, with its own background networking switched off."""
    require(CHROMIUM.is_file(), f"{CHROMIUM} is not installed (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        require(False, "the playwright package is not installed")
        raise
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def built_static() -> Path:
    """The built page (``make web``), or a skip saying how to build it."""
    from northline.web import static_dir

    path = static_dir()
    require(path is not None, "the web page is not built: run `make web` (npm ci && npm run build)")
    assert path is not None
    return path


@pytest.fixture
def new_page(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], RecordedPage]]:
    """A factory of recorded pages, each in a fresh context; all are closed after the test."""
    made: list[RecordedPage] = []

    def make(name: str) -> RecordedPage:
        context = browser.new_context(viewport={"width": 1400, "height": 860})
        page = context.new_page()
        rec = RecordedPage(f"{request.node.name}-{name}", context, page)
        page.on("request", lambda r: rec.requests.append(r.url))
        page.on("websocket", lambda ws: rec.websockets.append(ws.url))
        page.on("pageerror", lambda e: rec.errors.append(str(e)))

        def on_console(msg: Any) -> None:
            if msg.type == "error":
                rec.errors.append(f"console: {msg.text}")

        page.on("console", on_console)
        made.append(rec)
        return rec

    yield make
    for rec in made:
        rec.context.close()


class LiveService:
    """The real app (``create_app``) on uvicorn, on its own event loop in a background thread,
    over a SQLiteStore at ``db`` that ``seed(store)`` fills before the app starts.

    A SQLite connection belongs to the thread that opened it and the app calls its store from
    its event loop, so the store is opened in that thread and the test reaches it through
    :meth:`call`. ``app_kwargs`` go to ``create_app``.
    """

    def __init__(
        self,
        db: Path,
        *,
        data_dir: Path,
        static_dir: Path,
        seed: Callable[[Any], None],
        **app_kwargs: Any,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._db, self._data_dir, self._static_dir = db, data_dir, static_dir
        self._seed, self._app_kwargs = seed, app_kwargs
        self._started = threading.Event()
        self._error: BaseException | None = None
        self.app: Any = None
        self.store: Any = None
        self._server: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="uvicorn", daemon=True)

    def _run(self) -> None:
        import uvicorn

        from northline.api import create_app
        from northline.store import SQLiteStore

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            self.store = SQLiteStore(self._db)
            self._seed(self.store)
            self.app = create_app(
                self.store,
                data_dir=self._data_dir,
                static_dir=self._static_dir,
                **self._app_kwargs,
            )
            config = uvicorn.Config(
                self.app, host="127.0.0.1", port=self.port, log_level="warning", loop="asyncio"
            )
            self._server = uvicorn.Server(config)
            loop.run_until_complete(self._serve())
        except BaseException as exc:
            self._error = exc
            self._started.set()
        finally:
            if self.store is not None:
                self.store.close()
            loop.close()

    async def _serve(self) -> None:
        task = asyncio.ensure_future(self._server.serve())
        while not self._server.started and not task.done():
            await asyncio.sleep(0.02)
        self._started.set()
        await task

    def start(self) -> None:
        self._thread.start()
        if not self._started.wait(20):
            raise RuntimeError("uvicorn did not start in 20 s")
        if self._error is not None:
            raise RuntimeError("the service did not start") from self._error
        if not self._server.started:
            raise RuntimeError("uvicorn did not start")

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` run in the service's thread (where the store lives)."""
        assert self._loop is not None
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                done.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return done.result(timeout=10)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(15)

    def __enter__(self) -> LiveService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
