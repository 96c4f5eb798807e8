"""After the client has gone: every NL106 shape, proven under a real uvicorn server.

``examples/disconnect/<shape>_buggy.py`` and ``<shape>_fixed.py`` are small apps. Each
buggy app runs under uvicorn on 127.0.0.1 with every websocket backend; a real
``websockets`` client talks to it and leaves at the moment that matters; the test asserts
the exception the server logged ("Exception in ASGI application") by type and text. The
fixed app, driven the same way, logs nothing. flake8 (a subprocess) then reports exactly
the ``# error:`` annotations of each buggy file and nothing in the fixed ones.

What each backend of uvicorn 0.54 raises (the SPEC's table, measured here):

* a send after a *received* disconnect: ``websockets``: RuntimeError "Unexpected ASGI
  message 'websocket.send', after sending 'websocket.close'..."; ``wsproto`` and
  ``websockets-sansio``: WebSocketDisconnect (1006);
* a close after a *received* disconnect: ``websockets``: RuntimeError "Unexpected ASGI
  message 'websocket.close', ..."; ``wsproto``: WebSocketDisconnect; ``websockets-sansio``:
  no error (hence the ``close-after-received-disconnect`` setting);
* a send or close after a *failed send*: every backend: WebSocketDisconnected 'Cannot call
  "send" once a close message has been sent.'
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from pathlib import Path
from types import ModuleType

import pytest

from tests.harness import expected_from_annotations, run_flake8

pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")
pytest.importorskip("websockets.asyncio.client")

from tests.test_examples_accept import (  # noqa: E402
    converse, uvicorn_server, wait_until_app_done, ws_backends)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "disconnect"

SEND_ON_CLOSED = "Unexpected ASGI message 'websocket.send', after sending 'websocket.close'"
CLOSE_ON_CLOSED = "Unexpected ASGI message 'websocket.close', after sending 'websocket.close'"
SEND_AFTER_CLOSE = 'Cannot call "send" once a close message has been sent.'

# shape -> how the client leaves, and what the buggy app raises per backend
RECEIVED_SEND = {"websockets": ("RuntimeError", SEND_ON_CLOSED),
                 "wsproto": ("WebSocketDisconnect", "1006"),
                 "websockets-sansio": ("WebSocketDisconnect", "1006")}
RECEIVED_CLOSE = {"websockets": ("RuntimeError", CLOSE_ON_CLOSED),
                  "wsproto": ("WebSocketDisconnect", "1006"),
                  "websockets-sansio": None}
FAILED_SEND = {backend: ("WebSocketDisconnected", SEND_AFTER_CLOSE)
               for backend in ("websockets", "wsproto", "websockets-sansio")}
SHAPES = {
    "error_reply": ("converse", RECEIVED_SEND),
    "attribute": ("converse", RECEIVED_SEND),
    "finally_close": ("converse", RECEIVED_CLOSE),
    "break_close": ("converse", RECEIVED_CLOSE),
    "on_disconnect": ("converse", RECEIVED_CLOSE),
    "helper_close": ("converse", RECEIVED_CLOSE),
    "failed_send_close": ("leave_while_thinking", FAILED_SEND),
}
WAIT = 10.0


def load(shape: str, kind: str) -> ModuleType:
    path = EXAMPLES / f"{shape}_{kind}.py"
    spec = importlib.util.spec_from_file_location(f"netra_disconnect_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gate(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The app's ``think()`` waits until the client has gone (bounded), not a set time."""
    gone = threading.Event()

    async def think() -> None:
        deadline = time.monotonic() + WAIT
        while not gone.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    monkeypatch.setattr(module, "think", think)
    return gone


async def leave_while_thinking(port: int, gone: threading.Event) -> None:
    """Ask, then close before the reply; the close handshake has completed when
    ``close()`` returns, so the server's next send fails."""
    from websockets.asyncio.client import connect

    ws = await asyncio.wait_for(connect(f"ws://127.0.0.1:{port}/ws", open_timeout=WAIT,
                                        close_timeout=WAIT), WAIT)
    await asyncio.wait_for(ws.send("hello"), WAIT)
    await asyncio.wait_for(ws.close(), WAIT)
    gone.set()


def drive(shape: str, kind: str, ws: str, monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    module = load(shape, kind)
    scenario = SHAPES[shape][0]
    gone = gate(module, monkeypatch) if scenario == "leave_while_thinking" else None
    with uvicorn_server(module.app, ws) as (port, server, records):
        if gone is not None:
            asyncio.run(leave_while_thinking(port, gone))
        else:
            assert asyncio.run(converse(port, ("hello",))) == ["agent: you said 'hello'"]
        wait_until_app_done(server)
    return records.app_errors()


@pytest.mark.slow
@pytest.mark.timeout(60)
@pytest.mark.parametrize("ws", ws_backends())
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_buggy_shape_raises_after_the_client_left(shape: str, ws: str, monkeypatch):
    errors = drive(shape, "buggy", ws, monkeypatch)
    expected = SHAPES[shape][1][ws]
    if expected is None:  # documented: this backend tolerates the shape
        assert errors == [], errors
        return
    assert len(errors) == 1, errors
    [error] = errors
    kind, text = expected
    assert type(error).__name__ == kind, (type(error), error)
    if kind == "WebSocketDisconnect":
        assert str(error.code) == text
    else:
        assert text in str(error)


@pytest.mark.slow
@pytest.mark.timeout(60)
@pytest.mark.parametrize("ws", ws_backends())
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_fixed_shape_does_not_raise(shape: str, ws: str, monkeypatch):
    assert drive(shape, "fixed", ws, monkeypatch) == []


def test_every_shape_has_an_annotated_pair():
    for shape in SHAPES:
        assert expected_from_annotations(EXAMPLES / f"{shape}_buggy.py"), shape
        assert expected_from_annotations(EXAMPLES / f"{shape}_fixed.py") == set(), shape


@pytest.mark.timeout(300)
def test_flake8_reports_exactly_the_annotations():
    paths = sorted(EXAMPLES.glob("*.py"))
    found = run_flake8(*paths, select="NL")
    for path in paths:
        assert found.get(str(path), set()) == expected_from_annotations(path), path.name
