"""NL107-NL108: the incident's real cause — swallowed disconnects and client_state checks."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

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
            else:
                message = (f"'{clause}' swallows the WebSocketDisconnect raised by {swallow.method} "
                           f"on '{v}', which the caller handed in: the connection's owner never "
                           f"learns it is dead; re-raise WebSocketDisconnect")
            yield ctx.finding("NL107", swallow.handler, message)


def check_liveness(ctx: Context) -> Iterator[Finding]:
    finder = _LivenessChecks()
    for node in ctx.index.all_nodes:
        test = _CHECKED.get(type(node))
        if test is not None:
            finder.check_expression(getattr(node, test))
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
