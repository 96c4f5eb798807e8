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
    "nested_reply": ("leave_while_thinking", FAILED_SEND),
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
    shapes = {p.name[:-len("_buggy.py")] for p in EXAMPLES.glob("*_buggy.py")}
    assert set(SHAPES) | {"not_awaited", "plain_def"} == shapes
    for shape in shapes:
        assert expected_from_annotations(EXAMPLES / f"{shape}_buggy.py"), shape
        assert expected_from_annotations(EXAMPLES / f"{shape}_fixed.py") == set(), shape


@pytest.mark.timeout(300)
def test_flake8_reports_exactly_the_annotations():
    paths = sorted(EXAMPLES.glob("*.py"))
    found = run_flake8(*paths, select="NL")
    for path in paths:
        assert found.get(str(path), set()) == expected_from_annotations(path), path.name


# --------------------------------------------------------------------------------------
# NL109: un-awaited websocket coroutines (Starlette's TestClient shows these faithfully)
# --------------------------------------------------------------------------------------


def test_nl109_unawaited_send_sends_nothing():
    from fastapi.testclient import TestClient

    with pytest.warns(RuntimeWarning, match="coroutine 'WebSocket.send_json' was never awaited"):
        with TestClient(load("not_awaited", "buggy").app).websocket_connect("/ws") as ws:
            ws.send_text("hello")
            first = ws.receive_text()
        import gc

        gc.collect()  # the dropped coroutine is finalised (and warns) here at the latest
    assert first == "agent: you said 'hello'"  # the "thinking" notice never went out


def test_nl109_fixed_sends_the_notice_first():
    from fastapi.testclient import TestClient

    with TestClient(load("not_awaited", "fixed").app).websocket_connect("/ws") as ws:
        ws.send_text("hello")
        assert ws.receive_json() == {"type": "thinking"}
        assert ws.receive_text() == "agent: you said 'hello'"


@pytest.mark.filterwarnings("ignore:coroutine 'WebSocket.accept' was never awaited:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:coroutine 'WebSocket.receive_text' was never awaited:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:coroutine 'WebSocket.send_text' was never awaited:RuntimeWarning")
def test_nl109_plain_def_route_fails():
    from fastapi.testclient import TestClient

    with pytest.raises(TypeError, match="object NoneType can't be used in 'await' expression"):
        with TestClient(load("plain_def", "buggy").app).websocket_connect("/ws") as ws:
            ws.send_text("hello")
            ws.receive_text()


def test_nl109_plain_def_fixed_works():
    from fastapi.testclient import TestClient

    with TestClient(load("plain_def", "fixed").app).websocket_connect("/ws") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "agent: you said 'hello'"


# --------------------------------------------------------------------------------------
# The unsafe fix: 'except WebSocketDisconnect: raise/return' before the broad handler
# --------------------------------------------------------------------------------------

HELPER = '''\
import logging

from starlette.websockets import WebSocket

logger = logging.getLogger(__name__)


async def handle_message(websocket: WebSocket, text: str) -> bool:
    try:
        await websocket.send_json({"text": text})  # the reply
        return True
    # anything else is logged
    except Exception as e:
        logger.error(f"Message routing failed: {e}")
        return False
'''

HELPER_FIXED = '''\
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

logger = logging.getLogger(__name__)


async def handle_message(websocket: WebSocket, text: str) -> bool:
    try:
        await websocket.send_json({"text": text})  # the reply
        return True
    # anything else is logged
    except WebSocketDisconnect:
        raise
    except Exception as e:
        logger.error(f"Message routing failed: {e}")
        return False
'''

ENDPOINT = '''\
import json
import fastapi as fa

app = fa.FastAPI()


@app.websocket("/ws")
async def chat(ws: fa.WebSocket):
    await ws.accept()
    while True:
        try:
            data = json.loads(await ws.receive_text())
        except json.JSONDecodeError: continue
        except: await ws.send_json({"error": "failed"})
'''

ENDPOINT_FIXED = '''\
import json
import fastapi as fa
from fastapi import WebSocketDisconnect

app = fa.FastAPI()


@app.websocket("/ws")
async def chat(ws: fa.WebSocket):
    await ws.accept()
    while True:
        try:
            data = json.loads(await ws.receive_text())
        except json.JSONDecodeError: continue
        except WebSocketDisconnect: return
        except: await ws.send_json({"error": "failed"})
'''


@pytest.mark.parametrize("before, after, codes", [
    (HELPER, HELPER_FIXED, {"NL107"}),
    (ENDPOINT, ENDPOINT_FIXED, {"NL106", "NL107"}),
], ids=["helper-raise", "endpoint-return"])
def test_unsafe_fix_golden(before: str, after: str, codes: set[str]):
    import ast

    from netra_lint.api import check_source
    from netra_lint.fixes import fix_text

    assert {f.code for f in check_source(before, "app.py")} == codes
    # not a safe fix: nothing happens without --unsafe-fixes
    assert fix_text(before, "app.py").changed is False
    result = fix_text(before, "app.py", unsafe=True)
    assert result.text == after
    ast.parse(result.text)
    assert {f.code for f in check_source(result.text, "app.py")} & codes == set()
    # idempotent
    assert fix_text(result.text, "app.py", unsafe=True).changed is False
    # line endings kept
    crlf = fix_text(before.replace("\n", "\r\n"), "app.py", unsafe=True).text
    assert crlf == after.replace("\n", "\r\n")


def test_unsafe_fix_imports_the_name_under_an_alias():
    from netra_lint.fixes import fix_text

    source = '''\
from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect as Gone


async def push(ws: WebSocket, text: str):
    try:
        await ws.send_text(text)
    except BaseException:
        pass
'''
    result = fix_text(source, "app.py", unsafe=True)
    assert result.text == source.replace(
        "    except BaseException:\n", "    except WebSocketDisconnect:\n        raise\n    except BaseException:\n"
    ).replace("from fastapi import WebSocket\n", "from fastapi import WebSocket, WebSocketDisconnect\n")
    assert fix_text(result.text, "app.py", unsafe=True).changed is False


def test_cli_unsafe_fixes_flag(tmp_path):
    from click.testing import CliRunner

    from netra_lint.cli import cli as main

    path = tmp_path / "app.py"
    path.write_text(HELPER, encoding="utf-8")
    runner = CliRunner()
    safe = runner.invoke(main, ["fix", "--isolated", "--diff", str(path)])
    assert "except WebSocketDisconnect:" not in safe.output
    unsafe = runner.invoke(main, ["fix", "--isolated", "--unsafe-fixes", "--diff", str(path)])
    assert "+    except WebSocketDisconnect:\n+        raise\n" in unsafe.output, unsafe.output
    assert path.read_text(encoding="utf-8") == HELPER  # --diff writes nothing
    written = runner.invoke(main, ["fix", "--isolated", "--unsafe-fixes", str(path)])
    assert written.exit_code == 0, written.output
    assert path.read_text(encoding="utf-8") == HELPER_FIXED


pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types as lsp_types  # noqa: E402

from tests.test_lsp import apply_edits, client  # noqa: E402,F401  (the module's LSP session)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.timeout(60)
async def test_lsp_offers_the_unsafe_fix_as_a_behaviour_changing_quick_fix(client):  # noqa: F811
    folder = Path(client.root) / "after-disconnect"
    folder.mkdir()
    path = folder / "handler.py"
    path.write_text(HELPER, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(lsp_types.DidOpenTextDocumentParams(
        text_document=lsp_types.TextDocumentItem(uri=uri, language_id="python", version=1, text=HELPER)))
    await client.wait_for_notification(lsp_types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    [diagnostic] = client.diagnostics[uri]
    assert diagnostic.code == "NL107"
    assert diagnostic.data["fixable"] is False  # not safely fixable

    actions = await client.text_document_code_action_async(lsp_types.CodeActionParams(
        text_document=lsp_types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=lsp_types.CodeActionContext(diagnostics=[diagnostic])))
    assert actions is not None
    [action] = actions  # a quick fix; no "fix all" (that applies safe fixes only)
    assert action.kind == lsp_types.CodeActionKind.QuickFix
    assert "changes behaviour" in action.title and "NL107" in action.title
    assert action.is_preferred is False
    assert apply_edits(HELPER, action.edit.changes[uri]) == HELPER_FIXED
