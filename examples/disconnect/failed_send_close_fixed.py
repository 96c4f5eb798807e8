"""NL106, fixed: when the send failed, the caller just returns (the connection is over)."""

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
            logger.info("client left")
            return
