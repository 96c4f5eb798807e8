"""NL109, fixed: the notice is awaited, so it is sent before the answer."""

from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    prompt = await websocket.receive_text()
    await websocket.send_json({"type": "thinking"})
    await websocket.send_text(f"agent: you said {prompt!r}")
