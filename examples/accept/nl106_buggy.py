"""NL106, buggy: a send on the websocket inside ``except WebSocketDisconnect``.

The client is gone, but the handler tries to tell it that the agent run was cancelled.
Under uvicorn the send fails, and the error handler itself raises (uvicorn logs
"Exception in ASGI application"):

    starlette.websockets.WebSocketDisconnect  (code 1006, from the send, raised while
    handling the client's WebSocketDisconnect)

Starlette's TestClient does not show this: its fake transport accepts a send after the
client has left.
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
            await websocket.send_text(agent_reply(prompt))
    except WebSocketDisconnect:
        await websocket.send_json({"type": "run_cancelled"})  # error: NL106
