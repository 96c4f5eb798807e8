"""``chat_buggy`` fixed, module by module (compare ``../chat_buggy/``):

* the handlers and ``safe_send`` let ``WebSocketDisconnect`` through (``except
  WebSocketDisconnect: raise`` before ``except Exception``): a dead connection is not a
  failed message, and its owner must learn of it;
* the liveness helper reads ``application_state``, which a failed send sets;
* the route ends the connection cleanly when the disconnect reaches it.

Run it with ``uvicorn examples.incident.chat_fixed.app:app`` from the repository root.
"""
