"""Connection helpers shared by the routes and the services."""

from __future__ import annotations

import logging

from fastapi import WebSocket
from starlette.websockets import WebSocketState

logger = logging.getLogger("incident.chat_buggy")


def is_websocket_connected(websocket: WebSocket) -> bool:
    """Looks careful: prefers client_state, falls back to application_state. But every
    Starlette WebSocket has client_state, so the fallback never runs, and client_state
    stays CONNECTED after a failed send."""
    try:
        if hasattr(websocket, "client_state"):
            is_connected = websocket.client_state == WebSocketState.CONNECTED  # error: NL108
            return is_connected
        return websocket.application_state == WebSocketState.CONNECTED
    except Exception:
        return False


async def safe_send(websocket: WebSocket, data: dict) -> bool:
    """Send, and report failure as False instead of raising."""
    try:
        await websocket.send_json(data)
        return True
    except Exception as e:  # error: NL107
        logger.warning("send failed: %s", e)
        return False
