"""NL101-NL106: the websocket lifecycle (accept, close, disconnect)."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..engine import frameworks as fw
from ..engine.websockets import Misuse
from ..finding import Finding
from .base import Context

CODES = {
    fw.USE_BEFORE_ACCEPT: "NL101",
    fw.NOT_AWAITED: "NL102",
    fw.HANDOFF: "NL103",
    fw.USE_AFTER_CLOSE: "NL104",
    fw.DOUBLE_ACCEPT: "NL105",
    fw.SEND_AFTER_DISCONNECT: "NL106",
}


def _operation(misuse: Misuse) -> str:
    return misuse.method if misuse.method == "async for" else f"{misuse.method}()"


def message(misuse: Misuse) -> str:
    v = misuse.var
    accept = f"await {v}.{misuse.framework.accept_name}()"
    op = _operation(misuse)
    via = misuse.via
    check = misuse.check
    if check == fw.USE_BEFORE_ACCEPT:
        if via:
            return (f"websocket '{v}' is passed to {via}(), which uses it by {op}, before "
                    f"'{accept}' on some path; accept before calling it")
        return f"websocket '{v}' is used by {op} before '{accept}' on some path"
    if check == fw.NOT_AWAITED and misuse.framework.implicit_accept:
        return (f"'{v}.{misuse.method}()' is not awaited: the coroutine is dropped, and the "
                f"first send or receive accepts implicitly without its arguments; write '{accept}'")
    if check == fw.NOT_AWAITED:
        return (f"'{v}.{misuse.method}()' is not awaited: the coroutine is dropped and the "
                f"connection is never accepted; write '{accept}'")
    if check == fw.HANDOFF:
        return (f"websocket '{v}' is handed to {misuse.spawner}({misuse.method}(...)) before "
                f"'{accept}' has completed; the task uses it concurrently: accept first")
    if check == fw.USE_AFTER_CLOSE:
        what = f"{via}(), which calls {op}," if via else op
        return (f"websocket '{v}' is used by {what} after '{v}.close()' on some path; "
                f"return after closing")
    if check == fw.DOUBLE_ACCEPT:
        if via:
            return (f"{via}() accepts websocket '{v}', which is already accepted on some path; "
                    f"accept once")
        return f"'{v}.{misuse.method}()' is reached when '{v}' is already accepted on some path; accept once"
    if check == fw.SEND_AFTER_DISCONNECT:
        return (f"'{v}.{misuse.method}()' inside 'except WebSocketDisconnect': the client is gone "
                f"and it raises; clean up without sending or closing")
    raise AssertionError(check)  # pragma: no cover


def _fix(misuse: Misuse, in_async_function: bool):
    """NL102's fix adds ``await``: safe, and only offered where ``await`` is legal."""
    if misuse.check == fw.NOT_AWAITED and in_async_function and isinstance(misuse.node, cst.Call):
        return (misuse.node, cst.Await(expression=misuse.node))
    return None


def check(ctx: Context) -> Iterator[Finding]:
    analysis = ctx.websockets
    for info in ctx.index.all_functions:
        for misuse in analysis.misuses(info):
            yield ctx.finding(CODES[misuse.check], misuse.node, message(misuse),
                              _fix(misuse, info.is_async))
