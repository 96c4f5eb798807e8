"""NL106, buggy: a per-message error reply inside the receive loop, the loop itself in a
``try`` that catches only ``WebSocketDisconnect``.

The client leaves while the agent thinks; the reply's send fails and the inner
``except Exception`` answers with an error reply on the dead socket. That send raises
``WebSocketDisconnected: Cannot call "send" once a close message has been sent.`` (every
backend), a ``RuntimeError``, which the outer ``except WebSocketDisconnect`` does not
catch: it escapes the endpoint.
"""

import asyncio

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()

THINKING_SECONDS = 1.0


async def think() -> None:
    await asyncio.sleep(THINKING_SECONDS)


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            prompt = await websocket.receive_text()
            try:
                await think()
                await websocket.send_text(f"agent: you said {prompt!r}")
            except Exception as exc:  # error: NL107
                await websocket.send_json({"error": str(exc)})  # error: NL106
    except WebSocketDisconnect:
        pass
