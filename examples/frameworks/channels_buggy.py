"""A Django Channels consumer with two handshake bugs (NL102, NL401).

- ``AuthConsumer.connect`` reads the JWT from the offered subprotocols and accepts
  without selecting one: a browser that offered ``["jwt", token]`` drops the connection
  (NL401);
- ``NotifyConsumer.connect`` calls ``self.accept()`` without ``await`` in an async
  consumer: the coroutine is dropped ("coroutine 'AsyncWebsocketConsumer.accept' was
  never awaited") and the connection is never accepted (NL102).

Both are proven with Channels' ``WebsocketCommunicator`` in
tests/test_frameworks_runtime.py.
"""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

TOKENS = {"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl": "alice"}


class AuthConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        offered = self.scope.get("subprotocols", [])
        self.user = TOKENS.get(offered[-1]) if offered else None
        if self.user is None:
            await self.close(code=4401)
            return
        await self.accept()  # error: NL401
        await self.send_json({"user": self.user})


class NotifyConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.accept()  # error: NL102

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data)
