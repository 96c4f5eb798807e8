"""The Litestar chat handler, fixed: it selects the offered subprotocol, returns after
closing, and leaves the loop when the client has gone."""

from __future__ import annotations

from litestar import Litestar, WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

TOKENS = {"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl": "alice"}
MAX_TURNS = 2_000
turns: list[str] = []


@websocket("/chat")
async def chat(socket: WebSocket) -> None:
    offered = socket.headers.get("sec-websocket-protocol", "")
    user = TOKENS.get(offered.split(",")[-1].strip())
    if user is None:
        await socket.close(code=4401, reason="unauthorised")
        return
    await socket.accept(subprotocols="jwt")
    await socket.send_json({"user": user})
    for _ in range(MAX_TURNS):
        try:
            text = await socket.receive_text()
        except WebSocketDisconnect:
            turns.append("disconnect")
            break
        turns.append("message")
        await socket.send_text(f"{user}: {text}")


app = Litestar([chat])
