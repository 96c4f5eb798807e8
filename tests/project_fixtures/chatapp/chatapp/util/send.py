import logging

from fastapi import WebSocket

logger = logging.getLogger(__name__)


async def safe_send(websocket: WebSocket, data: dict) -> bool:
    try:
        await websocket.send_json(data)
        return True
    except Exception:  # error: NL107
        logger.warning("send failed")
        return False


async def checked_send(websocket: WebSocket, data: dict) -> bool:
    # every caller in the project acts on the False: not reported
    try:
        await websocket.send_json(data)
        return True
    except Exception:
        return False


async def close_quietly(websocket: WebSocket) -> None:
    await websocket.close(code=1008)


async def connect_user(user_id: str, websocket: WebSocket) -> None:
    # registers the user; never accepts
    logger.info("user %s connected", user_id)


async def accept_user(websocket: WebSocket) -> None:
    await websocket.accept()


async def require_token(websocket: WebSocket) -> None:
    # a dependency that closes without raising: the endpoint's body still runs
    if not websocket.query_params.get("token"):
        await websocket.close(code=1008)


async def accept_or_close(websocket: WebSocket):
    # returns the websocket once accepted, None after closing it (prefect's pattern)
    if not websocket.query_params.get("token"):
        return await websocket.close(code=1008)
    await websocket.accept()
    return websocket
