"""What a server websocket is, and what each of its methods requires: data, not code paths."""

from __future__ import annotations

from dataclasses import dataclass

# What a call on a websocket does to its lifecycle.
ACCEPT, CLOSE, SEND, RECEIVE, RAW_SEND, DENY, OTHER = (
    "accept", "close", "send", "receive", "raw_send", "deny", "other")


@dataclass(frozen=True)
class Framework:
    """One server websocket's lifecycle, as its runtime behaves (each fact is proven
    against the real framework in tests/test_frameworks_runtime.py)."""

    name: str
    methods: dict[str, str]          # method name -> one of the kinds above
    checks: frozenset[str]           # the lifecycle checks that hold for this framework
    accept_name: str                 # for messages: "accept", "prepare"
    iterating_receives: bool = False  # ``async for msg in ws`` receives
    # the first send or receive accepts (Litestar): no use-before-accept, no double accept
    implicit_accept: bool = False
    # the keyword of accept() that selects a subprotocol (None: the framework selects
    # from a list given elsewhere, as aiohttp's ``WebSocketResponse(protocols=...)``)
    subprotocol_keyword: str | None = "subprotocol"
    # the exception a send or receive raises when the client has gone
    disconnect_exceptions: frozenset[str] = frozenset({"WebSocketDisconnect"})
    # the kinds that raise once the application has closed (use-after-close)
    fail_after_close: frozenset[str] = frozenset({SEND, RECEIVE, CLOSE})
    # what happens after a swallowed disconnect (NL107): "any" (Starlette: the owner's
    # next receive raises something else, whoever swallowed it), "receive" (Litestar:
    # only a receive loop that swallows it spins, each receive raising again at once),
    # or None (not checked)
    swallowed_disconnect: str | None = None
    # what the next receive does after a swallowed receive-disconnect (for messages)
    receive_after_disconnect: str = \
        "'Cannot call \"receive\" once a disconnect message has been received'"

    def kind(self, method: str) -> str:
        return self.methods.get(method, OTHER)


_STARLETTE_METHODS = {
    "accept": ACCEPT,
    "close": CLOSE,
    "send_text": SEND, "send_bytes": SEND, "send_json": SEND,
    "receive_text": RECEIVE, "receive_bytes": RECEIVE, "receive_json": RECEIVE,
    "iter_text": RECEIVE, "iter_bytes": RECEIVE, "iter_json": RECEIVE,
    "send": RAW_SEND,
    "send_denial_response": DENY,
    # ``receive()`` is legal before accept (it returns the websocket.connect message)
}

# The lifecycle checks, by the misuse they find.
USE_BEFORE_ACCEPT = "use-before-accept"
NOT_AWAITED = "not-awaited"
HANDOFF = "handoff-before-accept"
USE_AFTER_CLOSE = "use-after-close"
DOUBLE_ACCEPT = "double-accept"
SEND_AFTER_DISCONNECT = "send-after-disconnect"

STARLETTE = Framework(
    "starlette", _STARLETTE_METHODS,
    frozenset({USE_BEFORE_ACCEPT, NOT_AWAITED, HANDOFF, USE_AFTER_CLOSE, DOUBLE_ACCEPT,
               SEND_AFTER_DISCONNECT}),
    "accept",
    swallowed_disconnect="any",
)

# Litestar (``litestar.WebSocket``, ``@websocket(...)`` handlers): ``send_data`` and
# ``receive_data`` accept implicitly when the connection is still "init", and ``accept()``
# does nothing once it is not: neither use-before-accept nor double-accept exists. An
# implicit accept selects no subprotocol; ``accept(subprotocols=...)`` selects one. A send
# after ``close()`` raises in the ASGI server ("Unexpected ASGI message 'websocket.send',
# after sending 'websocket.close'"); a send after a received disconnect raises
# ``WebSocketDisconnect`` ("connection is disconnected"); and once a disconnect was
# received every receive raises it again at once, so a loop that swallows it spins.
LITESTAR = Framework(
    "litestar",
    {
        "accept": ACCEPT, "close": CLOSE,
        "send_text": SEND, "send_bytes": SEND, "send_json": SEND, "send_msgpack": SEND,
        "send_data": SEND,
        "receive_text": RECEIVE, "receive_bytes": RECEIVE, "receive_json": RECEIVE,
        "receive_msgpack": RECEIVE, "receive_data": RECEIVE,
        "iter_data": RECEIVE, "iter_json": RECEIVE, "iter_msgpack": RECEIVE,
    },
    frozenset({NOT_AWAITED, USE_AFTER_CLOSE, SEND_AFTER_DISCONNECT}),
    "accept",
    implicit_accept=True,
    subprotocol_keyword="subprotocols",
    fail_after_close=frozenset({SEND, CLOSE}),
    swallowed_disconnect="receive",
    receive_after_disconnect="WebSocketDisconnect again at once, so the loop spins",
)

# aiohttp: ``await ws.prepare(request)`` is the accept; sending before it raises
# "Call .prepare() first". A second prepare is harmless there, so no double-accept check.
# A send after ``close()`` raises ``ClientConnectionResetError: Cannot write to closing
# transport``; a second ``close()`` returns False. The subprotocol is chosen by aiohttp
# from ``WebSocketResponse(protocols=)``.
AIOHTTP = Framework(
    "aiohttp",
    {
        "prepare": ACCEPT, "close": CLOSE,
        "send_str": SEND, "send_bytes": SEND, "send_json": SEND, "send_frame": SEND,
        "ping": SEND, "pong": SEND,
        "receive": RECEIVE, "receive_str": RECEIVE, "receive_bytes": RECEIVE,
        "receive_json": RECEIVE,
    },
    frozenset({USE_BEFORE_ACCEPT, NOT_AWAITED, HANDOFF, USE_AFTER_CLOSE}),
    "prepare",
    iterating_receives=True,
    subprotocol_keyword=None,
    disconnect_exceptions=frozenset({"ConnectionResetError", "ClientConnectionResetError"}),
    fail_after_close=frozenset({SEND}),
)

# Django Channels consumers: ``self`` is the websocket. Whether a send before accept
# fails depends on the ASGI server (Daphne accepts implicitly), so that is not checked.
# ``websocket_connect`` calls ``connect()``, whose default accepts: a consumer accepts in
# ``connect`` or, when it overrides ``websocket_connect``, there (once: the base
# ``connect`` then never runs). ``accept(subprotocol=...)`` selects a subprotocol.
CHANNELS_ASYNC = Framework(
    "channels",
    {"accept": ACCEPT, "close": CLOSE, "send": SEND, "send_json": SEND},
    frozenset({NOT_AWAITED, USE_AFTER_CLOSE, DOUBLE_ACCEPT}),
    "accept",
)
CHANNELS_SYNC = Framework(
    "channels-sync",
    {"accept": ACCEPT, "close": CLOSE, "send": SEND, "send_json": SEND},
    frozenset({USE_AFTER_CLOSE, DOUBLE_ACCEPT}),  # sync consumers call accept() unawaited
    "accept",
)

WEBSOCKET_TYPES = frozenset({
    "starlette.websockets.WebSocket",
    "fastapi.WebSocket",
    "fastapi.websockets.WebSocket",
})
# Annotations naming a server websocket of another framework than Starlette.
FRAMEWORK_OF_TYPE = {
    "litestar.WebSocket": LITESTAR,
    "litestar.connection.WebSocket": LITESTAR,
    "litestar.connection.websocket.WebSocket": LITESTAR,
}
# Decorators (resolved through the imports) that register a websocket route handler,
# and the route style ``ModuleIndex.route_style`` gives it.
ROUTE_DECORATORS = {
    "litestar.websocket": "litestar",
    "litestar.handlers.websocket": "litestar",
    "litestar.handlers.websocket_handlers.websocket": "litestar",
    "litestar.handlers.WebsocketRouteHandler": "litestar",
    "litestar.handlers.websocket_handlers.WebsocketRouteHandler": "litestar",
    # the listener manages the connection (accepts, receives, closes): nothing to check
    "litestar.websocket_listener": "managed",
    "litestar.handlers.websocket_listener": "managed",
    "litestar.handlers.websocket_handlers.websocket_listener": "managed",
    "litestar.websocket_stream": "managed",
    "litestar.handlers.websocket_stream": "managed",
    "litestar.handlers.websocket_handlers.websocket_stream": "managed",
}
# Classes whose subclasses' methods are called by a framework that manages the socket.
MANAGED_BASES = frozenset({
    "litestar.handlers.WebsocketListener",
    "litestar.handlers.websocket_handlers.WebsocketListener",
    "litestar.WebsocketListener",
})
# The route style of each framework that a route decorator names.
FRAMEWORK_OF_ROUTE = {"litestar": LITESTAR}
# Channels consumer methods that run before the connection is accepted.
CHANNELS_CONNECT_METHODS = frozenset({"connect", "websocket_connect"})
WEBSOCKET_CONSTRUCTORS = {
    "starlette.websockets.WebSocket": STARLETTE,
    "fastapi.WebSocket": STARLETTE,
    "fastapi.websockets.WebSocket": STARLETTE,
    "aiohttp.web.WebSocketResponse": AIOHTTP,
    "aiohttp.web_ws.WebSocketResponse": AIOHTTP,
}
WEBSOCKET_ENDPOINTS = frozenset({"starlette.endpoints.WebSocketEndpoint"})
CHANNELS_ASYNC_CONSUMERS = frozenset({
    "channels.generic.websocket.AsyncWebsocketConsumer",
    "channels.generic.websocket.AsyncJsonWebsocketConsumer",
})
CHANNELS_SYNC_CONSUMERS = frozenset({
    "channels.generic.websocket.WebsocketConsumer",
    "channels.generic.websocket.JsonWebsocketConsumer",
})

# ``WebSocketState`` members, as lifecycle atoms (see websockets.py).
STATE_MEMBERS = {"CONNECTING": "new", "CONNECTED": "accepted", "DISCONNECTED": "closed",
                 "RESPONSE": "closed"}
DISCONNECT_EXCEPTIONS = frozenset({"WebSocketDisconnect"})


def framework_named(name: str) -> Framework | None:
    return _BY_NAME.get(name)

# Calls that run their coroutine concurrently with the caller. Value: how the coroutine
# is given: "call" (a coroutine object: create_task(handler(ws))) or "function"
# (function then arguments: start_soon(handler, ws)).
SPAWNERS = {
    "create_task": "call",
    "ensure_future": "call",
    "run_coroutine_threadsafe": "call",
    "start_soon": "function",
    "add_task": "function",
}

# Calls that take a websocket as an argument and cannot accept, close or use it.
NEUTRAL_CALLS = frozenset({
    "print", "str", "repr", "id", "isinstance", "type", "hash", "len", "getattr", "hasattr",
    "setattr", "vars", "dir", "bool", "format", "ref", "WeakSet", "WeakValueDictionary",
    "debug", "info", "warning", "warn", "error", "exception", "critical", "log",
    "append", "add", "insert", "remove", "discard", "extend", "setdefault", "get", "pop",
    "index", "count", "put", "put_nowait", "__contains__", "appendleft", "set", "labels",
})


_BY_NAME = {f.name: f for f in (STARLETTE, LITESTAR, AIOHTTP, CHANNELS_ASYNC, CHANNELS_SYNC)}
