"""NL105, buggy: the websocket is accepted twice.

The endpoint accepts, then registers the connection with ``manager.connect()``, which
(as in FastAPI's chat example) accepts again. The second accept raises:

    RuntimeError: Expected ASGI message "websocket.send" or "websocket.close",
    but got 'websocket.accept'
"""

import logging

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
logger = logging.getLogger(__name__)


def agent_reply(prompt: str) -> str:
    """Stand-in for the AI agent."""
    return f"agent: you said {prompt!r}"


class ConnectionManager:
    """Tracks the open agent connections."""

    def __init__(self) -> None:
        self.active_connections: list[WebSocket] = []

    async def connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self.active_connections.append(websocket)

    def disconnect(self, websocket: WebSocket) -> None:
        self.active_connections.remove(websocket)


manager = ConnectionManager()


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    await manager.connect(websocket)  # error: NL105
    try:
        while True:
            prompt = await websocket.receive_text()
            await websocket.send_text(agent_reply(prompt))
    except WebSocketDisconnect:
        logger.info("client left the conversation")
    finally:
        manager.disconnect(websocket)
