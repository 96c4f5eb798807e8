"""NL106, buggy: ``finally: await websocket.close()`` after the receive loop ended on the
client's disconnect.

The client has already closed; closing again is a send of ``websocket.close`` on a
finished connection. Under uvicorn 0.54:

* ``--ws websockets``: ``RuntimeError: Unexpected ASGI message 'websocket.close', after
  sending 'websocket.close' or response already completed.``
* ``--ws wsproto``: ``WebSocketDisconnect`` (code 1006), from the close.
* ``--ws websockets-sansio``: no error (turn this shape off with
  ``close-after-received-disconnect = false``).
"""

import logging

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

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
        await websocket.close()  # error: NL106
