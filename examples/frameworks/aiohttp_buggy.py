"""An aiohttp websocket handler that greets before the handshake and says goodbye after
closing (NL101, NL104).

- ``await ws.send_str(...)`` before ``await ws.prepare(request)`` raises
  ``RuntimeError: Call .prepare() first``: the handler fails and the client's upgrade is
  refused (NL101);
- ``await ws.send_str("bye")`` after ``await ws.close()`` raises
  ``ClientConnectionResetError: Cannot write to closing transport`` (NL104).
"""

from __future__ import annotations

from aiohttp import WSMsgType, web


async def greet(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.send_str("welcome")  # error: NL101
    await ws.prepare(request)
    return ws


async def echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    msg = await ws.receive()
    if msg.type == WSMsgType.TEXT:
        await ws.send_str(msg.data)
    await ws.close()
    await ws.send_str("bye")  # error: NL104
    return ws


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/greet", greet)
    app.router.add_get("/echo", echo)
    return app
