"""The staging incident with its real module structure (compare ``../buggy_app.py``, the
same chain in one file, and ``../chat_fixed/``, this package fixed).

* ``routes/websocket.py``: the endpoint and its receive loop, guarded by a liveness helper;
* ``handlers.py``: message-handler classes that catch ``Exception`` around their sends,
  log it and ``return False``, and a ``MessageRouter`` that dispatches over a registry of
  them and passes that value on (``return await handler.handle_message(...)``);
* ``utils.py``: the liveness helper (``client_state`` only, its ``application_state``
  fallback behind an always-true ``hasattr``) and a "safe send";
* ``agent.py``: a stand-in for the LLM.

No one file shows the bug: the handler swallows the disconnect of a client that left
while the agent was thinking and returns False; the router hands the False on; the route
only logs it, its ``client_state`` guard still says CONNECTED, and its next
``receive_text()`` raises ``WebSocket is not connected. Need to call "accept" first.``
netra-lint finds it in project mode: NL107 on each handler's ``except`` names the route's
line that ignores the value, NL108 on the liveness helper's comparison.

Run it with ``uvicorn examples.incident.chat_buggy.app:app`` from the repository root.
"""
