from fastapi import WebSocket

from .cycle_a import ping_pong


async def pong_ping(websocket: WebSocket, n: int) -> None:
    if n:
        await ping_pong(websocket, n - 1)
    await websocket.send_text("pong")
