"""A loop that swallows the disconnect, fixed: the release sits in ``finally``.

Whether the loop ends by ``break`` (the disconnect taken by ``except Exception``), by a
``WebSocketDisconnect`` or by any other error, ``finally`` removes the queue and cancels
the ``sender`` task: no connection leaves anything behind.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI, WebSocket

logger = logging.getLogger(__name__)
app = FastAPI()
subscriptions: dict[str, asyncio.Queue] = {}


async def sender(websocket: WebSocket, queue: asyncio.Queue) -> None:
    while True:
        await websocket.send_text(await queue.get())


@app.websocket("/subscribe/{client_id}")
async def subscribe(websocket: WebSocket, client_id: str) -> None:
    await websocket.accept()
    queue: asyncio.Queue = asyncio.Queue()
    subscriptions[client_id] = queue
    task = asyncio.create_task(sender(websocket, queue))
    try:
        while True:
            try:
                text = await websocket.receive_text()
            except Exception:
                logger.info("client %s: receive failed", client_id)
                break
            await queue.put(text)
    finally:
        subscriptions.pop(client_id, None)
        task.cancel()
