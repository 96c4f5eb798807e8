"""The Channels consumers, fixed: the subprotocol is selected, accept() is awaited.
``NotifyConsumer`` overrides ``websocket_connect`` and accepts there: that replaces the
base ``connect()``, so it is one accept, not two."""

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
        await self.accept(subprotocol="jwt")
        await self.send_json({"user": self.user})


class NotifyConsumer(AsyncWebsocketConsumer):
    async def websocket_connect(self, message):
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data)
