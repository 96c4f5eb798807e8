"""The staging incident, reproduced for real: examples/incident/ under uvicorn.

Each app runs under a real uvicorn server on 127.0.0.1 (a free port, a background thread),
a real ``websockets`` client sends a message and closes before the agent replies, and we
watch what the server logs:

* buggy_app: the swallowed send failure, then ``Need to call "accept" first`` out of the
  endpoint (uvicorn's "Exception in ASGI application");
* fixed_app: one "client left" line and no error.

Ordering is made deterministic rather than likely: the agent's "thinking" (a sleep in the
app) is replaced by a wait for the moment the client's close handshake has completed. By
then the server has processed the client's close frame, so the reply's first send fails.

Finally flake8 (a subprocess) must report exactly the annotated NL107/NL108 lines on the
buggy app and nothing on the fixed one.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
import uvicorn
import websockets.asyncio.client as ws_client  # websockets >= 13, pinned in the test extra

from tests.harness import expected_from_annotations, run_flake8

INCIDENT = Path(__file__).resolve().parent.parent / "examples" / "incident"
BUGGY = INCIDENT / "buggy_app.py"
FIXED = INCIDENT / "fixed_app.py"

NOT_ACCEPTED = 'Need to call "accept" first'
STEP = 0.01  # polling interval, seconds
WAIT = 10.0  # upper bound for any single wait, seconds


def load_app(path: Path) -> ModuleType:
    """Import an example app from its file (examples/ is not a package), fresh each time."""
    name = f"netra_incident_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


class Recorder(logging.Handler):
    """Keeps every record it sees, thread-safely (the server logs from its own thread)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            self.records.append(record)

    def snapshot(self) -> list[logging.LogRecord]:
        with self._lock:
            return list(self.records)

    def texts(self) -> list[str]:
        """Each record's message and, if it carries one, its exception's type and text."""
        out = []
        for record in self.snapshot():
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                text += f"\n{type(exc).__name__}: {exc}"
            out.append(text)
        return out

    def wait_for(self, predicate, timeout: float = WAIT) -> logging.LogRecord:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for record in self.snapshot():
                if predicate(record):
                    return record
            time.sleep(STEP)
        raise AssertionError(
            f"no matching log record within {timeout}s; got:\n" + "\n---\n".join(self.texts()))


@contextmanager
def recording(*logger_names: str) -> Iterator[Recorder]:
    recorder = Recorder()
    saved = []
    for name in logger_names:
        log = logging.getLogger(name)
        saved.append((log, log.level))
        log.addHandler(recorder)
        if log.getEffectiveLevel() > logging.INFO:
            log.setLevel(logging.INFO)
    try:
        yield recorder
    finally:
        for log, level in saved:
            log.removeHandler(recorder)
            log.setLevel(level)


@contextmanager
def serving(app) -> Iterator[int]:
    """Run ``app`` under a real uvicorn server on 127.0.0.1 in a thread; yield its port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # a free port, held from here on: no race with other tests
    port = sock.getsockname()[1]
    # log_config=None: uvicorn's default dictConfig would strip the handlers that the
    # test attached to "uvicorn.error"; records still propagate to pytest's capture.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + WAIT
        while not server.started:
            assert thread.is_alive(), "uvicorn exited during start-up"
            assert time.monotonic() < deadline, f"uvicorn did not start within {WAIT}s"
            time.sleep(STEP)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=WAIT)
        sock.close()
        assert not thread.is_alive(), f"uvicorn did not stop within {WAIT}s"


def gate_agent(monkeypatch: pytest.MonkeyPatch, app_module: ModuleType) -> threading.Event:
    """Make the app's agent think until the returned event is set (bounded), not for a set time."""
    client_gone = threading.Event()

    async def think() -> None:
        deadline = time.monotonic() + WAIT
        while not client_gone.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(STEP)

    monkeypatch.setattr(app_module, "think", think)
    return client_gone


async def ask_and_leave(port: int, client_gone: threading.Event) -> None:
    """Ask a question, close the connection before the reply, then let the agent reply."""
    ws = await asyncio.wait_for(
        ws_client.connect(f"ws://127.0.0.1:{port}/ws", open_timeout=WAIT, close_timeout=WAIT),
        WAIT)
    await asyncio.wait_for(ws.send("what is the capital of France?"), WAIT)
    # close() returns once the server has answered our close frame and the TCP
    # connection is shut: from now on every server-side send fails.
    await asyncio.wait_for(ws.close(), WAIT)
    client_gone.set()


async def converse(port: int) -> list[dict]:
    """A normal conversation: ask, read the streamed reply to the end, close."""
    async with ws_client.connect(f"ws://127.0.0.1:{port}/ws", open_timeout=WAIT,
                                 close_timeout=WAIT) as ws:
        await asyncio.wait_for(ws.send("hello"), WAIT)
        frames: list[dict] = []
        while not frames or frames[-1]["type"] != "done":
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), WAIT)))
        return frames


@pytest.mark.slow
@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", [BUGGY, FIXED], ids=["buggy", "fixed"])
def test_conversation_works_while_the_client_stays(path, monkeypatch):
    """Both apps behave while nobody leaves: the bug only shows when the client goes away."""
    app_module = load_app(path)
    gate_agent(monkeypatch, app_module).set()
    with serving(app_module.app) as port:
        frames = asyncio.run(converse(port))
    assert [f["text"] for f in frames[:-1]] == ["You", "said:", "hello"]
    assert frames[-1] == {"type": "done"}


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_buggy_app_reports_need_to_call_accept_after_the_client_left(monkeypatch):
    app_module = load_app(BUGGY)
    client_gone = gate_agent(monkeypatch, app_module)
    with recording("incident.buggy_app", "uvicorn.error") as log:
        with serving(app_module.app) as port:
            asyncio.run(ask_and_leave(port, client_gone))
            crash = log.wait_for(lambda r: r.name == "uvicorn.error" and r.exc_info is not None)

    # Step 3 of the chain: the failed send was swallowed and logged with an empty text.
    swallowed = [r for r in log.snapshot() if r.name == "incident.buggy_app"]
    assert [r.getMessage() for r in swallowed] == ["Message routing failed: "]
    assert swallowed[0].levelno == logging.ERROR
    # Step 5: the owner's next receive_text() raised the misleading error out of the endpoint.
    assert crash.getMessage().startswith("Exception in ASGI application")
    exc = crash.exc_info[1]
    assert NOT_ACCEPTED in str(exc), log.texts()
    assert str(exc) == 'WebSocket is not connected. Need to call "accept" first.'
    assert isinstance(exc, RuntimeError)
    # ... and it came from receive_text() in the endpoint, not from a missing accept().
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert frames[-2:] == ["chat", "receive_text"], frames


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_fixed_app_ends_the_connection_cleanly_after_the_client_left(monkeypatch):
    app_module = load_app(FIXED)
    client_gone = gate_agent(monkeypatch, app_module)
    with recording("incident.fixed_app", "uvicorn.error") as log:
        with serving(app_module.app) as port:
            asyncio.run(ask_and_leave(port, client_gone))
            left = log.wait_for(lambda r: r.name == "incident.fixed_app")
            # The endpoint has returned (its last statement logged); give uvicorn's
            # run_asgi a moment to report anything it objects to, before shutdown.
            time.sleep(0.2)

    # The send after the client left failed with the disconnect (1006, no close frame
    # received by the app), the handler let it through, and the endpoint ended cleanly.
    assert left.levelno == logging.INFO
    assert left.getMessage() == "client left (code 1006); connection closed"
    assert not any(NOT_ACCEPTED in text for text in log.texts()), log.texts()
    problems = [r for r in log.snapshot() if r.levelno >= logging.WARNING or r.exc_info]
    assert problems == [], log.texts()


@pytest.mark.timeout(300)
def test_flake8_reports_the_incident_exactly():
    expected = expected_from_annotations(BUGGY)
    assert {code for _, code in expected} == {"NL107", "NL108"}
    assert expected_from_annotations(FIXED) == set()

    found = run_flake8(BUGGY, FIXED, select="NL")
    assert found.get(str(BUGGY), set()) == expected
    assert found.get(str(FIXED), set()) == set()
