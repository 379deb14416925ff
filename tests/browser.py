"""Headless Chromium for the browser tests: Debian's package, driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling home, which this
# machine's closed network refuses; the tests also assert the page itself asks for
# nothing beyond its own origin.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(
    os.environ.get("SCORESIM_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts")
)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (fails clearly if Debian's chromium is missing)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Watch:
    """Every request a page makes and every error it logs."""

    def __init__(self, page: Any) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


def explorer_page(browser: Any, url: str, height: int = 1000) -> tuple[Any, Watch]:
    """The explorer's page at ``url``, watched, once it says it is ready."""
    page = browser.new_page(viewport={"width": 1200, "height": height})
    watch = Watch(page)
    page.goto(url + "/")
    page.wait_for_selector("body[data-state=ready]", timeout=30_000)
    return page, watch


def screenshot(page: Any, name: str) -> Path:
    """Keep a full-page screenshot under ``test-artifacts/``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
