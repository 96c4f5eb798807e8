"""A Litestar chat handler written as if it were Starlette (NL401, NL104, NL107).

Bugs, each proven against Litestar in tests/test_frameworks_runtime.py:

- the JWT rides in the offered subprotocols, but the first ``send_json`` accepts the
  connection implicitly and selects none of them: a browser that offered
  ``["jwt", token]`` drops the connection (NL401);
- a client with no valid token gets ``close()`` and then an error message: that send
  first accepts implicitly, and under uvicorn it raises ``RuntimeError: Unexpected ASGI
  message 'websocket.accept', after sending 'websocket.close'`` (NL104; after an
  accepted connection's close the text names 'websocket.send');
- the receive loop swallows ``WebSocketDisconnect``; once the client has gone every
  ``receive_text()`` raises it again at once, so the loop spins through all its turns
  without waiting (NL107).
"""

from __future__ import annotations

import logging

from litestar import Litestar, WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

TOKENS = {"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl": "alice"}
MAX_TURNS = 2_000
logger = logging.getLogger(__name__)
turns: list[str] = []  # what each turn of the loop did: "message" or "disconnect"


@websocket("/chat")
async def chat(socket: WebSocket) -> None:
    offered = socket.headers.get("sec-websocket-protocol", "")
    user = TOKENS.get(offered.split(",")[-1].strip())
    if user is None:
        await socket.close(code=4401)
        await socket.send_text("unauthorised")  # error: NL104
        return
    await socket.send_json({"user": user})  # error: NL401
    for _ in range(MAX_TURNS):
        try:
            text = await socket.receive_text()
        except WebSocketDisconnect:  # error: NL107
            turns.append("disconnect")
            logger.debug("receive failed")
            continue
        turns.append("message")
        await socket.send_text(f"{user}: {text}")


app = Litestar([chat])
