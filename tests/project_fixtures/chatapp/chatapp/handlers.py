import logging

from fastapi import WebSocket

logger = logging.getLogger(__name__)


class PingHandler:
    async def handle_incoming(self, websocket: WebSocket, message: dict) -> bool:
        try:
            await websocket.send_json({"type": "pong"})
            return True
        except Exception:  # error: NL107
            logger.error("ping failed")
            return False


class EchoHandler:
    async def handle_incoming(self, websocket: WebSocket, message: dict) -> bool:
        try:
            await websocket.send_json({"type": "echo", "data": message})
            return True
        except Exception:  # error: NL107
            logger.error("echo failed")
            return False


class Router:
    def __init__(self) -> None:
        self.registry = {"ping": PingHandler(), "echo": EchoHandler()}

    async def route(self, websocket: WebSocket, message: dict) -> bool:
        handler = self.registry[message["type"]]
        return await handler.handle_incoming(websocket, message)
