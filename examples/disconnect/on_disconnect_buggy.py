"""NL106, buggy: ``WebSocketEndpoint.on_disconnect`` closes a socket whose client closed.

Starlette calls ``on_disconnect`` after it received the client's disconnect message.
Under uvicorn 0.54: ``--ws websockets``: ``RuntimeError: Unexpected ASGI message
'websocket.close', after sending 'websocket.close' or response already completed.``;
``--ws wsproto``: ``WebSocketDisconnect`` (1006); ``--ws websockets-sansio``: no error.
"""

from starlette.applications import Starlette
from starlette.endpoints import WebSocketEndpoint
from starlette.routing import WebSocketRoute


class Agent(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket, data):
        await websocket.send_text(f"agent: you said {data!r}")

    async def on_disconnect(self, websocket, close_code):
        await websocket.close(code=close_code)  # error: NL106


app = Starlette(routes=[WebSocketRoute("/ws", Agent)])
