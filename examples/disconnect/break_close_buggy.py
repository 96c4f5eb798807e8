"""NL106, buggy: a ``close()`` after ``break`` out of the receive loop on a disconnect.

Under uvicorn 0.54: ``--ws websockets``: ``RuntimeError: Unexpected ASGI message
'websocket.close', after sending 'websocket.close' or response already completed.``;
``--ws wsproto``: ``WebSocketDisconnect`` (1006); ``--ws websockets-sansio``: no error.
"""

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    while True:
        try:
            prompt = await websocket.receive_text()
        except WebSocketDisconnect:
            break
        await websocket.send_text(f"agent: you said {prompt!r}")
    await websocket.close(code=1000)  # error: NL106
