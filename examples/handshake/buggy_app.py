"""JWT in the subprotocol header, accepted without selecting a subprotocol (NL401).

Bug: the browser sends its JWT as a WebSocket subprotocol
(``new WebSocket(url, ["jwt", token])``). The endpoint reads it from the
``Sec-WebSocket-Protocol`` header, but ``accept()`` selects no subprotocol.

Runtime symptom: the handshake response carries no ``Sec-WebSocket-Protocol``, and a
browser that offered subprotocols fails the connection right after the upgrade
(Chrome: ``Sent non-empty 'Sec-WebSocket-Protocol' header but no response was
received``): the chat never connects.
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
    if user is None:
        await websocket.close(code=1008, reason="No JWT in WebSocket headers or subprotocols")
        return
    await websocket.accept()  # error: NL401
    await websocket.send_json({"user": user})
    await websocket.close()
