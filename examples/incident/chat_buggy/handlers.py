"""Message handlers, one class per message type, and the router that dispatches to them."""

from __future__ import annotations

import logging

from fastapi import WebSocket

from .agent import agent_reply

logger = logging.getLogger("incident.chat_buggy")


class ConnectionHandler:
    async def handle_message(self, user_id: str, websocket: WebSocket, message: dict) -> bool:
        try:
            await websocket.send_json({"type": "pong", "user": user_id})
            return True
        except Exception as e:  # error: NL107
            logger.error(f"Message routing failed: {e}")
            return False


class AgentHandler:
    async def handle_message(self, user_id: str, websocket: WebSocket, message: dict) -> bool:
        """Stream the agent's reply to one user message."""
        try:
            async for chunk in agent_reply(message["text"]):
                await websocket.send_json({"type": "chunk", "text": chunk})
            await websocket.send_json({"type": "done"})
            return True
        except Exception as e:  # error: NL107
            logger.error(f"Message routing failed: {e}")
            return False


class MessageRouter:
    def __init__(self) -> None:
        self.handlers = {"ping": ConnectionHandler(), "chat": AgentHandler()}

    async def route_message(self, user_id: str, websocket: WebSocket, message: dict) -> bool:
        handler = self.handlers.get(message.get("type", "chat"))
        if handler is None:
            return False
        return await handler.handle_message(user_id, websocket, message)
