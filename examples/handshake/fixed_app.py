"""JWT in the subprotocol header, handshake fixed.

The endpoint checks that the client offered the ``jwt`` subprotocol and selects it
with ``accept(subprotocol="jwt")``: the handshake response echoes it in
``Sec-WebSocket-Protocol`` and the browser keeps the connection.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, WebSocket
from fastapi.responses import HTMLResponse

TOKENS = {"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl": "alice"}

app = FastAPI()
# The chat page a browser loads (``/?token=<jwt>``): it opens ``new WebSocket(url, ["jwt", token])``.
PAGE = (Path(__file__).parent / "page.html").read_text(encoding="utf-8")


@app.get("/")
async def chat_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@app.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    offered = websocket.headers.get("sec-websocket-protocol", "")
    protocols = [protocol.strip() for protocol in offered.split(",")]
    user = TOKENS.get(protocols[-1])
    if "jwt" not in protocols or user is None:
        await websocket.close(code=1008, reason="No JWT in WebSocket headers or subprotocols")
        return
    await websocket.accept(subprotocol="jwt")
    await websocket.send_json({"user": user})
    await websocket.close()
