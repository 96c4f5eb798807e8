"""NL401: the handler read the client's offered subprotocols, then accepts selecting none.

A browser that offers subprotocols (``Sec-WebSocket-Protocol``, the usual way to carry a
JWT) fails the connection when the server's handshake response selects none of them.

The analysis is a forward dataflow over each function's CFG. Per *receiver* (the object
whose headers or scope were read: ``websocket``, ``self`` in a Channels consumer) the
state is a set of atoms, "may" semantics:

- ``unread``: the offer has not been read on this path;
- ``offered``: it has been read, and the client may have offered something;
- ``empty``: the handler established that the client offered nothing (``if not proto``,
  ``"sec-websocket-protocol" not in websocket.headers``, an absent header raising
  ``KeyError``), or the connection was accepted already.

An ``accept()`` without ``subprotocol=`` on a receiver whose state may be ``offered`` is
reported. Helpers in the same module are summarised: one that reads the offer of a
parameter reads it for its caller; one that accepts a parameter without a subprotocol
makes its call site the accept. A FastAPI ``Depends(fn)`` whose ``fn`` reads the offer has
read it before the endpoint's body runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import libcst as cst

from ..engine.calls import bind_argument
from ..engine.cfg import ASSUME, CFG, Node
from ..engine.flow import Dataflow
from ..engine.module import FunctionInfo, call_name, depends_target, dotted, parameters, string_value
from ..engine.walk import NESTED_SCOPES, walk
from .base import Context, Pending

CODE = "NL401"
OFFER_HEADER = "sec-websocket-protocol"
SCOPE_KEY = "subprotocols"
_GETTERS = frozenset({"get", "getlist", "get_list", "get_all", "getall", "getone"})
_WRAPPERS = frozenset({"dict", "list", "tuple", "Headers", "MutableHeaders", "CIMultiDict"})

UNREAD, OFFERED, EMPTY = "unread", "offered", "empty"
State = tuple  # one frozenset of atoms per receiver


# -- recognising the offer ------------------------------------------------------------
def _unwrap(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``dict(websocket.headers)`` reads the same mapping as ``websocket.headers``."""
    while (isinstance(expr, cst.Call) and call_name(expr) in _WRAPPERS and len(expr.args) == 1
           and not expr.args[0].star and expr.args[0].keyword is None):
        expr = expr.args[0].value
    return expr


def _key_of(expr: cst.BaseExpression) -> str | None:
    value = string_value(expr)
    return value.lower() if value is not None else None


@dataclass
class _Names:
    """Per function: local names for a receiver's mapping, and names holding the offer."""

    aliases: dict[str, str]    # ``headers = websocket.headers`` -> headers: websocket
    holders: dict[str, str]    # ``proto = websocket.headers.get(...)`` -> proto: websocket
    # ``has_jwt = "jwt" in offered``: a name bound once to a membership test
    tests: dict[str, cst.Comparison] = field(default_factory=dict)

    def receiver_of_mapping(self, mapping: cst.BaseExpression, key: str) -> str | None:
        """Whose offer ``mapping[key]`` reads, or None when it is not the offer."""
        mapping = _unwrap(mapping)
        if key == OFFER_HEADER:
            if isinstance(mapping, cst.Attribute) and mapping.attr.value in ("headers", "request_headers"):
                return dotted(mapping.value)
            name = dotted(mapping)
            return self.aliases.get(name, name) if name else None
        if key == SCOPE_KEY:
            if isinstance(mapping, cst.Attribute) and mapping.attr.value == "scope":
                return dotted(mapping.value)
            # ``scope["subprotocols"]`` in a raw ASGI app, and ``websocket["subprotocols"]``:
            # Starlette's WebSocket is a mapping over its scope
            name = dotted(mapping)
            return self.aliases.get(name, name) if name else None
        return None

    def read(self, expr: cst.BaseExpression) -> str | None:
        """The receiver whose offered subprotocols ``expr`` reads, if it does."""
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            index = expr.slice[0].slice
            if isinstance(index, cst.Index):
                key = _key_of(index.value)
                if key is not None:
                    return self.receiver_of_mapping(expr.value, key)
        if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
                and expr.func.attr.value in _GETTERS and expr.args and expr.args[0].keyword is None):
            key = _key_of(expr.args[0].value)
            if key is not None:
                return self.receiver_of_mapping(expr.func.value, key)
        if isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1:
            target = expr.comparisons[0]
            if isinstance(target.operator, (cst.In, cst.NotIn)):
                key = _key_of(expr.left)
                if key == OFFER_HEADER:
                    return self.receiver_of_mapping(target.comparator, key)
        return None

    def holder(self, expr: cst.BaseExpression) -> str | None:
        """The receiver whose offer the value of ``expr`` is (empty exactly when none was)."""
        while True:
            if isinstance(expr, cst.NamedExpr):
                expr = expr.value
            elif isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
                expr = expr.left  # ``websocket.headers.get(...) or ""``
            elif (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
                  and expr.func.attr.value in ("strip", "lower", "casefold", "rstrip", "lstrip")):
                expr = expr.func.value
            elif (isinstance(expr, cst.Call) and call_name(expr) in ("list", "tuple", "str")
                  and len(expr.args) == 1):
                expr = expr.args[0].value
            elif isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
                expr = expr.for_in.iter  # ``[p.strip() for h in headers.getlist(...) ...]``
            else:
                break
        if isinstance(expr, cst.Name):
            return self.holders.get(expr.value)
        if isinstance(expr, cst.Comparison):
            return None  # a membership test is a condition, not a value holding the offer
        return self.read(expr)


def _assignments(function: cst.FunctionDef) -> list[tuple[str, cst.BaseExpression]]:
    """``name = value`` pairs of one function body, without entering nested scopes."""
    out = []
    for node in walk(function.body, NESTED_SCOPES):
        if isinstance(node, cst.Assign):
            out.extend((t.target.value, node.value) for t in node.targets if isinstance(t.target, cst.Name))
        elif isinstance(node, (cst.AnnAssign, cst.NamedExpr)):
            if isinstance(node.target, cst.Name) and node.value is not None:
                out.append((node.target.value, node.value))
    return out


def _names_of(function: cst.FunctionDef) -> _Names:
    assigns = _assignments(function)
    names = _Names({}, {})
    for name, value in assigns:
        value = _unwrap(value)
        if isinstance(value, cst.Attribute) and value.attr.value in ("headers", "scope"):
            receiver = dotted(value.value)
            if receiver:
                names.aliases[name] = receiver
    holders: dict[str, str | None] = {}
    for name, value in assigns:
        receiver = names.holder(value)
        if name in holders and holders[name] != receiver:
            receiver = None  # assigned different things: not a reliable holder
        holders[name] = receiver
    names.holders = {n: r for n, r in holders.items() if r is not None}
    bound: dict[str, list[cst.BaseExpression]] = {}
    for name, value in assigns:
        bound.setdefault(name, []).append(value)
    names.tests = {n: v[0] for n, v in bound.items()
                   if len(v) == 1 and isinstance(v[0], cst.Comparison)}
    return names


# -- events ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Event:
    kind: str               # "read" | "accept" | "helper_accept"
    receiver: str
    node: cst.CSTNode
    bare: bool = False      # accept: selects no subprotocol
    helper: str = ""
    raw: bool = False       # an ASGI ``{"type": "websocket.accept"}`` message


def _selects_none(call: cst.Call) -> bool:
    """``accept()``/``accept(subprotocol=None)``: no subprotocol selected."""
    for i, arg in enumerate(call.args):
        if arg.star:
            return False  # ``**options`` may carry one
        if arg.keyword is None and i == 0 or arg.keyword is not None and arg.keyword.value == "subprotocol":
            return isinstance(arg.value, cst.Name) and arg.value.value == "None"
    return True


def _node_events(rule: "_Handshake", info: FunctionInfo, names: _Names,
                 root: cst.CSTNode) -> list[_Event]:
    """Reads and accepts evaluated by one CFG node: the reads first (an accept's
    arguments are evaluated before it, and one small statement holds one of each at most
    in practice), then the accepts and the helper calls in source order."""
    reads: list[_Event] = []
    accepts: list[_Event] = []
    for node in walk(root, NESTED_SCOPES):
        if not isinstance(node, (cst.Subscript, cst.Comparison, cst.Call)):
            continue
        receiver = names.read(node)
        if receiver:
            reads.append(_Event("read", receiver, node))
        if not isinstance(node, cst.Call):
            continue
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "accept":
            receiver = dotted(func.value)
            if receiver:
                accepts.append(_Event("accept", receiver, node, bare=_selects_none(node)))
                continue
        message = _raw_accept(node)
        if message is not None:
            # ``await send({"type": "websocket.accept"})``: the ASGI accept; its scope is
            # ``scope`` in a raw ASGI app, ``self.scope`` in a class-based one
            receiver = dotted(func.value) if isinstance(func, cst.Attribute) else "scope"
            if receiver:
                accepts.append(_Event("accept", receiver, node, bare=message, raw=True))
            continue
        helper: list[_Event] = []
        rule.helper_events(info, names, node, helper)
        reads.extend(e for e in helper if e.kind == "read")
        accepts.extend(e for e in helper if e.kind != "read")
    return reads + accepts


def _raw_accept(call: cst.Call) -> bool | None:
    """For ``send({"type": "websocket.accept", ...})``: whether it selects no subprotocol;
    None when the call is not an ASGI accept message."""
    if not call.args or not isinstance(call.args[0].value, cst.Dict):
        return None
    elements = call.args[0].value.elements
    accept = False
    selects = False
    for element in elements:
        if not isinstance(element, cst.DictElement):
            selects = True  # ``**extra`` may carry one
            continue
        key = string_value(element.key)
        if key == "type" and string_value(element.value) == "websocket.accept":
            accept = True
        elif key == "subprotocol" and not (isinstance(element.value, cst.Name)
                                           and element.value.value == "None"):
            selects = True
    return (not selects) if accept else None



# -- the dataflow -----------------------------------------------------------------------
class _Flow(Dataflow[State]):
    def __init__(self, receivers: list[str], names: _Names,
                 events: dict[int, list[_Event]]) -> None:
        self.receivers = {r: i for i, r in enumerate(receivers)}
        self.names = names
        self.events = events
        self.found: list[_Event] = []

    def join(self, left: State, right: State) -> State:
        return tuple(a | b for a, b in zip(left, right))

    def transfer(self, node: Node, state: State, report: bool) -> State | None:
        if node.kind == ASSUME:
            return self._assume(node.expr, node.polarity, state)
        events = self.events.get(node.index)
        if not events:
            return state
        current = list(state)
        for event in events:
            i = self.receivers.get(event.receiver)
            if i is None:
                continue
            atoms = current[i]
            if event.kind == "read":
                if UNREAD in atoms:
                    current[i] = (atoms - {UNREAD}) | {OFFERED}
            else:
                if OFFERED in atoms and (event.bare or event.kind == "helper_accept") and report:
                    self.found.append(event)
                if event.kind == "accept":
                    current[i] = frozenset({EMPTY})  # accepted: later accepts are NL105's
        return tuple(current)

    def _assume(self, test: cst.CSTNode | None, polarity: bool, state: State) -> State:
        if not isinstance(test, cst.BaseExpression):
            return state
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self._assume(test.expression, not polarity, state)
        if isinstance(test, cst.BooleanOperation):
            if isinstance(test.operator, cst.And) != polarity:
                return state  # one of the operands, we do not know which
            return self._assume(test.right, polarity, self._assume(test.left, polarity, state))
        truth = self._offer_truth(test)
        if truth is None:
            return state
        receiver, offered_when_true = truth
        i = self.receivers.get(receiver)
        if i is None or offered_when_true == polarity:
            return state
        # on this edge the client offered nothing: accepting without a subprotocol is right
        return state[:i] + (frozenset({EMPTY}),) + state[i + 1:]

    def _offer_truth(self, test: cst.BaseExpression) -> tuple[str, bool] | None:
        """(receiver, True) when ``test`` is truthy exactly when the client offered
        subprotocols; (receiver, False) when exactly when it offered none."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self._offer_truth(test.expression)
            return None if inner is None else (inner[0], not inner[1])
        if isinstance(test, cst.Name) and test.value in self.names.tests:
            return self._offer_truth(self.names.tests[test.value])
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            target = test.comparisons[0]
            op = target.operator
            if isinstance(op, (cst.In, cst.NotIn)):
                receiver = self.names.read(test)
                if receiver is not None:
                    return (receiver, isinstance(op, cst.In))
                inner = self._measure(target.comparator)
                if inner is not None and string_value(test.left) is not None:
                    # ``"jwt" in offered``: when it is not, the else branch is the handler's
                    # "no usable subprotocol" path; count it as offered-nothing (precision)
                    return (inner[0], isinstance(op, cst.In))
                return None
            for value, other in ((test.left, target.comparator), (target.comparator, test.left)):
                inner = self._measure(value)
                if inner is None or not _is_nothing(other):
                    continue
                if isinstance(op, (cst.Is, cst.Equal)):
                    return (inner[0], not inner[1])
                if isinstance(op, (cst.IsNot, cst.NotEqual)):
                    return inner
                if isinstance(op, cst.GreaterThan) and value is test.left:
                    return inner  # len(offered) > 0
            return None
        return self._measure(test)

    def _measure(self, expr: cst.BaseExpression) -> tuple[str, bool] | None:
        if isinstance(expr, cst.Call) and call_name(expr) in ("len", "bool") and len(expr.args) == 1:
            expr = expr.args[0].value
        receiver = self.names.holder(expr)
        return None if receiver is None else (receiver, True)


def _is_nothing(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name) and expr.value == "None":
        return True
    if isinstance(expr, cst.Integer) and expr.value == "0":
        return True
    if isinstance(expr, (cst.List, cst.Tuple)) and not expr.elements:
        return True
    return string_value(expr) == ""


# -- per module -------------------------------------------------------------------------
class _Handshake:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._names: dict[int, _Names] = {}
        self._events: dict[int, dict[int, list[_Event]]] = {}
        self._reads: dict[int, frozenset[int]] = {}
        self._accepts: dict[tuple[int, int], bool] = {}
        self._busy: set = set()

    def cfg(self, info: FunctionInfo) -> CFG:
        return self.ctx.websockets.cfg(info)

    def names(self, info: FunctionInfo) -> _Names:
        key = id(info.node)
        if key not in self._names:
            self._names[key] = _names_of(info.node)
        return self._names[key]

    def events(self, info: FunctionInfo) -> dict[int, list[_Event]]:
        key = id(info.node)
        found = self._events.get(key)
        if found is None:
            self._busy.add(("events", key))
            names = self.names(info)
            found = {}
            for node in self.cfg(info).nodes:
                out: list[_Event] = []
                for expr in node.expressions():
                    out.extend(_node_events(self, info, names, expr))
                if out:
                    found[node.index] = out
            self._busy.discard(("events", key))
            self._events[key] = found
        return found

    # -- helper summaries ---------------------------------------------------------------
    def helper_events(self, info: FunctionInfo, names: _Names, call: cst.Call,
                      out: list[_Event]) -> None:
        passed = []
        position = 0
        for arg in call.args:
            if arg.star:
                break
            keyword = arg.keyword.value if arg.keyword is not None else None
            receiver = self._receiver_arg(names, arg.value)
            if receiver:
                passed.append((None if keyword else position, keyword, receiver))
            if keyword is None:
                position += 1
        if not passed:
            return
        target = self.ctx.websockets.types(info).resolve(call)
        if target is None or target.function is info:
            return
        reads = self.reads(target.function)
        for position, keyword, receiver in passed:
            param = bind_argument(target, call, position, keyword)
            if param is None:
                continue
            if param in reads:
                out.append(_Event("read", receiver, call))
            if self.accepts_without(target.function, param):
                out.append(_Event("helper_accept", receiver, call,
                                  helper=dotted(call.func) or target.function.name))

    @staticmethod
    def _receiver_arg(names: _Names, value: cst.BaseExpression) -> str | None:
        value = _unwrap(value)
        if isinstance(value, cst.Attribute) and value.attr.value in ("headers", "scope"):
            return dotted(value.value)
        if isinstance(value, cst.Name):
            return names.aliases.get(value.value, value.value)
        return None

    def reads(self, info: FunctionInfo) -> frozenset[int]:
        """Parameters whose offered subprotocols ``info`` reads (directly or via helpers)."""
        key = id(info.node)
        if key in self._reads:
            return self._reads[key]
        if ("reads", key) in self._busy or ("events", key) in self._busy:
            return frozenset()
        self._busy.add(("reads", key))
        try:
            params = {p.name.value: i for i, p in enumerate(parameters(info.node))}
            found = set()
            for events in self.events(info).values():
                for event in events:
                    if event.kind == "read" and event.receiver in params:
                        found.add(params[event.receiver])
        finally:
            self._busy.discard(("reads", key))
        self._reads[key] = frozenset(found)
        return self._reads[key]

    def accepts_without(self, info: FunctionInfo, param: int) -> bool:
        """Whether ``info`` accepts parameter ``param`` without a subprotocol on a path
        where its caller's reading of the offer is what makes that wrong."""
        key = (id(info.node), param)
        if key in self._accepts:
            return self._accepts[key]
        if key in self._busy or ("events", id(info.node)) in self._busy:
            return False
        self._busy.add(key)
        try:
            name = parameters(info.node)[param].name.value
            own = {id(e.node) for e in self.run(info, frozenset())}
            primed = self.run(info, frozenset({name}))
            result = any(e.receiver == name and id(e.node) not in own for e in primed)
        finally:
            self._busy.discard(key)
        self._accepts[key] = result
        return result

    # -- the analysis of one function ---------------------------------------------------
    def receivers(self, info: FunctionInfo, events: dict[int, list[_Event]]) -> list[str]:
        seen: dict[str, None] = {}
        for node_events in events.values():
            for event in node_events:
                seen.setdefault(event.receiver, None)
        return list(seen)

    def run(self, info: FunctionInfo, primed: frozenset[str]) -> list[_Event]:
        events = self.events(info)
        receivers = self.receivers(info, events)
        if not receivers:
            return []
        names = self.names(info)
        flow = _Flow(receivers, names, events)
        initial = tuple(frozenset({OFFERED if r in primed else UNREAD}) for r in receivers)
        flow.replay(self.cfg(info), flow.solve(self.cfg(info), initial))
        return flow.found

    def dependency_reads(self, info: FunctionInfo) -> frozenset[str]:
        """The endpoint's websockets whose offer a ``Depends(fn)`` reads before the body."""
        readers = False
        for param in parameters(info.node):
            dep = depends_target(param)
            if dep is None or not dep.args:
                continue
            target = self.ctx.index.functions.get(dotted(dep.args[0].value) or "")
            if target is not None and self.reads(target):
                readers = True
        if not readers:
            return frozenset()
        return frozenset(t.name for t in self.ctx.websockets.tracked(info))

    def check(self) -> Iterator[Pending]:
        # the text screen matched; no string key that reads the offer: nothing can report
        if not any(isinstance(n, (cst.SimpleString, cst.ConcatenatedString))
                   and (_key_of(n) in (OFFER_HEADER, SCOPE_KEY)) for n in self.ctx.index.all_nodes):
            return
        for info in self.ctx.index.all_functions:
            for event in self.run(info, self.dependency_reads(info)):
                yield self.ctx.finding(CODE, event.node, _message(event))


def _message(event: _Event) -> str:
    v = event.receiver
    if event.raw:
        scope = v if v == "scope" else f"{v}.scope"
        return (f"the ASGI 'websocket.accept' message selects no subprotocol after the client's "
                f"offered subprotocols ('{scope}[\"subprotocols\"]') were read on some path; a browser "
                f"that offered them drops the connection: add \"subprotocol\": the offered value you use")
    if event.kind == "helper_accept":
        return (f"{event.helper}() accepts websocket '{v}' without subprotocol= after the client's "
                f"offered subprotocols (Sec-WebSocket-Protocol) were read on some path; a browser "
                f"that offered them drops the connection: accept with subprotocol= set to the "
                f"offered value you use")
    return (f"'{v}.accept()' selects no subprotocol after the client's offered subprotocols "
            f"(Sec-WebSocket-Protocol) were read on some path; a browser that offered them drops "
            f"the connection: pass subprotocol= with the offered value you use")


def check(ctx: Context) -> Iterator[Pending]:
    yield from _Handshake(ctx).check()
