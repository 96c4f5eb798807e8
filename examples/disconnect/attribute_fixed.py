"""NL106, fixed: the session lets the disconnect end its loop before the broad handler."""

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


class ChatSession:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    async def run(self) -> None:
        try:
            while True:
                prompt = await self.websocket.receive_text()
                await self.websocket.send_text(f"agent: you said {prompt!r}")
        except WebSocketDisconnect:
            return
        except Exception as exc:
            await self.websocket.send_json({"type": "error", "detail": str(exc)})


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    await websocket.accept()
    await ChatSession(websocket).run()
