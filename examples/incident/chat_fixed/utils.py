"""Connection helpers shared by the routes and the services."""

from __future__ import annotations

import logging

from fastapi import WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

logger = logging.getLogger("incident.chat_fixed")


def is_websocket_connected(websocket: WebSocket) -> bool:
    """Both sides: client_state changes when a disconnect is received, application_state
    as soon as a send fails."""
    return (websocket.client_state == WebSocketState.CONNECTED
            and websocket.application_state == WebSocketState.CONNECTED)


async def safe_send(websocket: WebSocket, data: dict) -> bool:
    """Send; a failure other than the client leaving is reported as False."""
    try:
        await websocket.send_json(data)
        return True
    except WebSocketDisconnect:
        raise  # the client is gone: the connection's owner must know
    except Exception:
        logger.exception("send failed")
        return False
