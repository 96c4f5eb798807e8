import logging

import chatapp.util.send as sender
import outside_library
from chatapp import safe_send
from chatapp.util.live import is_live
from chatapp.util.send import accept_user, checked_send, close_quietly, connect_user, require_token
from fastapi import APIRouter, Depends, WebSocket

from ..cycle_a import ping_pong
from ..handlers import Router
from ..registry import registry

logger = logging.getLogger(__name__)
router = APIRouter()


class Session:
    def __init__(self) -> None:
        self.router = Router()

    async def serve(self, websocket: WebSocket) -> None:
        await websocket.accept()
        while is_live(websocket):
            message = await websocket.receive_json()
            await self.router.route(websocket, message)  # drops the False: NL107 above


@router.websocket("/greet")
async def greet(websocket: WebSocket) -> None:
    await websocket.accept()
    await safe_send(websocket, {"hello": "you"})  # dropped, through the re-export
    while True:
        text = await websocket.receive_text()
        if not await checked_send(websocket, {"echo": text}):
            break


@router.websocket("/alias")
async def alias(websocket: WebSocket) -> None:
    await websocket.accept()
    if not await sender.checked_send(websocket, {"hi": 1}):
        return
    await ping_pong(websocket, 3)


@router.websocket("/register")
async def register(websocket: WebSocket) -> None:
    await connect_user("u1", websocket)  # never accepts: the next send still needs accept
    await websocket.send_text("hello")  # error: NL101


@router.websocket("/twice")
async def twice(websocket: WebSocket) -> None:
    await websocket.accept()
    await accept_user(websocket)  # error: NL105


@router.websocket("/closed")
async def closed(websocket: WebSocket) -> None:
    await close_quietly(websocket)
    await websocket.accept()  # error: NL104


@router.websocket("/outside")
async def outside(websocket: WebSocket) -> None:
    await outside_library.handshake(websocket)  # outside the project: may have accepted
    await websocket.send_text("hello")


@router.websocket("/helper-accepts")
async def helper_accepts(websocket: WebSocket) -> None:
    await accept_user(websocket)
    await websocket.send_text("hello")


@router.websocket("/guarded")
async def guarded(websocket: WebSocket, _: None = Depends(require_token)) -> None:
    await websocket.accept()  # error: NL104


@router.websocket("/leaky/{user_id}")
async def leaky(websocket: WebSocket, user_id: str) -> None:
    await websocket.accept()
    registry.track(user_id, websocket)  # error: NL201
    while True:
        await websocket.receive_text()


@router.websocket("/tidy/{user_id}")
async def tidy(websocket: WebSocket, user_id: str) -> None:
    await websocket.accept()
    registry.track(user_id, websocket)
    try:
        while True:
            await websocket.receive_text()
    finally:
        registry.forget(user_id)


@router.websocket("/rebound")
async def rebound(websocket: WebSocket) -> None:
    # the name is rebound to what the helper returned: None after its close, checked here
    websocket = await sender.accept_or_close(websocket)
    if not websocket:
        return
    await websocket.send_text("hello")
