"""NL101, buggy: the websocket is used on a path where it was never accepted.

New conversations are accepted and greeted, but a client that resumes a conversation
(``/ws?resume=...``) skips the ``if`` and goes straight to the receive loop. Starlette
then raises, and the chat connection dies before the first prompt:

    RuntimeError: WebSocket is not connected. Need to call "accept" first.
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
    if websocket.query_params.get("resume") is None:
        await websocket.accept()
        await websocket.send_json({"type": "ready"})
    try:
        while True:
            # receive a prompt, send back the agent's answer
            await websocket.send_text(agent_reply(await websocket.receive_text()))  # error: NL101
    except WebSocketDisconnect:
        logger.info("client left the conversation")
