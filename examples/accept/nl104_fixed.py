"""NL104, fixed: the last message is sent before ``await websocket.close()``."""

import logging

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
logger = logging.getLogger(__name__)


def agent_reply(prompt: str) -> str:
    """Stand-in for the AI agent."""
    return f"agent: you said {prompt!r}"


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            prompt = await websocket.receive_text()
            if prompt == "/stop":
                await websocket.send_json({"type": "run_cancelled"})
                await websocket.close(reason="stopped by user")
                return
            await websocket.send_text(agent_reply(prompt))
    except WebSocketDisconnect:
        logger.info("client left the conversation")
