"""NL106, fixed: ``on_disconnect`` only releases what the connection held."""

from starlette.applications import Starlette
from starlette.endpoints import WebSocketEndpoint
from starlette.routing import WebSocketRoute

sessions: dict[int, str] = {}


class Agent(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket, data):
        sessions[id(websocket)] = data
        await websocket.send_text(f"agent: you said {data!r}")

    async def on_disconnect(self, websocket, close_code):
        sessions.pop(id(websocket), None)


app = Starlette(routes=[WebSocketRoute("/ws", Agent)])
