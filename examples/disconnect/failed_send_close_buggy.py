"""NL106, buggy: a "safe send" helper swallows the failed send and returns False; the
caller then closes the socket, and that close raises too.

The client leaves while the agent thinks; the reply's send fails (Starlette marks the
application side DISCONNECTED), and the close is a second send. Under uvicorn 0.54, every
backend: ``WebSocketDisconnected: Cannot call "send" once a close message has been sent.``
"""

import asyncio
import logging

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
logger = logging.getLogger(__name__)

THINKING_SECONDS = 1.0


async def think() -> None:
    await asyncio.sleep(THINKING_SECONDS)


async def safe_send(websocket: WebSocket, text: str) -> bool:
    try:
        await websocket.send_text(text)
        return True
    except WebSocketDisconnect:
        return False


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    while True:
        prompt = await websocket.receive_text()
        await think()
        if not await safe_send(websocket, f"agent: you said {prompt!r}"):
            await websocket.close()  # error: NL106
            return
