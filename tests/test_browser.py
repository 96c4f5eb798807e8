"""NL401's runtime proof in a real browser: Debian's ``chromium``, headless.

The handshake example (examples/handshake/) serves a chat page at ``/`` that opens
``new WebSocket(url, ["jwt", token])``, the usual way a browser sends a JWT. Each app runs
under a real uvicorn server on 127.0.0.1; chromium loads the page from it, and the test
reads what the page saw through the DevTools protocol (a local port, the ``websockets``
client):

* buggy_app accepts without selecting a subprotocol: chromium fails the connection (an
  ``error`` event, then close code 1006, never ``open``) and logs why;
* fixed_app accepts with ``subprotocol="jwt"``: the socket opens with protocol ``jwt``,
  receives ``{"user": "alice"}`` and is closed normally (1000).

Under Starlette's TestClient the buggy app works (no browser checks the reply), which is
why this test exists. Everything is bounded in time and stays on the loopback interface.
chromium is a system package: ``.ci/run`` installs it with apt when it is missing; without
it this test fails (it is never skipped).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import websockets.asyncio.client as ws_client

from tests.test_incident import load_app, serving

HANDSHAKE = Path(__file__).resolve().parent.parent / "examples" / "handshake"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
WAIT = 20.0  # upper bound for any single step, seconds
CHROME_REASON = "Sent non-empty 'Sec-WebSocket-Protocol' header but no response was received"


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("chromium is not installed: `apt-get install -y chromium` (.ci/run does it)")


@contextmanager
def headless_chromium() -> Iterator[int]:
    """Start chromium headless on about:blank; yield its DevTools port (127.0.0.1)."""
    profile = tempfile.mkdtemp(prefix="netra-chromium-")
    proc = subprocess.Popen(
        [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
         "--disable-background-networking", "--disable-component-update", "--no-proxy-server",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        active = Path(profile) / "DevToolsActivePort"  # chromium writes its port here
        deadline = time.monotonic() + WAIT
        while not (active.exists() and active.read_text().count("\n") >= 1):
            assert proc.poll() is None, f"chromium exited with {proc.returncode}"
            assert time.monotonic() < deadline, f"chromium did not start within {WAIT}s"
            time.sleep(0.05)
        yield int(active.read_text().splitlines()[0])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


class DevTools:
    """A minimal Chrome DevTools protocol client on one page target."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.next_id = 0
        self.events: list[dict] = []

    async def call(self, method: str, **params) -> dict:
        self.next_id += 1
        call_id = self.next_id
        await self.connection.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(await asyncio.wait_for(self.connection.recv(), WAIT))
            if message.get("id") == call_id:
                assert "error" not in message, message
                return message["result"]
            self.events.append(message)

    async def wait_event(self, method: str) -> dict:
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.events.append(json.loads(await asyncio.wait_for(self.connection.recv(), WAIT)))


def page_target(devtools_port: int) -> str:
    """The DevTools websocket URL of chromium's first page (about:blank)."""
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
    deadline = time.monotonic() + WAIT
    while True:
        with opener.open(f"http://127.0.0.1:{devtools_port}/json/list", timeout=WAIT) as reply:
            pages = [t for t in json.load(reply) if t.get("type") == "page"]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        assert time.monotonic() < deadline, "chromium opened no page"
        time.sleep(0.05)


async def open_chat_page(devtools_port: int, url: str) -> tuple[list[str], list[str]]:
    """Load ``url`` in chromium; return what the page recorded and chromium's log texts."""
    async with ws_client.connect(page_target(devtools_port), open_timeout=WAIT, close_timeout=WAIT,
                                 max_size=None) as connection:
        devtools = DevTools(connection)
        await devtools.call("Page.enable")
        await devtools.call("Log.enable")
        await devtools.call("Page.navigate", url=url)
        await devtools.wait_event("Page.loadEventFired")
        result = await devtools.call("Runtime.evaluate", expression="window.chatOutcome",
                                     awaitPromise=True, returnByValue=True, timeout=WAIT * 1000)
        assert "exceptionDetails" not in result, result
        events = result["result"]["value"]
        logged = [e["params"]["entry"]["text"] for e in devtools.events if e.get("method") == "Log.entryAdded"]
        return events, logged


def run_in_chromium(example: str) -> tuple[list[str], list[str]]:
    app_module = load_app(HANDSHAKE / example)
    with serving(app_module.app) as port, headless_chromium() as devtools_port:
        return asyncio.run(asyncio.wait_for(
            open_chat_page(devtools_port, f"http://127.0.0.1:{port}/?token={TOKEN}"), 3 * WAIT))


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_buggy_handshake_fails_in_the_browser() -> None:
    events, logged = run_in_chromium("buggy_app.py")
    assert events == ["error", "close code=1006"]
    assert any(CHROME_REASON in text for text in logged), logged


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_fixed_handshake_opens_with_protocol_jwt_in_the_browser() -> None:
    events, logged = run_in_chromium("fixed_app.py")
    assert events == ["open protocol=jwt", 'message {"user":"alice"}', "close code=1000"]
    assert not any("WebSocket" in text for text in logged), logged


def test_the_page_is_the_one_both_apps_serve() -> None:
    """Both apps serve examples/handshake/page.html at / (checked without a browser)."""
    from starlette.testclient import TestClient

    page = (HANDSHAKE / "page.html").read_text(encoding="utf-8")
    assert 'new WebSocket(`ws://${location.host}/ws`, ["jwt", token])' in page
    for example in ("buggy_app.py", "fixed_app.py"):
        reply = TestClient(load_app(HANDSHAKE / example).app).get("/")
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
        assert reply.text == page
