"""NL106, fixed: the inner handler lets the disconnect through to the outer one."""

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
            except WebSocketDisconnect:
                raise
            except Exception as exc:
                await websocket.send_json({"error": str(exc)})
    except WebSocketDisconnect:
        pass
