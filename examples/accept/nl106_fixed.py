"""NL106, fixed: on ``WebSocketDisconnect`` the handler cleans up without touching the
websocket (the client is gone; there is no one left to tell)."""

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
            await websocket.send_text(agent_reply(prompt))
    except WebSocketDisconnect:
        logger.info("client left; cancelling the agent run")
