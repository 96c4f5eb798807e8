"""NL106, fixed: the loop ends by returning; the server closes the finished connection."""

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    while True:
        try:
            prompt = await websocket.receive_text()
        except WebSocketDisconnect:
            return
        await websocket.send_text(f"agent: you said {prompt!r}")
