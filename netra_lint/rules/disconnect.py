"""NL107-NL108: the incident's real cause — swallowed disconnects and client_state checks."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..engine.cfg import ASSUME, CFG, RETURN, STMT
from ..engine.disconnects import DisconnectAnalysis
from ..engine.module import dotted
from ..engine.walk import walk
from ..finding import Finding
from .base import Context

_LIVE = {("==", "CONNECTED"), ("is", "CONNECTED"), ("!=", "DISCONNECTED"), ("is not", "DISCONNECTED")}


def _except_text(handler: cst.ExceptHandler) -> str:
    if handler.type is None:
        return "except:"
    return f"except {cst.Module([]).code_for_node(handler.type)}"


def check_swallowed(ctx: Context) -> Iterator[Finding]:
    analysis = DisconnectAnalysis(ctx.websockets)
    for info in ctx.index.all_functions:
        for swallow in analysis.swallows(info):
            v = swallow.var
            clause = _except_text(swallow.handler)
            if swallow.goes_on:
                # after a failed send Starlette marks the application side disconnected;
                # after a disconnect message it marks the client side
                then = (swallow.framework.receive_after_disconnect
                        if swallow.from_receive else "'Need to call \"accept\" first'")
                message = (f"'{clause}' swallows the WebSocketDisconnect raised by {swallow.method} "
                           f"on '{v}', and the function goes on to use '{v}' (its next receive "
                           f"raises {then}); re-raise it or leave the loop")
            elif swallow.culprit is not None:
                culprit = swallow.culprit
                value = f"the {swallow.value} returned here" if swallow.value else "the result"
                then = " and receives again" if culprit.goes_on else ""
                message = (f"'{clause}' swallows the WebSocketDisconnect raised by {swallow.method} "
                           f"on '{v}', which the caller handed in: {culprit.where} ignores "
                           f"{value}{then}; re-raise WebSocketDisconnect")
            else:
                message = (f"'{clause}' swallows the WebSocketDisconnect raised by {swallow.method} "
                           f"on '{v}', which the caller handed in: the connection's owner never "
                           f"learns it is dead; re-raise WebSocketDisconnect")
            from ..fixes import disconnect_fix  # unsafe: changes what the handler catches

            if swallow.replies:
                # the handler's own send/close on the dead socket raises (NL106): what the
                # owner gets is that error, not the disconnect
                message = (f"'{clause}' catches the WebSocketDisconnect raised by {swallow.method} "
                           f"on '{v}' and answers with '{swallow.replies}', which raises too "
                           f"(NL106): that is not handling the disconnect; "
                           + ("re-raise it or leave instead" if "WebSocketDisconnect" in clause
                              else "let WebSocketDisconnect through first"))
            yield ctx.finding("NL107", swallow.handler, message, disconnect_fix(ctx, info, swallow.handler))


def check_liveness(ctx: Context) -> Iterator[Finding]:
    finder = _LivenessChecks()
    for node in ctx.index.all_nodes:
        test = _CHECKED.get(type(node))
        if test is not None:
            finder.check_expression(getattr(node, test))
    for info in ctx.index.all_functions:
        finder.found.extend(_stored_checks(info))
    for comparison, var in finder.found:
        yield ctx.finding(
            "NL108", comparison,
            f"liveness check reads only '{var}.client_state', which stays CONNECTED after a "
            f"failed send; check '{var}.application_state == WebSocketState.CONNECTED' too")


def check(ctx: Context) -> Iterator[Finding]:
    yield from check_swallowed(ctx)
    yield from check_liveness(ctx)


def _operator(op: cst.BaseCompOp) -> str | None:
    return {cst.Equal: "==", cst.NotEqual: "!=", cst.Is: "is", cst.IsNot: "is not"}.get(type(op))


def _state_read(expr: cst.BaseExpression, attr: str) -> str | None:
    if isinstance(expr, cst.Attribute) and expr.attr.value == attr:
        owner = dotted(expr.value)
        if owner and owner != "self":  # Starlette's own WebSocket class reads self.client_state
            return owner
    return None


# The nodes whose expression is a liveness check, and the field that holds it.
_CHECKED = {cst.If: "test", cst.While: "test", cst.Return: "value", cst.Assert: "test",
            cst.IfExp: "test"}


class _LivenessChecks:
    """Comparisons of ``x.client_state`` with CONNECTED in a condition or a returned value
    that does not also read ``x.application_state``."""

    def __init__(self) -> None:
        self.found: list[tuple[cst.Comparison, str]] = []

    def check_expression(self, expr: cst.BaseExpression | None) -> None:
        if expr is None:
            return
        client_checks: list[tuple[cst.Comparison, str]] = []
        application: set[str] = set()
        for node in walk(expr, (cst.Lambda,)):
            if isinstance(node, cst.Attribute):
                owner = _state_read(node, "application_state")
                if owner:
                    application.add(owner)
            elif isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
                target = node.comparisons[0]
                op = _operator(target.operator)
                for side, other in ((node.left, target.comparator), (target.comparator, node.left)):
                    owner = _state_read(side, "client_state")
                    if owner and isinstance(other, cst.Attribute) and (op, other.attr.value) in _LIVE:
                        client_checks.append((node, owner))
        self.found.extend((c, o) for c, o in client_checks if o not in application)


# -- a comparison stored in a local first (``connected = ws.client_state == ...``) ------------

def _stored_checks(info) -> list[tuple[cst.Comparison, str]]:
    """``is_connected = ws.client_state == WebSocketState.CONNECTED`` whose value decides
    (``return is_connected``, ``if is_connected:``) on a path that never reads
    ``ws.application_state``. ``hasattr(ws, "client_state")`` is always true for
    Starlette's WebSocket, so a fallback behind its false branch is never reached."""
    stored: list[tuple[cst.Assign, str, cst.Comparison, str]] = []
    for node in walk(info.node.body, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0].target, cst.Name):
            finder = _LivenessChecks()
            finder.check_expression(node.value)
            for comparison, owner in finder.found:
                stored.append((node, node.targets[0].target.value, comparison, owner))
    if not stored:
        return []
    graph = CFG.of_function(info.node)
    found = []
    for assign, local, comparison, owner in stored:
        start = next((n.index for n in graph.nodes if n.kind == STMT and n.cst is assign), None)
        if start is not None and _decides_unchecked(graph, start, local, owner):
            found.append((comparison, owner))
    return found


def _decides_unchecked(graph: CFG, start: int, local: str, owner: str) -> bool:
    seen = {start}
    stack = list(graph.nodes[start].succ)
    while stack:
        index = stack.pop()
        if index in seen:
            continue
        seen.add(index)
        node = graph.nodes[index]
        if node.kind == ASSUME and not node.polarity and _is_hasattr_client_state(node.expr, owner):
            continue  # always true for Starlette's WebSocket: this branch is never taken
        if node.kind == ASSUME and _says_false(node.expr, node.polarity, local):
            continue  # on this branch the stored check said "not connected"
        expressions = node.expressions()
        if node.kind == ASSUME:
            expressions = [node.expr]
        if any(_reads_application_state(e, owner) for e in expressions if e is not None):
            continue
        if node.kind == RETURN and any(_names(e, local) for e in expressions if e is not None):
            return True
        if node.kind == STMT and isinstance(node.cst, cst.Assign) and any(
                isinstance(t.target, cst.Name) and t.target.value == local for t in node.cst.targets):
            continue  # rebound: the stored comparison no longer decides
        stack.extend(node.succ)
    return False


def _says_false(expr: cst.CSTNode | None, polarity: bool, local: str) -> bool:
    """The branch of ``if local:`` / ``if not local:`` on which ``local`` is false."""
    while isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        expr, polarity = expr.expression, not polarity
    return isinstance(expr, cst.Name) and expr.value == local and not polarity


def _names(expr: cst.CSTNode, name: str) -> bool:
    if isinstance(expr, cst.Name):
        return expr.value == name
    return any(isinstance(n, cst.Name) and n.value == name for n in walk(expr, (cst.Lambda,)))


def _reads_application_state(expr: cst.CSTNode, owner: str) -> bool:
    nodes = [expr, *walk(expr, (cst.Lambda,))]
    return any(isinstance(n, cst.Attribute) and _state_read(n, "application_state") == owner
               for n in nodes)


def _is_hasattr_client_state(expr: cst.CSTNode | None, owner: str) -> bool:
    return (isinstance(expr, cst.Call) and dotted(expr.func) == "hasattr" and len(expr.args) == 2
            and dotted(expr.args[0].value) == owner
            and isinstance(expr.args[1].value, cst.SimpleString)
            and expr.args[1].value.evaluated_value == "client_state")
