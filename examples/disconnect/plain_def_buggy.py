"""NL109, buggy: a websocket route written as a plain ``def``.

Every websocket method is a coroutine: each call here builds one and drops it, and
FastAPI then awaits the route's return value, ``None``: the connection fails with
``TypeError: object NoneType can't be used in 'await' expression`` (and
"coroutine 'WebSocket.accept' was never awaited").
"""

from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
def agent_chat(websocket: WebSocket):
    websocket.accept()  # error: NL102
    prompt = websocket.receive_text()  # error: NL109
    websocket.send_text(f"agent: you said {prompt!r}")  # error: NL109
