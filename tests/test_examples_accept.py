"""The NL101-NL106 examples are about real failures, and netra-lint reports exactly them.

``examples/accept/nlXXX_buggy.py`` and ``nlXXX_fixed.py`` are small FastAPI apps. For each
rule this module proves three things:

1. the buggy app fails at run time with the error the rule names, and the fixed app does
   not (under Starlette's ``TestClient``; where the TestClient's fake transport cannot show
   the failure, under a real uvicorn server and the ``websockets`` client);
2. the failure is not a TestClient artefact: every buggy app also fails under uvicorn;
3. ``flake8 --select NL``, run as a real subprocess, reports exactly the ``# error: NLxxx``
   annotations of each buggy file and nothing in the fixed ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.util
import logging
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.harness import expected_from_annotations, run_flake8

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "accept"
RULES = ("NL101", "NL102", "NL103", "NL104", "NL105", "NL106")

NOT_ACCEPTED = 'WebSocket is not connected. Need to call "accept" first.'
SEND_AFTER_CLOSE = 'Cannot call "send" once a close message has been sent.'
DOUBLE_ACCEPT = "Expected ASGI message \"websocket.send\" or \"websocket.close\", but got 'websocket.accept'"


def example_path(rule: str, kind: str) -> Path:
    return EXAMPLES / f"{rule.lower()}_{kind}.py"


def load(rule: str, kind: str) -> ModuleType:
    """Import an example app afresh (a new module object, so no state leaks between tests)."""
    path = example_path(rule, kind)
    spec = importlib.util.spec_from_file_location(f"netra_example_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def client_for(rule: str, kind: str):
    from fastapi.testclient import TestClient

    return TestClient(load(rule, kind).app)


def chat(client, path: str = "/ws", prompts: tuple[str, ...] = ("hello", "and again")) -> list[str]:
    """A well-behaved client: send each prompt, read the agent's reply, leave."""
    replies = []
    with client.websocket_connect(path) as ws:
        for prompt in prompts:
            ws.send_text(prompt)
            replies.append(ws.receive_text())
    return replies


EXPECTED_REPLIES = ["agent: you said 'hello'", "agent: you said 'and again'"]


# --------------------------------------------------------------------------------------
# 1. Under Starlette's TestClient
# --------------------------------------------------------------------------------------


@pytest.mark.timeout(30)
def test_nl101_buggy_resumed_conversation_is_never_accepted():
    client = client_for("NL101", "buggy")
    # The path that accepts works ...
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_json() == {"type": "ready"}
        ws.send_text("hello")
        assert ws.receive_text() == "agent: you said 'hello'"
    # ... the path that skips the accept dies on the first receive.
    with pytest.raises(RuntimeError, match=NOT_ACCEPTED):
        chat(client, "/ws?resume=1")


@pytest.mark.timeout(30)
def test_nl101_fixed_accepts_on_every_path():
    client = client_for("NL101", "fixed")
    assert chat(client, "/ws?resume=1") == EXPECTED_REPLIES
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_json() == {"type": "ready"}
        ws.send_text("hello")
        assert ws.receive_text() == "agent: you said 'hello'"


@pytest.mark.timeout(30)
def test_nl102_buggy_unawaited_accept_never_accepts():
    client = client_for("NL102", "buggy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match=NOT_ACCEPTED):
            chat(client)
        gc.collect()  # finalise the dropped coroutine inside the recording block
    never_awaited = "coroutine 'WebSocket.accept' was never awaited"
    assert any(issubclass(w.category, RuntimeWarning) and never_awaited in str(w.message) for w in caught), [
        str(w.message) for w in caught]


@pytest.mark.timeout(30)
def test_nl102_fixed():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert chat(client_for("NL102", "fixed")) == EXPECTED_REPLIES
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]


@pytest.mark.timeout(30)
def test_nl103_buggy_task_started_before_accept_races_it():
    # The endpoint's user lookup yields to the loop before the accept, so the router
    # task always runs first: the race is deterministic here.
    with pytest.raises(RuntimeError, match=NOT_ACCEPTED):
        chat(client_for("NL103", "buggy"))


@pytest.mark.timeout(30)
def test_nl103_fixed():
    assert chat(client_for("NL103", "fixed")) == EXPECTED_REPLIES


@pytest.mark.timeout(30)
def test_nl104_buggy_send_after_close():
    client = client_for("NL104", "buggy")
    with pytest.raises(RuntimeError, match=SEND_AFTER_CLOSE):
        with client.websocket_connect("/ws") as ws:
            ws.send_text("hello")
            assert ws.receive_text() == "agent: you said 'hello'"
            ws.send_text("/stop")
            # the close arrives; the "run_cancelled" message never does
            assert ws.receive()["type"] == "websocket.close"


@pytest.mark.timeout(30)
def test_nl104_fixed():
    client = client_for("NL104", "fixed")
    with client.websocket_connect("/ws") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "agent: you said 'hello'"
        ws.send_text("/stop")
        assert ws.receive_json() == {"type": "run_cancelled"}
        closing = ws.receive()
        assert closing["type"] == "websocket.close"
        assert closing["reason"] == "stopped by user"


@pytest.mark.timeout(30)
def test_nl105_buggy_second_accept_raises():
    module = load("NL105", "buggy")
    from fastapi.testclient import TestClient

    with pytest.raises(RuntimeError) as excinfo:
        chat(TestClient(module.app))
    assert str(excinfo.value) == DOUBLE_ACCEPT
    assert module.manager.active_connections == []  # connect() never got past its accept


@pytest.mark.timeout(30)
def test_nl105_fixed():
    module = load("NL105", "fixed")
    from fastapi.testclient import TestClient

    assert chat(TestClient(module.app)) == EXPECTED_REPLIES
    assert module.manager.active_connections == []  # released in the finally


# --------------------------------------------------------------------------------------
# 2. Under a real uvicorn server (NL106 needs it; the others prove it is not a TestClient
#    artefact)
# --------------------------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def app_errors(self) -> list[BaseException]:
        """The exceptions uvicorn logged as 'Exception in ASGI application'."""
        return [r.exc_info[1] for r in self.records
                if r.exc_info and r.exc_info[1] is not None
                and "Exception in ASGI application" in r.getMessage()]


@contextlib.contextmanager
def uvicorn_server(app, ws: str) -> Iterator[tuple[int, object, _Records]]:
    """Run ``app`` under uvicorn on 127.0.0.1 (a free port) in a background thread."""
    import uvicorn

    records = _Records()
    error_logger = logging.getLogger("uvicorn.error")
    error_logger.addHandler(records)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, lifespan="off", loop="asyncio", ws=ws,
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "uvicorn failed to start"
            assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
            time.sleep(0.01)
        yield port, server, records
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        error_logger.removeHandler(records)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not shut down"


def wait_until_app_done(server, timeout: float = 10) -> None:
    """Wait until every ASGI task of the server has finished (the endpoint has returned
    or raised and uvicorn has logged it)."""
    deadline = time.monotonic() + timeout
    while server.server_state.tasks:
        assert time.monotonic() < deadline, "the endpoint did not finish"
        time.sleep(0.01)


async def converse(port: int, prompts: tuple[str, ...], query: str = "") -> list[str]:
    """A real client: connect, send each prompt, read one reply each, close.

    Returns the replies it got; a server that fails ends the conversation early (a
    rejected handshake, a close frame), which is not an error here.
    """
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus, WebSocketException

    replies: list[str] = []
    try:
        async with connect(f"ws://127.0.0.1:{port}/ws{query}", open_timeout=5, close_timeout=5) as ws:
            for prompt in prompts:
                await asyncio.wait_for(ws.send(prompt), 5)
                replies.append(await asyncio.wait_for(ws.recv(), 5))
    except (InvalidStatus, WebSocketException, OSError):
        pass
    return replies


def ws_backends() -> list:
    """uvicorn's three websocket backends; websockets and wsproto are both in the test
    extra, so none is ever skipped (a missing one fails the test)."""
    marks = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]
    return [pytest.param(name, marks=marks, id=name) for name in ("websockets-sansio", "websockets", "wsproto")]


@pytest.mark.slow
@pytest.mark.timeout(30)
@pytest.mark.parametrize("ws", ws_backends())
def test_nl106_buggy_send_in_disconnect_handler_raises_under_uvicorn(ws: str):
    with uvicorn_server(load("NL106", "buggy").app, ws) as (port, server, records):
        assert asyncio.run(converse(port, ("hello",))) == ["agent: you said 'hello'"]
        wait_until_app_done(server)  # the client has closed; the endpoint's handler ran
    [error] = records.app_errors()
    from starlette.websockets import WebSocketDisconnect

    # The send raised while the handler was handling the client's disconnect:
    handled = []
    context = error.__context__
    while context is not None:
        handled.append(context)
        context = context.__context__
    assert any(isinstance(e, WebSocketDisconnect) for e in handled), handled
    if ws == "websockets":  # the legacy backend reports the send on a closed connection
        assert isinstance(error, RuntimeError)
        assert "Unexpected ASGI message 'websocket.send', after sending 'websocket.close'" in str(error)
    else:  # the transport refuses the send; Starlette turns that into a disconnect
        assert isinstance(error, WebSocketDisconnect)
        assert error.code == 1006


@pytest.mark.slow
@pytest.mark.timeout(30)
@pytest.mark.parametrize("ws", ws_backends())
def test_nl106_fixed_under_uvicorn(ws: str):
    with uvicorn_server(load("NL106", "fixed").app, ws) as (port, server, records):
        assert asyncio.run(converse(port, ("hello",))) == ["agent: you said 'hello'"]
        wait_until_app_done(server)
    assert records.app_errors() == []


# rule -> (query string, prompts, the error the buggy app must log)
UVICORN_CASES = {
    "NL101": ("?resume=1", ("hello",), NOT_ACCEPTED),
    "NL102": ("", ("hello",), NOT_ACCEPTED),
    "NL103": ("", ("hello",), NOT_ACCEPTED),
    "NL104": ("", ("hello", "/stop"), SEND_AFTER_CLOSE),
    "NL105": ("", ("hello",), DOUBLE_ACCEPT),
}


@pytest.mark.slow
@pytest.mark.timeout(30)
@pytest.mark.filterwarnings("ignore:coroutine 'WebSocket.accept' was never awaited:RuntimeWarning")
@pytest.mark.parametrize("rule", sorted(UVICORN_CASES))
def test_buggy_apps_also_fail_under_uvicorn(rule: str):
    query, prompts, message = UVICORN_CASES[rule]
    with uvicorn_server(load(rule, "buggy").app, "websockets-sansio") as (port, server, records):
        asyncio.run(converse(port, prompts, query))
        wait_until_app_done(server)
    errors = records.app_errors()
    assert [str(e) for e in errors] == [message], errors


async def strict_conversation(port: int, prompts: tuple[str, ...], query: str, expected_replies: int,
                              server_closes: bool) -> tuple[list[str], tuple[int, str] | None]:
    """A real client that tolerates nothing: connect, send the prompts, read exactly
    ``expected_replies`` messages (all of them, not one per prompt), then either wait for the
    server's close frame (returned as (code, reason)) or close itself (None)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosedOK

    async with connect(f"ws://127.0.0.1:{port}/ws{query}", open_timeout=5, close_timeout=5) as ws:
        for prompt in prompts:
            await asyncio.wait_for(ws.send(prompt), 5)
        replies = [await asyncio.wait_for(ws.recv(), 5) for _ in range(expected_replies)]
        if not server_closes:
            return replies, None
        with pytest.raises(ConnectionClosedOK) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None, "the client, not the server, closed"
        return replies, (closed.value.rcvd.code, closed.value.rcvd.reason)


HELLO = "agent: you said 'hello'"
# case -> (rule, query string, prompts, the exact replies, the server's close or None)
FIXED_UVICORN_CASES = {
    "NL101-resumed": ("NL101", "?resume=1", ("hello",), [HELLO], None),
    "NL101-new": ("NL101", "", ("hello",), ['{"type":"ready"}', HELLO], None),
    "NL102": ("NL102", "", ("hello", "and again"), [HELLO, "agent: you said 'and again'"], None),
    "NL103": ("NL103", "", ("hello", "and again"), [HELLO, "agent: you said 'and again'"], None),
    # the path NL104 is about: /stop gets its "run_cancelled" message, then the close
    "NL104-stop": ("NL104", "", ("hello", "/stop"), [HELLO, '{"type":"run_cancelled"}'],
                   (1000, "stopped by user")),
    "NL105": ("NL105", "", ("hello", "and again"), [HELLO, "agent: you said 'and again'"], None),
}


def test_every_uvicorn_rule_has_a_fixed_case():
    assert {rule for rule, *_ in FIXED_UVICORN_CASES.values()} == set(UVICORN_CASES)


@pytest.mark.slow
@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", sorted(FIXED_UVICORN_CASES))
def test_fixed_apps_work_under_uvicorn(case: str):
    rule, query, prompts, expected, close = FIXED_UVICORN_CASES[case]
    with uvicorn_server(load(rule, "fixed").app, "websockets-sansio") as (port, server, records):
        replies, closed = asyncio.run(strict_conversation(port, prompts, query, len(expected),
                                                          close is not None))
        wait_until_app_done(server)
    assert records.app_errors() == []
    assert replies == expected
    assert closed == close


# --------------------------------------------------------------------------------------
# 3. flake8 --select NL reports exactly the annotations
# --------------------------------------------------------------------------------------


def test_every_rule_has_an_annotated_buggy_and_a_clean_fixed_example():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(
        f"{rule.lower()}_{kind}.py" for rule in RULES for kind in ("buggy", "fixed"))
    for rule in RULES:
        buggy = expected_from_annotations(example_path(rule, "buggy"))
        assert buggy and {code for _, code in buggy} == {rule}, (rule, buggy)
        assert expected_from_annotations(example_path(rule, "fixed")) == set()


@pytest.fixture(scope="module")
def flake8_reports() -> dict[str, set[tuple[int, str]]]:
    return {str(Path(path).resolve()): found for path, found in run_flake8(EXAMPLES).items()}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["buggy", "fixed"])
@pytest.mark.parametrize("rule", RULES)
def test_flake8_reports_exactly_the_annotations(flake8_reports, rule: str, kind: str):
    path = example_path(rule, kind)
    expected = expected_from_annotations(path)
    found = flake8_reports.get(str(path.resolve()), set())
    assert sorted(found) == sorted(expected), (
        f"{path.name}: expected {sorted(expected)}, found {sorted(found)}")
