"""The staging incident, reduced to one file: a chat endpoint that streams an AI agent's reply.

What users saw: the chat connection died mid-conversation, and the server log said, every
few minutes,

    Message routing failed:
    Exception in ASGI application
    ...
    starlette.websockets.WebSocketDisconnected: WebSocket is not connected. Need to call "accept" first.

The message points at a missing ``accept()``. There is none: ``chat`` accepts before it does
anything else. What really happens, step by step:

1. The user asks a question, then closes the tab (or the network drops) while the agent is
   still thinking.
2. The agent's reply is ready and ``handle_message`` calls ``websocket.send_json(...)``.
   The client is gone, so the server's send fails. Starlette marks the socket
   ``application_state = DISCONNECTED`` and raises ``WebSocketDisconnect(1006)``, whose
   text is empty.
3. ``handle_message`` catches it with ``except Exception``, logs the empty text
   ("Message routing failed: " followed by nothing) and returns ``False``. Nobody learns
   that the connection is dead.                                              -> NL107
4. The liveness checks read only ``client_state``. That changes when the server *receives*
   the client's disconnect message, and nobody has received it yet, so it still says
   CONNECTED: the reply loop keeps sending and the receive loop goes round again.  -> NL108
5. ``receive_text()`` checks ``application_state``, finds DISCONNECTED and raises the
   misleading "Need to call accept first" out of the endpoint.

See ``fixed_app.py`` for the same app without the bug. Run it with
``uvicorn examples.incident.buggy_app:app``, send a message from a websocket client and
disconnect within a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, WebSocket
from starlette.websockets import WebSocketState

logger = logging.getLogger("incident.buggy_app")

app = FastAPI()

#: How long the stand-in agent "thinks" before it streams its reply.
THINKING_SECONDS = 1.0


async def think() -> None:
    await asyncio.sleep(THINKING_SECONDS)


async def agent_reply(text: str) -> AsyncIterator[str]:
    """Stand-in for the LLM: thinks for a while, then streams its reply word by word."""
    await think()
    for word in f"You said: {text}".split():
        yield word
        await asyncio.sleep(0.01)


def is_websocket_connected(websocket: WebSocket) -> bool:
    return websocket.client_state == WebSocketState.CONNECTED  # error: NL108


async def handle_message(websocket: WebSocket, text: str) -> bool:
    """Route one user message to the agent and stream the agent's reply back."""
    try:
        async for chunk in agent_reply(text):
            if not is_websocket_connected(websocket):
                return False
            await websocket.send_json({"type": "chunk", "text": chunk})
        await websocket.send_json({"type": "done"})
        return True
    except Exception as e:  # error: NL107
        logger.error(f"Message routing failed: {e}")
        return False


@app.websocket("/ws")
async def chat(websocket: WebSocket) -> None:
    await websocket.accept()
    while websocket.client_state == WebSocketState.CONNECTED:  # error: NL108
        text = await websocket.receive_text()
        if not await handle_message(websocket, text):
            await asyncio.sleep(0.1)  # back off a little, then carry on
