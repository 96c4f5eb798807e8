"""NL104, buggy: a send after ``await websocket.close()``.

When the user stops the agent run with ``/stop``, the endpoint closes the connection and
only then tries to tell the client that the run was cancelled. Starlette raises:

    RuntimeError: Cannot call "send" once a close message has been sent.
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
            prompt = await websocket.receive_text()
            if prompt == "/stop":
                await websocket.close(reason="stopped by user")
                await websocket.send_json({"type": "run_cancelled"})  # error: NL104
                return
            await websocket.send_text(agent_reply(prompt))
    except WebSocketDisconnect:
        logger.info("client left the conversation")
