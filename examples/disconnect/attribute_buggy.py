"""NL106, buggy: a session object holds the websocket (``self.websocket``) and its broad
handler sends an error reply after the receive raised the client's disconnect.

Under uvicorn 0.54: ``--ws websockets``: ``RuntimeError: Unexpected ASGI message
'websocket.send', after sending 'websocket.close' or response already completed.``;
``--ws wsproto``: ``WebSocketDisconnect`` (1006), from the send.
"""

from fastapi import FastAPI, WebSocket

app = FastAPI()


class ChatSession:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    async def run(self) -> None:
        try:
            while True:
                prompt = await self.websocket.receive_text()
                await self.websocket.send_text(f"agent: you said {prompt!r}")
        except Exception as exc:
            await self.websocket.send_json({"type": "error", "detail": str(exc)})  # error: NL106


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    await ChatSession(websocket).run()
