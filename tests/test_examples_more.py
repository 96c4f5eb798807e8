"""The lock-out, ids, handshake and init-order examples: they fail at run time as their
docstrings say, their fixes do not, and flake8 reports exactly the annotated codes."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path

import pytest

from tests.harness import expected_from_annotations, run_flake8

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_DIRS = [EXAMPLES / name for name in ("lockout", "ids", "handshake", "init_order")]

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
LIMIT_MESSAGE = "maximum number of WebSocket managers"


def load(relative: str):
    """Import an example file as a fresh module (examples are not a package)."""
    path = EXAMPLES / relative
    name = "netra_example_" + relative.replace("/", "_").removesuffix(".py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def client_for(module):
    from starlette.testclient import TestClient

    # Not entered as a context manager: the app's lifespan (startup) does not run.
    return TestClient(module.app)


def echo_once(client, user: str) -> None:
    with client.websocket_connect(f"/ws/{user}") as ws:
        ws.send_text("hello")
        assert ws.receive_text().endswith(": hello")


def fail_with_bad_json(client, user: str) -> None:
    """A chat turn that raises something other than WebSocketDisconnect on the server."""
    import json

    with pytest.raises(json.JSONDecodeError):
        with client.websocket_connect(f"/chat/{user}") as ws:
            ws.send_json({"text": "hi"})
            assert ws.receive_json()["echo"] == {"text": "hi"}
            ws.send_text("not json")
            ws.receive_json()


# --- lockout: NL201 / NL202 / NL203 ----------------------------------------------

@pytest.mark.timeout(30)
def test_lockout_buggy_sixth_connection_is_refused():
    module = load("lockout/buggy_app.py")
    client, user = client_for(module), f"user-{uuid.uuid4().hex}"
    for _ in range(module.MAX_MANAGERS_PER_USER):
        echo_once(client, user)  # connect, talk, disconnect: the manager leaks
    with pytest.raises(module.ManagerLimitExceeded, match=LIMIT_MESSAGE):
        echo_once(client, user)


@pytest.mark.timeout(30)
def test_lockout_buggy_chat_leaks_on_non_disconnect_error():
    module = load("lockout/buggy_app.py")
    client, user = client_for(module), f"user-{uuid.uuid4().hex}"
    for _ in range(module.MAX_MANAGERS_PER_USER):
        fail_with_bad_json(client, user)
    with pytest.raises(module.ManagerLimitExceeded, match=LIMIT_MESSAGE):
        fail_with_bad_json(client, user)


@pytest.mark.timeout(30)
def test_lockout_fixed_never_hits_the_limit():
    module = load("lockout/fixed_app.py")
    client, user = client_for(module), f"user-{uuid.uuid4().hex}"
    for _ in range(3 * module.MAX_MANAGERS_PER_USER):
        echo_once(client, user)
        fail_with_bad_json(client, user)
    assert not any(m.user_id == user for m in module._registry.values())


# --- ids: NL301 / NL302 / NL303 ----------------------------------------------------

@pytest.mark.timeout(30)
def test_ids_buggy_parsed_thread_does_not_match():
    module = load("ids/buggy_ids.py")
    thread_id, run_id = module.start_conversation("websocket_factory")
    assert module.thread_of_run(run_id) != thread_id
    with pytest.raises(module.ThreadMismatch, match="Thread ID mismatch: run_id contains"):
        module.route(thread_id, run_id)


@pytest.mark.timeout(30)
def test_ids_fixed_round_trip():
    module = load("ids/fixed_ids.py")
    pairs = [module.start_conversation("websocket_factory") for _ in range(100)]
    for thread_id, run_id in pairs:
        assert module.thread_of_run(run_id) == thread_id
        assert module.route(thread_id, run_id) == thread_id
    assert len({run_id for _, run_id in pairs}) == len(pairs)
    assert len({thread_id for thread_id, _ in pairs}) == len(pairs)


# --- handshake: NL401 ----------------------------------------------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize("example, selected", [
    ("handshake/buggy_app.py", None),
    ("handshake/fixed_app.py", "jwt"),
])
def test_handshake_selected_subprotocol(example, selected):
    """What the server selects. TestClient is no browser: the buggy app "works" here; the
    failure itself (the browser drops the connection) is shown in tests/test_browser.py."""
    module = load(example)
    with client_for(module).websocket_connect("/ws", subprotocols=["jwt", TOKEN]) as ws:
        assert ws.accepted_subprotocol == selected
        assert ws.receive_json() == {"user": "alice"}


# --- init order: NL501 -------------------------------------------------------------

@pytest.mark.timeout(30)
def test_init_order_buggy_health_before_startup_crashes(monkeypatch):
    module = load("init_order/buggy_app.py")
    monkeypatch.setattr(module, "db_manager", None)
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'ping'"):
        client_for(module).get("/health")


@pytest.mark.timeout(30)
def test_init_order_fixed_health_before_startup_is_clean(monkeypatch):
    module = load("init_order/fixed_app.py")
    monkeypatch.setattr(module, "db_manager", None)
    response = client_for(module).get("/health")
    assert response.status_code == 503
    assert response.json() == {"database": "not initialized"}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("example", ["init_order/buggy_app.py", "init_order/fixed_app.py"])
def test_init_order_health_after_startup(monkeypatch, example):
    from starlette.testclient import TestClient

    module = load(example)
    monkeypatch.setattr(module, "db_manager", None)
    with TestClient(module.app) as client:  # runs the lifespan: init_db()
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


# --- flake8 reports exactly the annotations -----------------------------------------

def example_files():
    return sorted(path for directory in EXAMPLE_DIRS for path in directory.glob("*.py"))


def test_example_annotations_are_consistent():
    files = example_files()
    assert len(files) == 10
    for path in files:
        expected = expected_from_annotations(path)
        if path.name.startswith("fixed"):
            assert expected == set(), path
        else:
            assert path.name.startswith("buggy") and expected, path


@pytest.mark.timeout(300)
def test_flake8_reports_exactly_the_annotated_codes():
    found = run_flake8(*EXAMPLE_DIRS, select="NL")
    problems = []
    for path in example_files():
        expected = expected_from_annotations(path)
        got = found.pop(str(path), set())
        if got != expected:
            problems.append(f"{path.relative_to(EXAMPLES)}: missing {sorted(expected - got)}, "
                            f"unexpected {sorted(got - expected)}")
    assert not found, f"reports on files outside the examples: {found}"
    assert not problems, "\n".join(problems)
