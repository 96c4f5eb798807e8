from fastapi import WebSocket


class ConnectionRegistry:
    """Names that say nothing: only what the methods do tells an acquire from a release."""

    def __init__(self) -> None:
        self.active: dict[str, WebSocket] = {}

    def track(self, user_id: str, websocket: WebSocket) -> None:
        self.active[user_id] = websocket

    def forget(self, user_id: str) -> None:
        self.active.pop(user_id, None)


registry = ConnectionRegistry()
