"""NL106, buggy: the disconnect handler calls a helper that closes the websocket.

``cleanup()`` closes the socket; called after the receive loop ended on the client's
disconnect, that close raises. Under uvicorn 0.54: ``--ws websockets``: ``RuntimeError:
Unexpected ASGI message 'websocket.close', after sending 'websocket.close' or response
already completed.``; ``--ws wsproto``: ``WebSocketDisconnect`` (1006);
``--ws websockets-sansio``: no error.
"""

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
connections: set[WebSocket] = set()


async def cleanup(websocket: WebSocket) -> None:
    connections.discard(websocket)
    await websocket.close()


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    connections.add(websocket)  # error: NL202
    try:
        while True:
            prompt = await websocket.receive_text()
            await websocket.send_text(f"agent: you said {prompt!r}")
    except WebSocketDisconnect:
        await cleanup(websocket)  # error: NL106
