"""NL102, fixed: ``await websocket.accept()``.

Awaiting the coroutine sends the ``websocket.accept`` message before the first receive.
"""

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
            # receive a prompt, send back the agent's answer
            await websocket.send_text(agent_reply(await websocket.receive_text()))
    except WebSocketDisconnect:
        logger.info("client left the conversation")
