from starlette.websockets import WebSocket, WebSocketState


def is_live(websocket: WebSocket) -> bool:
    if hasattr(websocket, "client_state"):
        connected = websocket.client_state == WebSocketState.CONNECTED  # error: NL108
        return connected
    return websocket.application_state == WebSocketState.CONNECTED


def is_really_live(websocket: WebSocket) -> bool:
    connected = websocket.client_state == WebSocketState.CONNECTED
    if connected:
        connected = websocket.application_state == WebSocketState.CONNECTED
    return connected
