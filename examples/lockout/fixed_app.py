"""Lock-out fixed: every manager is released in ``finally``.

``cleanup_manager(manager)`` removes the manager from the factory's registry, and
both endpoints call it in ``finally``, so a disconnect, an error or a cancellation
all give the manager back: a user can reconnect any number of times and never
holds more than one manager per open connection.
"""

from __future__ import annotations

import itertools

from fastapi import FastAPI, WebSocket

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
    _registry[manager.manager_id] = manager
    return manager


def cleanup_manager(manager: WebSocketManager) -> None:
    manager.cleanup()
    _registry.pop(manager.manager_id, None)


app = FastAPI()


@app.websocket("/ws/{user_id}")
async def websocket_endpoint(websocket: WebSocket, user_id: str) -> None:
    manager = create_websocket_manager(user_id)
    try:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(f"manager {manager.manager_id}: {text}")
    finally:
        cleanup_manager(manager)


@app.websocket("/chat/{user_id}")
async def chat_endpoint(websocket: WebSocket, user_id: str) -> None:
    manager = create_websocket_manager(user_id)
    try:
        await websocket.accept()
        async for message in websocket.iter_json():
            await websocket.send_json({"manager": manager.manager_id, "echo": message})
    finally:
        cleanup_manager(manager)
