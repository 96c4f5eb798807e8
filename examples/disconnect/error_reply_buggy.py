"""NL106, buggy: an error reply in ``except Exception``, which also catches the disconnect.

The broad handler is meant for bad input, but it also catches the ``WebSocketDisconnect``
that ``receive_text()`` raises when the client leaves; the error reply is then a send on
a connection whose client is gone, and the handler itself raises. Under uvicorn 0.54:

* ``--ws websockets``: ``RuntimeError: Unexpected ASGI message 'websocket.send', after
  sending 'websocket.close' or response already completed.``
* ``--ws wsproto``: ``WebSocketDisconnect`` (code 1006), from the send.
"""

from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            prompt = await websocket.receive_text()
            await websocket.send_text(f"agent: you said {prompt!r}")
    except Exception as exc:
        await websocket.send_json({"type": "error", "detail": str(exc)})  # error: NL106
