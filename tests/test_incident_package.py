"""The incident with its real module structure: examples/incident/chat_buggy/ (a package:
routes, handlers, utils, agent) under a real uvicorn server, and project mode finding
its root cause across the modules.

The client asks a question and leaves while the agent thinks; the handler class in
handlers.py swallows the failed send and returns False, the router passes it on, the
route in routes/websocket.py only logs it and receives again: ``Need to call "accept"
first``. The fixed package ends the connection with one INFO line. flake8 (a subprocess,
project mode) reports exactly the annotated lines of the buggy package, naming the route's
line in NL107's message, and nothing on the fixed package; with ``--netra-no-project`` the
handlers' NL107 are not found (the value looks handed on).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import time
from pathlib import Path

import pytest

from tests.harness import expected_from_annotations, run_flake8
from tests.test_incident import (NOT_ACCEPTED, ask_and_leave, converse, recording, serving)

REPO = Path(__file__).resolve().parent.parent
INCIDENT = REPO / "examples" / "incident"
PACKAGES = {"buggy": INCIDENT / "chat_buggy", "fixed": INCIDENT / "chat_fixed"}
WAIT = 10.0
STEP = 0.01


def load(kind: str):
    """Import ``examples.incident.chat_<kind>`` afresh; return (app module, agent module)."""
    name = f"examples.incident.chat_{kind}"
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return importlib.import_module(f"{name}.app"), importlib.import_module(f"{name}.agent")


def gate(monkeypatch: pytest.MonkeyPatch, agent) -> "threading.Event":
    import threading

    client_gone = threading.Event()

    async def think() -> None:
        deadline = time.monotonic() + WAIT
        while not client_gone.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(STEP)

    monkeypatch.setattr(agent, "think", think)
    return client_gone


@pytest.mark.slow
@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["buggy", "fixed"])
def test_the_package_converses_while_the_client_stays(kind, monkeypatch):
    app, agent = load(kind)
    gate(monkeypatch, agent).set()

    async def talk(port: int) -> list[dict]:
        import json

        from websockets.asyncio.client import connect

        async with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=WAIT) as ws:
            welcome = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
            assert welcome == {"type": "welcome", "user": "anonymous"}
            await ws.send("hello")
            frames: list[dict] = []
            while not frames or frames[-1]["type"] != "done":
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), WAIT)))
            return frames

    with serving(app.app) as port:
        frames = asyncio.run(talk(port))
    assert [f["text"] for f in frames[:-1]] == ["You", "said:", "hello"]


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_buggy_package_raises_need_to_call_accept_after_the_client_left(monkeypatch):
    app, agent = load("buggy")
    client_gone = gate(monkeypatch, agent)
    with recording("incident.chat_buggy", "uvicorn.error") as log:
        with serving(app.app) as port:
            asyncio.run(ask_and_leave(port, client_gone))
            crash = log.wait_for(lambda r: r.name == "uvicorn.error" and r.exc_info is not None)
    swallowed = [r.getMessage() for r in log.snapshot() if r.name == "incident.chat_buggy"]
    # the handler swallowed the disconnect (an empty text), the route only logged the False
    assert swallowed == ["Message routing failed: ", "message from anonymous was not delivered"]
    exc = crash.exc_info[1]
    assert str(exc) == 'WebSocket is not connected. Need to call "accept" first.'
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append((Path(tb.tb_frame.f_code.co_filename).name, tb.tb_frame.f_code.co_name))
        tb = tb.tb_next
    # ... raised by the route's receive_text() in routes/websocket.py, not by a missing accept
    assert ("websocket.py", "chat") in frames and frames[-1][1] == "receive_text", frames


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_fixed_package_ends_the_connection_cleanly_after_the_client_left(monkeypatch):
    app, agent = load("fixed")
    client_gone = gate(monkeypatch, agent)
    with recording("incident.chat_fixed", "uvicorn.error") as log:
        with serving(app.app) as port:
            asyncio.run(ask_and_leave(port, client_gone))
            left = log.wait_for(lambda r: r.name == "incident.chat_fixed")
            time.sleep(0.2)
    assert left.getMessage() == "client left (code 1006); connection closed"
    assert not any(NOT_ACCEPTED in text for text in log.texts()), log.texts()
    assert [r for r in log.snapshot() if r.levelno >= logging.WARNING or r.exc_info] == []


def package_expectations(root: Path) -> dict[str, set[tuple[int, str]]]:
    return {str(p): expected_from_annotations(p) for p in sorted(root.rglob("*.py"))
            if expected_from_annotations(p)}


@pytest.mark.timeout(300)
def test_flake8_finds_the_root_cause_across_modules():
    expected = package_expectations(PACKAGES["buggy"])
    assert {Path(p).name for p in expected} == {"handlers.py", "utils.py"}
    assert package_expectations(PACKAGES["fixed"]) == {}
    found = run_flake8(PACKAGES["buggy"], PACKAGES["fixed"])
    found = {str(Path(p).resolve()): v for p, v in found.items()}
    assert found == {str(Path(p).resolve()): v for p, v in expected.items()}


@pytest.mark.timeout(300)
def test_nl107_names_the_route_that_ignores_the_value():
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select=NL107",
                           str(PACKAGES["buggy"] / "handlers.py")],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    lines = proc.stdout.splitlines()
    assert len(lines) == 2, proc.stdout + proc.stderr
    assert all("examples/incident/chat_buggy/routes/websocket.py:25 ignores the False returned "
               "here and receives again" in line for line in lines), lines


@pytest.mark.timeout(300)
def test_alone_each_file_hides_the_handlers_swallowing():
    found = run_flake8(PACKAGES["buggy"], extra=("--netra-no-project",))
    handlers = str(PACKAGES["buggy"] / "handlers.py")
    assert not any(Path(p).resolve() == Path(handlers).resolve() for p in found), found
