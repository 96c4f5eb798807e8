"""NL103, fixed: the background task starts only after ``await websocket.accept()``.

The user lookup and the accept complete first; only then does the router task get the
websocket.
"""

import asyncio
import logging

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
logger = logging.getLogger(__name__)


def agent_reply(prompt: str) -> str:
    """Stand-in for the AI agent."""
    return f"agent: you said {prompt!r}"


async def load_user(token: str | None) -> str:
    """Stand-in for the auth lookup: it awaits I/O, so other tasks run meanwhile."""
    await asyncio.sleep(0)
    return token or "anonymous"


async def route_messages(websocket: WebSocket) -> None:
    """Route each client message to the agent and stream the reply back."""
    try:
        while True:
            prompt = await websocket.receive_text()
            await websocket.send_text(agent_reply(prompt))
    except WebSocketDisconnect:
        return


@app.websocket("/ws")
async def agent_chat(websocket: WebSocket):
    user = await load_user(websocket.query_params.get("token"))
    await websocket.accept()
    router = asyncio.create_task(route_messages(websocket))
    logger.info("routing messages for %s", user)
    await router
