"""NL106, fixed: the ``finally`` closes only a connection neither side has closed:
``client_state`` turns DISCONNECTED when the client's disconnect message is received,
``application_state`` when a send failed (checking ``application_state`` alone is not
enough here: it stays CONNECTED after a received disconnect, and the close still raises)."""

import logging

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

app = FastAPI()
logger = logging.getLogger(__name__)


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            prompt = await websocket.receive_text()
            await websocket.send_text(f"agent: you said {prompt!r}")
    except WebSocketDisconnect:
        logger.info("client left")
    finally:
        if (websocket.client_state == WebSocketState.CONNECTED
                and websocket.application_state == WebSocketState.CONNECTED):
            await websocket.close()
