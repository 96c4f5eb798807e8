"""Lock-out through a service, fixed: the service gives back the manager it takes.

``handle_event`` keeps the request id and calls ``factory.release_manager(request_id)``
in ``finally``, so every event, whether it succeeds or raises, leaves the registry as it
found it: a user can send any number of events.
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
        request_id = str(uuid.uuid4())
        manager = factory.get_manager(user_id, request_id)
        try:
            return await manager.process(event)
        finally:
            factory.release_manager(request_id)


service = EventService()
app = FastAPI()


@app.websocket("/events/{user_id}")
async def events(websocket: WebSocket, user_id: str) -> None:
    await websocket.accept()
    async for event in websocket.iter_json():
        await websocket.send_json(await service.handle_event(user_id, event))
