"""The chat endpoint: accept, greet, then one receive loop for the connection's lifetime."""

from __future__ import annotations

import logging

from fastapi import APIRouter, WebSocket

from ..handlers import MessageRouter
from ..utils import is_websocket_connected, safe_send

logger = logging.getLogger("incident.chat_buggy")

router = APIRouter()
message_router = MessageRouter()


@router.websocket("/ws")
async def chat(websocket: WebSocket) -> None:
    await websocket.accept()
    user_id = websocket.query_params.get("user", "anonymous")
    await safe_send(websocket, {"type": "welcome", "user": user_id})
    while is_websocket_connected(websocket):
        text = await websocket.receive_text()
        ok = await message_router.route_message(user_id, websocket, {"type": "chat", "text": text})
        if not ok:
            logger.warning("message from %s was not delivered", user_id)
