"""NL106, fixed: the disconnect handler only releases; nothing is sent to the gone client."""

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
connections: set[WebSocket] = set()


def release(websocket: WebSocket) -> None:
    connections.discard(websocket)


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    connections.add(websocket)
    try:
        while True:
            prompt = await websocket.receive_text()
            await websocket.send_text(f"agent: you said {prompt!r}")
    except WebSocketDisconnect:
        release(websocket)
