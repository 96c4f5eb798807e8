"""NL101-NL106, NL109: the websocket lifecycle (accept, close, disconnect)."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..engine import frameworks as fw
from ..engine.websockets import IO_NOT_AWAITED, Misuse
from ..finding import Finding
from .base import Context

CODES = {
    fw.USE_BEFORE_ACCEPT: "NL101",
    fw.NOT_AWAITED: "NL102",
    fw.HANDOFF: "NL103",
    fw.USE_AFTER_CLOSE: "NL104",
    fw.DOUBLE_ACCEPT: "NL105",
    fw.SEND_AFTER_DISCONNECT: "NL106",
    IO_NOT_AWAITED: "NL109",
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
    if check == IO_NOT_AWAITED:
        if misuse.detail == "def":
            return (f"'{v}.{misuse.method}()' in a websocket route written as a plain 'def': it "
                    f"returns a coroutine that is never awaited (the route fails with 'object "
                    f"NoneType can't be used in 'await' expression'); write 'async def' and "
                    f"'await {v}.{misuse.method}(...)'")
        return (f"'{v}.{misuse.method}()' is not awaited: the coroutine is dropped and nothing is "
                f"sent or received ('coroutine was never awaited'); write 'await {v}.{misuse.method}(...)'")
    if check == fw.SEND_AFTER_DISCONNECT and misuse.detail:
        what = f"{via}(), which calls '{v}.{misuse.method}()'," if via else f"'{v}.{misuse.method}()'"
        closes = misuse.method == "close" or (misuse.method == "send" and misuse.node is not None and via is None
                                              and "websocket.close" in _code(misuse.node))
        if misuse.detail == "sent":
            return (f"{what} runs after a send on '{v}' failed (the client is gone): it raises "
                    f"'Cannot call \"send\" once a close message has been sent'; return instead")
        if misuse.detail == "either":
            return (f"{what} runs after a send or receive on '{v}' raised the client's disconnect: "
                    f"the client is gone and the close raises ('Cannot call \"send\" once a close "
                    f"message has been sent' after a failed send); do not close it")
        if closes:
            return (f"{what} runs after '{v}' raised the client's disconnect: closing a socket the "
                    f"client closed raises under uvicorn's websockets and wsproto backends (not "
                    f"websockets-sansio: close-after-received-disconnect = false); do not close it")
        return (f"{what} runs after '{v}' raised the client's disconnect, caught here: the client "
                f"is gone and the send raises; let WebSocketDisconnect through first "
                f"('except WebSocketDisconnect: raise'), or clean up without sending")
    if check == fw.SEND_AFTER_DISCONNECT:
        return (f"'{v}.{misuse.method}()' inside 'except WebSocketDisconnect': the client is gone "
                f"and it raises; clean up without sending or closing")
    raise AssertionError(check)  # pragma: no cover


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _fix(misuse: Misuse, in_async_function: bool):
    """NL102's fix adds ``await``: safe, and only offered where ``await`` is legal."""
    if (misuse.check in (fw.NOT_AWAITED, IO_NOT_AWAITED) and in_async_function
            and isinstance(misuse.node, cst.Call)):
        return (misuse.node, cst.Await(expression=misuse.node))
    return None


def check(ctx: Context) -> Iterator[Finding]:
    analysis = ctx.websockets
    for info in ctx.index.all_functions:
        for misuse in analysis.misuses(info):
            fix = _fix(misuse, info.is_async)
            if misuse.check == fw.SEND_AFTER_DISCONNECT:
                from ..fixes import disconnect_fix  # unsafe: changes what the handler catches

                fix = disconnect_fix(ctx, info, misuse.node)
            yield ctx.finding(CODES[misuse.check], misuse.node, message(misuse), fix)
