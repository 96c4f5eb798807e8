"""Every framework fact a rule relies on, proven against the real framework, and the
buggy/fixed example pair of each framework in examples/frameworks/.

- Litestar: its TestClient, and a real uvicorn server where the TestClient does not
  enforce the ASGI protocol (a send after close);
- Django Channels: ``channels.testing.WebsocketCommunicator``;
- aiohttp: ``aiohttp.test_utils`` (a real server on 127.0.0.1);
- FastAPI: the ``Header`` parameter and ``websocket.accept`` passed as a callable (NL401).

netra-lint's side of each fact is in tests/fixtures/{litestar,channels,aiohttp}_*.py and
nl401_frameworks.py; the examples are checked here through flake8 as annotated.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
import time
import warnings
from pathlib import Path

import pytest

from tests.harness import expected_from_annotations, run_flake8

litestar = pytest.importorskip("litestar")
pytest.importorskip("channels")
pytest.importorskip("aiohttp")
ws_client = pytest.importorskip("websockets.asyncio.client")

from fastapi import FastAPI, Header  # noqa: E402
from fastapi import WebSocket as FastAPIWebSocket  # noqa: E402
from litestar import Litestar, WebSocket, websocket  # noqa: E402
from litestar.exceptions import WebSocketDisconnect  # noqa: E402
from litestar.testing import TestClient as LitestarClient  # noqa: E402

from tests.test_incident import recording, serving  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "frameworks"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
WAIT = 10.0


def load(name: str):
    """Import an example as a fresh module (examples/ is not a package)."""
    path = EXAMPLES / name
    module_name = f"netra_frameworks_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def wait_until(predicate, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# --- Litestar ------------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_litestar_first_send_accepts_and_accept_is_idempotent():
    """NL101 and NL105 do not apply to Litestar."""
    received = []

    @websocket("/implicit")
    async def implicit(socket: WebSocket) -> None:
        await socket.send_text("hello")  # no accept() before it
        received.append(await socket.receive_text())

    @websocket("/twice")
    async def twice(socket: WebSocket) -> None:
        await socket.accept()
        await socket.accept()
        await socket.send_text("still fine")

    with LitestarClient(Litestar([implicit, twice])) as client:
        with client.websocket_connect("/implicit") as ws:
            assert ws.receive_text() == "hello"
            ws.send_text("back")
        with client.websocket_connect("/twice") as ws:
            assert ws.receive_text() == "still fine"
    assert received == ["back"]


@pytest.mark.timeout(60)
def test_litestar_subprotocol_is_selected_only_by_accept_subprotocols():
    """NL401: an implicit accept or accept() selects nothing; accept(subprotocols=) does."""

    @websocket("/implicit")
    async def implicit(socket: WebSocket) -> None:
        await socket.send_text(socket.headers.get("sec-websocket-protocol", ""))

    @websocket("/bare")
    async def bare(socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_text("x")

    @websocket("/selects")
    async def selects(socket: WebSocket) -> None:
        await socket.accept(subprotocols="jwt")
        await socket.send_text("x")

    with LitestarClient(Litestar([implicit, bare, selects])) as client:
        for path, selected in (("/implicit", None), ("/bare", None), ("/selects", "jwt")):
            with client.websocket_connect(path, subprotocols=["jwt", TOKEN]) as ws:
                ws.receive_text()
                assert ws.accepted_subprotocol == selected, path


@pytest.mark.timeout(60)
def test_litestar_receive_after_disconnect_raises_again_at_once_and_send_raises():
    """NL107 (the loop spins) and NL106 (a send in 'except WebSocketDisconnect')."""
    attempts = []
    send_errors = []

    @websocket("/spin")
    async def spin(socket: WebSocket) -> None:
        await socket.accept()
        for _ in range(500):
            try:
                await socket.receive_text()
            except WebSocketDisconnect:
                attempts.append(time.monotonic())

    @websocket("/goodbye")
    async def goodbye(socket: WebSocket) -> None:
        await socket.accept()
        try:
            await socket.receive_text()
        except WebSocketDisconnect:
            try:
                await socket.send_text("bye")
            except WebSocketDisconnect as exc:
                send_errors.append(str(exc))

    with LitestarClient(Litestar([spin, goodbye])) as client:
        with client.websocket_connect("/spin"):
            pass
        wait_until(lambda: len(attempts) == 500)
        with client.websocket_connect("/goodbye"):
            pass
        wait_until(lambda: send_errors)
    # all 500 receives raised, without waiting for anything in between
    assert attempts[-1] - attempts[0] < 2.0
    assert "connection is disconnected" in send_errors[0]


async def _receive_until_closed(url: str, subprotocols=None) -> list[str]:
    from websockets.exceptions import InvalidStatus

    received = []
    try:
        async with ws_client.connect(url, subprotocols=subprotocols, open_timeout=WAIT) as ws:
            try:
                while True:
                    received.append(await asyncio.wait_for(ws.recv(), WAIT))
            except Exception:  # the server closed: that is the end of the conversation
                pass
    except InvalidStatus as exc:  # closed before accepting: the upgrade is refused
        received.append(f"refused: {exc.response.status_code}")
    return received


@pytest.mark.timeout(60)
def test_litestar_send_after_close_raises_under_uvicorn():
    """NL104 (the TestClient ignores it; a real server does not)."""
    errors = []

    @websocket("/after-close")
    async def after_close(socket: WebSocket) -> None:
        await socket.accept()
        await socket.close()
        try:
            await socket.send_text("late")
        except RuntimeError as exc:
            errors.append(str(exc))

    @websocket("/close-twice")
    async def close_twice(socket: WebSocket) -> None:
        await socket.accept()
        await socket.close()
        try:
            await socket.close()
        except RuntimeError as exc:
            errors.append(str(exc))

    with serving(Litestar([after_close, close_twice])) as port:
        asyncio.run(_receive_until_closed(f"ws://127.0.0.1:{port}/after-close"))
        wait_until(lambda: len(errors) == 1)
        asyncio.run(_receive_until_closed(f"ws://127.0.0.1:{port}/close-twice"))
        wait_until(lambda: len(errors) == 2)
    assert "Unexpected ASGI message 'websocket.send', after sending 'websocket.close'" in errors[0]
    assert "Unexpected ASGI message 'websocket.close', after sending 'websocket.close'" in errors[1]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("example, selected, disconnects", [
    ("litestar_buggy.py", None, 2_000 - 1),
    ("litestar_fixed.py", "jwt", 1),
])
def test_litestar_example(example, selected, disconnects):
    module = load(example)
    with LitestarClient(module.app) as client:
        with client.websocket_connect("/chat", subprotocols=["jwt", TOKEN]) as ws:
            assert ws.accepted_subprotocol == selected
            assert ws.receive_json() == {"user": "alice"}
            ws.send_text("hi")
            assert ws.receive_text() == "alice: hi"
        wait_until(lambda: "disconnect" in module.turns)
        wait_until(lambda: module.turns.count("disconnect") == disconnects)
    assert module.turns.count("message") == 1


@pytest.mark.timeout(60)
@pytest.mark.parametrize("example, raises", [("litestar_buggy.py", True), ("litestar_fixed.py", False)])
def test_litestar_example_refusal_under_uvicorn(example, raises):
    """The refusal path: close(), then (buggy) a send, whose implicit accept comes after
    the close and raises in uvicorn."""
    module = load(example)
    with recording("uvicorn.error") as log:
        with serving(module.app) as port:
            received = asyncio.run(_receive_until_closed(f"ws://127.0.0.1:{port}/chat", ["jwt", "forged"]))
            if raises:
                log.wait_for(lambda r: r.exc_info is not None)
            else:
                time.sleep(0.3)  # the handler has returned by now
        texts = "\n".join(_chained(r.exc_info[1]) for r in log.snapshot() if r.exc_info)
    assert received == ["refused: 403"]
    assert ("Unexpected ASGI message 'websocket.accept', after sending 'websocket.close'" in texts) is raises


def _chained(exc: BaseException | None) -> str:
    """An exception's text and the texts of those it was raised while handling."""
    out = []
    while exc is not None:
        out.append(f"{type(exc).__name__}: {exc}")
        exc = exc.__context__
    return "\n".join(out)


# --- Django Channels ---------------------------------------------------------------

def _django() -> None:
    from django.conf import settings

    if not settings.configured:
        settings.configure(INSTALLED_APPS=["channels"], CHANNEL_LAYERS={})
        import django

        django.setup()


async def _handshake(consumer, subprotocols=None):
    """(connected, selected subprotocol, the next output or None, warnings)."""
    from channels.testing import WebsocketCommunicator

    communicator = WebsocketCommunicator(consumer.as_asgi(), "/ws", subprotocols=subprotocols)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            connected, selected = await communicator.connect(timeout=1)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            connected, selected = False, None
        try:
            extra = await communicator.receive_output(timeout=0.3)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            extra = None
        import gc

        gc.collect()  # the dropped coroutine warns when it is collected
    try:
        await communicator.disconnect(timeout=1)
    except BaseException:  # the consumer may already have finished  # noqa: BLE001
        pass
    return connected, selected, extra, [str(w.message) for w in caught]


@pytest.mark.timeout(60)
def test_channels_websocket_connect_override_accepts_once_and_sync_accepts_plainly():
    """NL105 does not apply to an overriding websocket_connect; NL102 does not apply to a
    sync consumer's accept()."""
    _django()
    from channels.generic.websocket import AsyncWebsocketConsumer, WebsocketConsumer

    class Override(AsyncWebsocketConsumer):
        async def websocket_connect(self, message):
            await self.accept()

    class Twice(AsyncWebsocketConsumer):
        async def connect(self):
            await self.accept()
            await self.accept()

    class Sync(WebsocketConsumer):
        def connect(self):
            self.accept()
            self.send(text_data="hi")

    connected, _, extra, _ = asyncio.run(_handshake(Override))
    assert connected and extra is None  # one accept: nothing more was sent
    connected, _, extra, _ = asyncio.run(_handshake(Twice))
    assert connected and extra["type"] == "websocket.accept"  # a second accept message
    connected, _, extra, _ = asyncio.run(_handshake(Sync))
    assert connected and extra == {"type": "websocket.send", "text": "hi"}


@pytest.mark.timeout(60)
def test_channels_send_after_close_and_second_accept_raise_under_uvicorn():
    """NL104 and NL105 for Channels consumers."""
    _django()
    from channels.generic.websocket import AsyncWebsocketConsumer

    errors = []

    class AfterClose(AsyncWebsocketConsumer):
        async def connect(self):
            await self.accept()
            await self.close()
            try:
                await self.send(text_data="late")
            except RuntimeError as exc:
                errors.append(str(exc))

    class Twice(AsyncWebsocketConsumer):
        async def connect(self):
            await self.accept()
            try:
                await self.accept()
            except RuntimeError as exc:
                errors.append(str(exc))

    async def visit(port: int) -> None:
        async with ws_client.connect(f"ws://127.0.0.1:{port}/", open_timeout=WAIT) as ws:
            try:
                await asyncio.wait_for(ws.recv(), 0.5)
            except Exception:  # closed by the server, or nothing sent: both fine here
                pass

    for count, consumer in enumerate((AfterClose, Twice), start=1):
        with serving(consumer.as_asgi()) as port:
            asyncio.run(visit(port))
            wait_until(lambda: len(errors) == count)
    assert "Unexpected ASGI message 'websocket.send', after sending 'websocket.close'" in errors[0]
    assert "Expected ASGI message 'websocket.send' or 'websocket.close', but got 'websocket.accept'" in errors[1]


@pytest.mark.timeout(60)
def test_channels_examples():
    _django()
    buggy, fixed = load("channels_buggy.py"), load("channels_fixed.py")
    offer = ["jwt", TOKEN]
    connected, selected, extra, _ = asyncio.run(_handshake(buggy.AuthConsumer, offer))
    assert connected and selected is None  # NL401: the browser drops this connection
    connected, selected, extra, _ = asyncio.run(_handshake(fixed.AuthConsumer, offer))
    assert connected and selected == "jwt"
    connected, _, _, caught = asyncio.run(_handshake(buggy.NotifyConsumer))
    assert not connected  # NL102
    assert any("was never awaited" in text for text in caught)
    connected, _, extra, _ = asyncio.run(_handshake(fixed.NotifyConsumer))
    assert connected and extra is None


# --- aiohttp ---------------------------------------------------------------------------

async def _aiohttp_run(app, path: str) -> tuple[list[BaseException], list[str]]:
    """Connect to ``path``; return the handler's exceptions and what the client got."""
    from aiohttp import WSServerHandshakeError, web
    from aiohttp.test_utils import TestClient, TestServer

    errors: list[BaseException] = []

    @web.middleware
    async def record(request, handler):
        try:
            return await handler(request)
        except Exception as exc:
            errors.append(exc)
            raise

    app.middlewares.append(record)
    received: list[str] = []
    async with TestClient(TestServer(app)) as client:
        try:
            ws = await client.ws_connect(path)
        except WSServerHandshakeError as exc:
            received.append(f"handshake refused: {exc.status}")
        else:
            await ws.send_str("hi")
            async for msg in ws:
                received.append(msg.data)
            await ws.close()
        for _ in range(50):
            if errors:
                break
            await asyncio.sleep(0.01)
    return errors, received


@pytest.mark.timeout(60)
def test_aiohttp_facts():
    """NL101 (send before prepare raises), NL104 (send after close raises), and no NL105
    (a second prepare is harmless)."""
    from aiohttp import web

    async def twice(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.prepare(request)
        await ws.send_str("fine")
        await ws.close()
        return ws

    closes = []

    async def close_twice(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive()
        closes.append(await ws.close())
        closes.append(await ws.close())
        return ws

    turns = []

    async def close_in_loop(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str("ready")
        async for msg in ws:
            turns.append(msg.data)
            if msg.data == "hi":
                await ws.close()  # the loop ends here: no turn sends on the closed socket
            else:
                await ws.send_str(msg.data)
        return ws

    def make_app() -> web.Application:
        app = web.Application()
        app.router.add_get("/twice", twice)
        app.router.add_get("/close-twice", close_twice)
        app.router.add_get("/close-in-loop", close_in_loop)
        return app

    errors, received = asyncio.run(_aiohttp_run(make_app(), "/close-in-loop"))
    assert errors == [] and received == ["ready"] and turns == ["hi"]

    errors, received = asyncio.run(_aiohttp_run(make_app(), "/twice"))
    assert errors == [] and received == ["fine"]
    errors, received = asyncio.run(_aiohttp_run(make_app(), "/close-twice"))
    assert errors == [] and closes == [True, False]  # a second close() is harmless


@pytest.mark.timeout(60)
def test_aiohttp_examples():
    buggy, fixed = load("aiohttp_buggy.py"), load("aiohttp_fixed.py")
    errors, received = asyncio.run(_aiohttp_run(buggy.make_app(), "/greet"))
    assert received == ["handshake refused: 500"]
    assert [str(e) for e in errors] == ["Call .prepare() first"]
    errors, received = asyncio.run(_aiohttp_run(buggy.make_app(), "/echo"))
    assert received == ["hi"]
    assert [str(e) for e in errors] == ["Cannot write to closing transport"]
    assert isinstance(errors[0], ConnectionResetError)
    for path, expected in (("/greet", ["welcome"]), ("/echo", ["hi", "bye"])):
        errors, received = asyncio.run(_aiohttp_run(fixed.make_app(), path))
        assert errors == [] and received == expected


# --- FastAPI: the handshake shapes of NL401 --------------------------------------------

@pytest.mark.timeout(60)
def test_fastapi_header_parameter_reads_the_offer_and_a_passed_accept_selects():
    from starlette.testclient import TestClient

    app = FastAPI()

    async def call(fn, *args, **kwargs):  # a circuit breaker's call(), reduced
        return await fn(*args, **kwargs)

    @app.websocket("/header")
    async def header(websocket: FastAPIWebSocket,
                     proto: str | None = Header(None, alias="sec-websocket-protocol")):
        await websocket.accept()
        await websocket.send_text(str(proto))

    @app.websocket("/by-name")
    async def by_name(websocket: FastAPIWebSocket, sec_websocket_protocol: str | None = Header(None)):
        await call(websocket.accept, subprotocol="jwt")
        await websocket.send_text(str(sec_websocket_protocol))  # accepted by call(): no NL101

    client = TestClient(app)
    with client.websocket_connect("/header", subprotocols=["jwt", TOKEN]) as ws:
        assert ws.receive_text() == f"jwt, {TOKEN}"
        assert ws.accepted_subprotocol is None  # NL401
    with client.websocket_connect("/by-name", subprotocols=["jwt", TOKEN]) as ws:
        assert ws.receive_text() == f"jwt, {TOKEN}"
        assert ws.accepted_subprotocol == "jwt"


# --- what netra-lint says about the examples -------------------------------------------

def test_flake8_reports_exactly_the_annotated_codes():
    paths = sorted(EXAMPLES.glob("*.py"))
    found = run_flake8(*paths)
    for path in paths:
        assert found.get(str(path), set()) == expected_from_annotations(path), path.name
    assert all(not expected_from_annotations(p) for p in paths if p.stem.endswith("_fixed"))
    logging.getLogger(__name__).debug("checked %d examples", len(paths))
