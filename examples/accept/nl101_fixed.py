"""NL101, fixed: the websocket is accepted on every path before it is used.

The accept comes first, unconditionally; only the greeting depends on whether the
client resumes a conversation.
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
    if websocket.query_params.get("resume") is None:
        await websocket.send_json({"type": "ready"})
    try:
        while True:
            # receive a prompt, send back the agent's answer
            await websocket.send_text(agent_reply(await websocket.receive_text()))
    except WebSocketDisconnect:
        logger.info("client left the conversation")
