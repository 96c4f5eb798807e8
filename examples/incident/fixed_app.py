"""The incident's chat endpoint, fixed (compare ``buggy_app.py``, which explains the chain).

Three changes. Together they turn "the user closed the tab" into one INFO line
("client left (code 1006); connection closed") instead of an error and a traceback:

* ``handle_message`` lets ``WebSocketDisconnect`` through (``except WebSocketDisconnect:
  raise`` before its ``except Exception``), so the connection's owner learns at once that
  the client is gone. Other errors are still logged, with their traceback.
* Liveness checks read ``application_state``, which Starlette sets to DISCONNECTED as soon
  as a send fails, not only ``client_state``, which changes only when the server receives
  the client's disconnect message. (This alone would already end the loop before the
  misleading ``receive_text()``.)
* ``chat`` catches ``WebSocketDisconnect`` around its receive loop and ends the connection
  cleanly: nothing more is sent or received on the dead socket. Without it, the re-raised
  disconnect would escape the endpoint and uvicorn would log "Exception in ASGI
  application" with an empty message. (Catching it around the loop is not enough on its
  own: with the handler still swallowing the disconnect, the error that reaches the loop is
  "Need to call accept first", a ``RuntimeError``, not a ``WebSocketDisconnect``.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

logger = logging.getLogger("incident.fixed_app")

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
    return (
        websocket.client_state == WebSocketState.CONNECTED
        and websocket.application_state == WebSocketState.CONNECTED
    )


async def handle_message(websocket: WebSocket, text: str) -> None:
    """Route one user message to the agent and stream the agent's reply back."""
    try:
        async for chunk in agent_reply(text):
            await websocket.send_json({"type": "chunk", "text": chunk})
        await websocket.send_json({"type": "done"})
    except WebSocketDisconnect:
        raise  # the client is gone: the connection's owner must know
    except Exception:
        logger.exception("Message routing failed")


@app.websocket("/ws")
async def chat(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while is_websocket_connected(websocket):
            text = await websocket.receive_text()
            await handle_message(websocket, text)
    except WebSocketDisconnect as exc:
        logger.info("client left (code %s); connection closed", exc.code)
