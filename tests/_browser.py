"""A real browser for the web page's tests: Debian's Chromium driven by Playwright.

Chromium is never downloaded: the tests use ``/usr/bin/chromium`` (Debian's package). Where
it, Playwright or the built page is missing the test is skipped with a reason, except under
CI, where that is a failure of the set-up. Every page records each request it makes and each
WebSocket it opens, so a test can assert that nothing leaves 127.0.0.1; screenshots go to
``out/screenshots/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "SCREENSHOTS",
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
