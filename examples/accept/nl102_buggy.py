"""NL102, buggy: ``websocket.accept()`` is called without ``await``.

The call only creates a coroutine, which is dropped: the connection is never accepted
(Python warns ``RuntimeWarning: coroutine 'WebSocket.accept' was never awaited``) and
the first receive raises:

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
    websocket.accept()  # error: NL102
    try:
        while True:
            # receive a prompt, send back the agent's answer
            await websocket.send_text(agent_reply(await websocket.receive_text()))
    except WebSocketDisconnect:
        logger.info("client left the conversation")
