"""Lock-out: per-connection WebSocket managers that are never released (NL201, NL203).

Bug: every connection gets its own manager from ``create_websocket_manager(user_id)``,
which registers it in the factory's ``_registry``. ``/ws`` never releases it;
``/chat`` calls ``manager.cleanup()`` under ``except WebSocketDisconnect``, but
``cleanup()`` only resets the manager: nothing ever removes a manager from
``_registry`` (netra-lint decides the release by what ``cleanup()`` does, not by its
name), so a disconnect and any other exception (here: a message that is not JSON)
both leak it.

Runtime symptom: after five connections the user is locked out, connect and
disconnect as they may:
``User has reached the maximum number of WebSocket managers (5)``.
"""

from __future__ import annotations

import itertools

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

MAX_MANAGERS_PER_USER = 5

_registry: dict[int, WebSocketManager] = {}
_manager_ids = itertools.count(1)


class ManagerLimitExceeded(RuntimeError):
    pass


class WebSocketManager:
    def __init__(self, user_id: str) -> None:
        self.manager_id = next(_manager_ids)
        self.user_id = user_id
        self.active = True

    def cleanup(self) -> None:
        self.active = False


def create_websocket_manager(user_id: str) -> WebSocketManager:
    in_use = sum(1 for manager in _registry.values() if manager.user_id == user_id)
    if in_use >= MAX_MANAGERS_PER_USER:
        raise ManagerLimitExceeded(
            f"User has reached the maximum number of WebSocket managers ({MAX_MANAGERS_PER_USER})"
        )
    manager = WebSocketManager(user_id)
    _registry[manager.manager_id] = manager  # error: NL203
    return manager


app = FastAPI()


@app.websocket("/ws/{user_id}")
async def websocket_endpoint(websocket: WebSocket, user_id: str) -> None:
    manager = create_websocket_manager(user_id)  # error: NL201
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(f"manager {manager.manager_id}: {text}")


@app.websocket("/chat/{user_id}")
async def chat_endpoint(websocket: WebSocket, user_id: str) -> None:
    manager = create_websocket_manager(user_id)  # error: NL201
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive_json()
            await websocket.send_json({"manager": manager.manager_id, "echo": message})
    except WebSocketDisconnect:
        manager.cleanup()
