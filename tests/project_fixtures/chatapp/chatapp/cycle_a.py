from fastapi import WebSocket

from . import cycle_b


async def ping_pong(websocket: WebSocket, n: int) -> None:
    if n:
        await cycle_b.pong_ping(websocket, n - 1)
    await websocket.send_text("ping")
