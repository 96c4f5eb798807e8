"""Lock-out through a service: a manager per event, never given back (NL201).

Bug: every chat event is handled by ``EventService.handle_event``, which asks the
factory for a manager keyed by a fresh request id. The factory keeps every manager in
its registry and nothing ever releases the one made for the event: the endpoint
releases nothing it can name, and the service drops the manager at return. The endpoint
itself acquires nothing, so a linter that looks only at endpoints and at names
(``handle_event`` is no ``create_*manager*``) misses it; netra-lint follows what
``get_manager()`` does (it stores the manager in ``_managers[request_id]``) and sees
that ``handle_event`` can never undo that entry.

Runtime symptom: the sixth event of a user, on one connection or several, fails with
``User has reached the maximum number of WebSocket managers (5)``.
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI, WebSocket

MAX_MANAGERS_PER_USER = 5


class ManagerLimitExceeded(RuntimeError):
    pass


class WebSocketManager:
    def __init__(self, user_id: str, request_id: str) -> None:
        self.user_id = user_id
        self.request_id = request_id

    async def process(self, event: dict) -> dict:
        return {"request": self.request_id, "echo": event}


class ManagerFactory:
    def __init__(self) -> None:
        self._managers: dict[str, WebSocketManager] = {}

    def get_manager(self, user_id: str, request_id: str) -> WebSocketManager:
        in_use = sum(1 for manager in self._managers.values() if manager.user_id == user_id)
        if in_use >= MAX_MANAGERS_PER_USER:
            raise ManagerLimitExceeded(
                f"User has reached the maximum number of WebSocket managers ({MAX_MANAGERS_PER_USER})"
            )
        manager = WebSocketManager(user_id, request_id)
        self._managers[request_id] = manager
        return manager

    def release_manager(self, request_id: str) -> None:
        self._managers.pop(request_id, None)

    def managers_of(self, user_id: str) -> int:
        return sum(1 for manager in self._managers.values() if manager.user_id == user_id)


factory = ManagerFactory()


class EventService:
    async def handle_event(self, user_id: str, event: dict) -> dict:
        manager = factory.get_manager(user_id, str(uuid.uuid4()))  # error: NL201
        return await manager.process(event)


service = EventService()
app = FastAPI()


@app.websocket("/events/{user_id}")
async def events(websocket: WebSocket, user_id: str) -> None:
    await websocket.accept()
    async for event in websocket.iter_json():
        await websocket.send_json(await service.handle_event(user_id, event))
