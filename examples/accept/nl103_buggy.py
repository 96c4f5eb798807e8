"""NL103, buggy: the websocket is handed to a background task before it is accepted.

This is the incident's race. The endpoint starts the message router with
``asyncio.create_task`` and then looks the user up before accepting. The lookup awaits
(a database or auth call), the event loop runs the router first, and the router's
``receive_text()`` raises:

    RuntimeError: WebSocket is not connected. Need to call "accept" first.

("Message routing failed" in the incident's logs.) The order in which the lines are
written does not help: the task runs as soon as the endpoint yields to the loop.
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
    router = asyncio.create_task(route_messages(websocket))  # error: NL103
    user = await load_user(websocket.query_params.get("token"))
    await websocket.accept()
    logger.info("routing messages for %s", user)
    await router
