"""examples/resources/: the leaks NL201/NL202 report happen at run time, and the fixed
versions do not leak (Starlette's TestClient against the real FastAPI app)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
import uuid
from pathlib import Path

import pytest

from netra_lint.api import check_source
from tests.harness import expected_from_annotations

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "resources"
LIMIT_MESSAGE = r"maximum number of WebSocket managers \(5\)"


def load(name: str):
    path = EXAMPLES / name
    module_name = f"netra_example_resources_{path.stem}_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


# --- a manager per event: the sixth event locks the user out ---------------------------

def send_events(client, user: str, count: int) -> None:
    with client.websocket_connect(f"/events/{user}") as ws:
        for i in range(count):
            ws.send_json({"n": i})
            assert ws.receive_json()["echo"] == {"n": i}


@pytest.mark.timeout(30)
def test_service_buggy_sixth_event_is_refused():
    from starlette.testclient import TestClient

    module = load("buggy_service.py")
    client, user = TestClient(module.app), f"user-{uuid.uuid4().hex}"
    send_events(client, user, 3)  # one connection, three events
    send_events(client, user, 2)  # another connection: five managers are now held
    assert module.factory.managers_of(user) == module.MAX_MANAGERS_PER_USER
    with pytest.raises(module.ManagerLimitExceeded, match=LIMIT_MESSAGE):
        send_events(client, user, 1)


@pytest.mark.timeout(30)
def test_service_fixed_any_number_of_events():
    from starlette.testclient import TestClient

    module = load("fixed_service.py")
    client, user = TestClient(module.app), f"user-{uuid.uuid4().hex}"
    for _ in range(4):
        send_events(client, user, 3 * module.MAX_MANAGERS_PER_USER)
    assert module.factory.managers_of(user) == 0


# --- a loop that swallows the disconnect: queue and task leak per connection ------------

async def _sender_tasks() -> int:
    return sum(1 for task in asyncio.all_tasks()
               if not task.done() and task.get_coro().__name__ == "sender")


def leftovers(client, module) -> tuple[int, int]:
    """(queues still registered, sender tasks still pending) once every server-side
    handler has finished."""
    deadline = time.monotonic() + 5
    while True:
        counts = len(module.subscriptions), client.portal.call(_sender_tasks)
        if time.monotonic() > deadline:
            return counts
        time.sleep(0.05)
        if counts == (len(module.subscriptions), client.portal.call(_sender_tasks)):
            return counts


def connect_and_leave(client, clients: int) -> None:
    for i in range(clients):
        with client.websocket_connect(f"/subscribe/client-{i}-{uuid.uuid4().hex}") as ws:
            ws.send_text("hello")
            assert ws.receive_text() == "hello"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("clients", [1, 7])
def test_swallow_buggy_leaks_a_queue_and_a_task_per_client(clients):
    from starlette.testclient import TestClient

    module = load("buggy_swallow.py")
    with TestClient(module.app) as client:
        connect_and_leave(client, clients)
        assert leftovers(client, module) == (clients, clients)


@pytest.mark.timeout(60)
def test_swallow_fixed_leaves_nothing():
    from starlette.testclient import TestClient

    module = load("fixed_swallow.py")
    with TestClient(module.app) as client:
        connect_and_leave(client, 7)
        assert leftovers(client, module) == (0, 0)


# --- netra-lint reports exactly the annotated lines --------------------------------------

@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_reports_match_annotations(path: Path):
    text = path.read_text(encoding="utf-8")
    found = {(f.line, f.code) for f in check_source(text, str(path))}
    expected = expected_from_annotations(path)
    assert found == expected
    assert bool(expected) == path.name.startswith("buggy")


# --- the summaries project mode will share ------------------------------------------------

def test_summaries_are_plain_data_keyed_by_parameters_and_return_value():
    import json

    import libcst as cst

    from netra_lint.engine.module import ModuleIndex
    from netra_lint.engine.resources import ResourceAnalysis, ResourceEffects
    from netra_lint.engine.websockets import WebSocketAnalysis
    from netra_lint.settings import Settings

    index = ModuleIndex(cst.parse_module((EXAMPLES / "buggy_service.py").read_text(encoding="utf-8")))
    analysis = ResourceAnalysis(WebSocketAnalysis(index, Settings()), Settings())
    factory = index.classes["ManagerFactory"]
    taken = analysis.summary(factory.methods["get_manager"], True)
    given = analysis.summary(factory.methods["release_manager"], True)
    assert [(e.container, sorted(e.keys), e.owner) for e in taken.acquires] == [
        ("ManagerFactory._managers", ["$request_id", "$ret"], "$self")]
    assert [(e.container, sorted(e.keys)) for e in given.releases] == [
        ("ManagerFactory._managers", ["$request_id"])]
    # the service drops what it takes: nothing is left for its callers to release
    assert analysis.summary(index.classes["EventService"].methods["handle_event"], True).empty
    assert ResourceEffects.from_json(json.loads(json.dumps(taken.to_json()))) == taken
