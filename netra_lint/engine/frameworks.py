"""What a server websocket is, and what each of its methods requires: data, not code paths."""

from __future__ import annotations

from dataclasses import dataclass

# What a call on a websocket does to its lifecycle.
ACCEPT, CLOSE, SEND, RECEIVE, RAW_SEND, DENY, OTHER = (
    "accept", "close", "send", "receive", "raw_send", "deny", "other")


@dataclass(frozen=True)
class Framework:
    name: str
    methods: dict[str, str]          # method name -> one of the kinds above
    checks: frozenset[str]           # the lifecycle checks that hold for this framework
    accept_name: str                 # for messages: "accept", "prepare"
    iterating_receives: bool = False  # ``async for msg in ws`` receives

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
)

# aiohttp: ``await ws.prepare(request)`` is the accept; sending before it raises
# "Call .prepare() first". A second prepare is harmless there, so no double-accept check.
AIOHTTP = Framework(
    "aiohttp",
    {
        "prepare": ACCEPT, "close": CLOSE,
        "send_str": SEND, "send_bytes": SEND, "send_json": SEND, "send_frame": SEND,
        "ping": SEND, "pong": SEND,
        "receive": RECEIVE, "receive_str": RECEIVE, "receive_bytes": RECEIVE,
        "receive_json": RECEIVE,
    },
    frozenset({USE_BEFORE_ACCEPT, NOT_AWAITED, HANDOFF}),
    "prepare",
    iterating_receives=True,
)

# Django Channels consumers: ``self`` is the websocket. Whether a send before accept
# fails depends on the ASGI server (Daphne accepts implicitly), so that is not checked.
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
