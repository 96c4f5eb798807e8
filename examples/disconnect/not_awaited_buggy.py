"""NL109, buggy: ``websocket.send_text(...)`` without ``await``.

The call only builds a coroutine; it is dropped, nothing is sent, and Python warns
``RuntimeWarning: coroutine 'WebSocket.send_text' was never awaited``. The client never
sees the "thinking" notice: its first message is the answer.
"""

from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    prompt = await websocket.receive_text()
    websocket.send_json({"type": "thinking"})  # error: NL109
    await websocket.send_text(f"agent: you said {prompt!r}")
