"""How fast the explorer's town page draws: frames per second at 5 000 people, in Chromium.

Starts the explorer on 127.0.0.1, opens /town in headless Chromium (Debian's, with
Playwright), builds a town and times the page's own drawing of consecutive days:

- ``draw``: ``TownPicture.draw`` called for days 1, 2, ... back to back, the time per
  frame from ``performance.now()`` (the most frames the canvas code can give, with no
  display in between);
- ``play``: the page playing at 60 days a second for a few seconds, frames counted on
  the page (what a reader sees; requestAnimationFrame caps it at the display's rate).

Headless Chromium rasterises on the CPU (no GPU here), so these are a floor for a
desktop browser. The people and their ties are drawn at the page's own canvas size.

Usage: python benchmarks/town_fps.py [--people 5000] [--days 365] [--frames 100] [--width 1200]
"""

from __future__ import annotations

import argparse
import socket
import threading
import time

import uvicorn
from playwright.sync_api import sync_playwright

from scoresim.explorer.app import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def serve() -> tuple[str, uvicorn.Server]:
    """The explorer on a free port of 127.0.0.1, in a thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))  # fmt: skip
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def main() -> None:
    """Print the frames per second of both ways of drawing."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=5000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--width", type=int, default=1200)
    a = ap.parse_args()
    url, server = serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": a.width, "height": 1000})
            t0 = time.perf_counter()
            page.goto(f"{url}/town?scenario=seed&people={a.people}&days={a.days}&seed=1&day=0")
            page.wait_for_selector("body[data-state=ready][data-built]", timeout=120_000)
            built = time.perf_counter() - t0
            ms = page.evaluate(
                """frames => {
                  const pic = window.townPage.picture, t = performance.now();
                  for (let d = 1; d <= frames; d++) pic.draw(d % (pic.days + 1), "tier", -1);
                  return (performance.now() - t) / frames;
                }""",
                a.frames,
            )
            ties = page.evaluate("window.townPage.picture.cut.length")
            page.select_option("#speed", "60")
            before = page.evaluate("window.townPage.picture.frames")
            page.click("#play")
            page.wait_for_timeout(5000)
            page.click("#play")
            played = (page.evaluate("window.townPage.picture.frames") - before) / 5.0
            browser.close()
    finally:
        server.should_exit = True
    print(f"town of {a.people:,} people and {ties:,} ties, {a.days} days; page {a.width} px wide")
    print(f"built and first drawn in {built:.1f} s (server run, transfer, decoding)")
    print(f"draw: {ms:.1f} ms a frame, {1000 / ms:.0f} frames/s back to back ({a.frames} frames)")
    print(f"play at 60 days/s: {played:.0f} frames/s drawn")


if __name__ == "__main__":
    main()
