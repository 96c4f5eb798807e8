"""NL106, fixed: the connection is only released (in ``finally``); nothing is sent to the gone client."""

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
        pass  # the client left: nothing more to send
    finally:
        release(websocket)  # on every exit, not only the disconnect (NL202)
