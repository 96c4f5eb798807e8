"""A loop that swallows the disconnect leaks its queue and its task (NL202).

Bug: each connection registers a queue in ``subscriptions`` and starts a ``sender``
task that forwards the queue to the client. The receive loop catches ``Exception``
(which includes ``WebSocketDisconnect``) and breaks, so the endpoint returns normally
when the client leaves: the release, written only under ``except WebSocketDisconnect``,
never runs.

Runtime symptom: after N clients have connected and left, ``subscriptions`` still holds
N queues and N ``sender`` tasks wait on them forever.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

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
    subscriptions[client_id] = queue  # error: NL202
    task = asyncio.create_task(sender(websocket, queue))  # error: NL202
    try:
        while True:
            try:
                text = await websocket.receive_text()
            except Exception:
                logger.info("client %s: receive failed", client_id)
                break
            await queue.put(text)
    except WebSocketDisconnect:
        subscriptions.pop(client_id, None)
        task.cancel()
