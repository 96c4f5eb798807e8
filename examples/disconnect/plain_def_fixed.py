"""NL109, fixed: the route is ``async def`` and awaits each websocket call."""

from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    prompt = await websocket.receive_text()
    await websocket.send_text(f"agent: you said {prompt!r}")
