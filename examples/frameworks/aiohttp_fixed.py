"""The aiohttp handlers, fixed: prepare first, say goodbye before closing."""

from __future__ import annotations

from aiohttp import WSMsgType, web


async def greet(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str("welcome")
    return ws


async def echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    msg = await ws.receive()
    if msg.type == WSMsgType.TEXT:
        await ws.send_str(msg.data)
    await ws.send_str("bye")
    await ws.close()
    return ws


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/greet", greet)
    app.router.add_get("/echo", echo)
    return app
