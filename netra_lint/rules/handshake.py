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
read it before the endpoint's body runs, as does a FastAPI ``Header`` parameter bound to
the ``Sec-WebSocket-Protocol`` header.

An accept that selects nothing while the offer is still unread leaves the state ``bare``
(remembering that accept): a later read of the offer that uses it (an auth helper reading
``jwt.<token>``; logging it is not a use) makes that accept the finding. Frameworks that
accept implicitly (Litestar: the first send or receive) accept there, selecting nothing;
``websocket.accept`` handed to another call as a callable accepts there, selecting what
that call's ``subprotocol=``/``subprotocols=`` keyword says. What a called function does to
the handshake is asked of one method, ``_Handshake.callee_handshake``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import libcst as cst

from ..engine import frameworks as fw
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
# accept()'s keyword that selects a subprotocol: Starlette and Channels ``subprotocol``,
# Litestar ``subprotocols`` (either one selects: a wrong one is a TypeError, not NL401)
_SELECT_KEYWORDS = frozenset({"subprotocol", "subprotocols"})
# calls whose arguments are only logged: reading the offer for them after the accept is
# not a use of it
_LOGGING = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                      "log", "print"})

UNREAD, OFFERED, EMPTY = "unread", "offered", "empty"
# ("bare", i): accepted by the i-th accept event of the function selecting nothing, before
# the offer was read
BARE = "bare"
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
    logged: bool = False    # read: only handed to a logging call
    implicit: str = ""      # accept: the send/receive that accepts implicitly (Litestar)
    passed: bool = False    # accept: ``websocket.accept`` handed to another call
    keyword: str = "subprotocol"  # accept: the framework's keyword that selects one


def _selects_none(call: cst.Call) -> bool:
    """``accept()``/``accept(subprotocol=None)``: no subprotocol selected."""
    for i, arg in enumerate(call.args):
        if arg.star:
            return False  # ``**options`` may carry one
        if arg.keyword is None and i == 0 or arg.keyword is not None and arg.keyword.value in _SELECT_KEYWORDS:
            return isinstance(arg.value, cst.Name) and arg.value.value == "None"
    return True


def _passed_accept(call: cst.Call) -> tuple[str, bool] | None:
    """``breaker.call(websocket.accept, subprotocol=...)``: (receiver, selects nothing)."""
    for arg in call.args:
        value = arg.value
        if (not arg.star and isinstance(value, cst.Attribute) and value.attr.value == "accept"
                and arg.keyword is None):
            receiver = dotted(value.value)
            if not receiver:
                return None
            bare = True
            for other in call.args:
                if other.star == "**":
                    bare = False
                elif other.keyword is not None and other.keyword.value in _SELECT_KEYWORDS:
                    bare = isinstance(other.value, cst.Name) and other.value.value == "None"
            return receiver, bare
    return None


def _keyword(framework: fw.Framework | None) -> str:
    return (framework.subprotocol_keyword if framework is not None else None) or "subprotocol"


def _logged_arguments(root: cst.CSTNode) -> set[int]:
    """The expressions under ``root`` that are arguments of a logging call."""
    out: set[int] = set()
    for node in walk(root, NESTED_SCOPES):
        if isinstance(node, cst.Call) and call_name(node) in _LOGGING:
            out.update(id(a.value) for a in node.args)
    return out


def _node_events(rule: "_Handshake", info: FunctionInfo, names: _Names,
                 root: cst.CSTNode) -> list[_Event]:
    """Reads and accepts evaluated by one CFG node: the reads first (an accept's
    arguments are evaluated before it, and one small statement holds one of each at most
    in practice), then the accepts and the helper calls in source order."""
    reads: list[_Event] = []
    accepts: list[_Event] = []
    logged = _logged_arguments(root)
    frameworks = rule.frameworks(info)
    for node in walk(root, NESTED_SCOPES):
        if not isinstance(node, (cst.Subscript, cst.Comparison, cst.Call)):
            continue
        receiver = names.read(node)
        if receiver:
            reads.append(_Event("read", receiver, node, logged=id(node) in logged))
        if not isinstance(node, cst.Call):
            continue
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "accept":
            receiver = dotted(func.value)
            if receiver:
                accepts.append(_Event("accept", receiver, node, bare=_selects_none(node),
                                      keyword=_keyword(frameworks.get(receiver))))
                continue
        if isinstance(func, cst.Attribute):
            receiver = dotted(func.value)
            framework = frameworks.get(receiver or "")
            if (framework is not None and framework.implicit_accept
                    and framework.kind(func.attr.value) in (fw.SEND, fw.RECEIVE)):
                # Litestar: the first send or receive accepts, selecting no subprotocol
                accepts.append(_Event("accept", receiver, node, bare=True,
                                      implicit=func.attr.value, keyword=_keyword(framework)))
                continue
            if (framework is not None and framework.implicit_accept
                    and framework.kind(func.attr.value) == fw.CLOSE):
                # a close before any accept refuses the connection: no handshake follows
                accepts.append(_Event("accept", receiver, node, bare=False, implicit="close"))
                continue
        passed = _passed_accept(node)
        if passed is not None:
            accepts.append(_Event("accept", passed[0], node, bare=passed[1], passed=True,
                                  helper=dotted(func) or "a call",
                                  keyword=_keyword(frameworks.get(passed[0]))))
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
        # the accepts that may leave a ``bare`` atom, by position
        self.accepts: list[_Event] = [e for evs in events.values() for e in evs if e.kind != "read"]
        self._accept_index = {id(e): i for i, e in enumerate(self.accepts)}

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
                bare = {a for a in atoms if isinstance(a, tuple)}
                if bare and not event.logged:
                    # the offer is used after an accept that selected none of it
                    if report:
                        self.found.extend(self.accepts[a[1]] for a in bare)
                    atoms = (atoms - bare) | {EMPTY}
                if UNREAD in atoms:
                    atoms = (atoms - {UNREAD}) | {OFFERED}
                current[i] = atoms
            else:
                selects_none = event.bare or event.kind == "helper_accept"
                if OFFERED in atoms and selects_none and report:
                    self.found.append(event)
                if event.implicit and not (atoms & {UNREAD, OFFERED}):
                    continue  # already accepted: a send, not an accept
                out = set()
                for atom in atoms:
                    if isinstance(atom, tuple):
                        out.add(atom)  # accepted already (NL105's, or idempotent)
                    elif atom == UNREAD and selects_none:
                        out.add((BARE, self._accept_index[id(event)]))
                    elif event.implicit and atom == EMPTY:
                        out.add(EMPTY)
                    else:
                        out.add(EMPTY)  # accepted: later accepts are NL105's
                current[i] = frozenset(out)
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
        self._reads: dict[int, dict[int, str]] = {}
        self._accepts: dict[tuple[int, int], bool] = {}
        self._busy: set = set()

    def cfg(self, info: FunctionInfo) -> CFG:
        return self.ctx.websockets.cfg(info)

    def names(self, info: FunctionInfo) -> _Names:
        key = id(info.node)
        if key not in self._names:
            names = self._names[key] = _names_of(info.node)
            offered = _header_offer_params(info)
            websockets = [t.name for t in self.ctx.websockets.tracked(info)]
            if offered and len(websockets) == 1:
                # ``proto: str | None = Header(None, alias="sec-websocket-protocol")``
                for name in offered:
                    names.holders.setdefault(name, websockets[0])
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
    def frameworks(self, info: FunctionInfo) -> dict[str, fw.Framework]:
        """The framework of each websocket of ``info``, by name."""
        return {t.name: t.framework for t in self.ctx.websockets.tracked(info)}

    def helper_events(self, info: FunctionInfo, names: _Names, call: cst.Call,
                      out: list[_Event]) -> None:
        if not any(self._receiver_arg(names, arg.value) for arg in call.args if not arg.star):
            return
        effects = self.callee_handshake(info, call)
        if effects is None:
            return
        helper, per_argument = effects
        for value, reads, accepts in per_argument:
            receiver = self._receiver_arg(names, value)
            if not receiver:
                continue
            if reads is not None:
                out.append(_Event("read", receiver, call, logged=reads == "logged"))
            if accepts:
                out.append(_Event("helper_accept", receiver, call, helper=helper))

    def callee_handshake(self, info: FunctionInfo, call: cst.Call
                         ) -> tuple[str, list[tuple[cst.BaseExpression, str | None, bool]]] | None:
        """What the function called at ``call`` does to the handshake of each argument:
        (its name, [(argument, "used" / "logged" / None: how it reads that argument's
        offered subprotocols, whether it accepts it selecting none)]); None when the
        callee is not known. The one question this rule asks about other functions: same
        module today, answerable from project summaries for callees in other modules."""
        target = self.ctx.websockets.types(info).resolve(call)
        if target is None or target.function is info:
            return None
        reads = self.reads(target.function)
        out = []
        position = 0
        for arg in call.args:
            if arg.star:
                break
            keyword = arg.keyword.value if arg.keyword is not None else None
            param = bind_argument(target, call, None if keyword else position, keyword)
            if keyword is None:
                position += 1
            if param is None:
                continue
            read = reads.get(param)
            accepts = self.accepts_without(target.function, param)
            if read is not None or accepts:
                out.append((arg.value, read, accepts))
        return dotted(call.func) or target.function.name, out

    @staticmethod
    def _receiver_arg(names: _Names, value: cst.BaseExpression) -> str | None:
        value = _unwrap(value)
        if isinstance(value, cst.Attribute) and value.attr.value in ("headers", "scope"):
            return dotted(value.value)
        if isinstance(value, cst.Name):
            return names.aliases.get(value.value, value.value)
        return None

    def reads(self, info: FunctionInfo) -> dict[int, str]:
        """Parameters whose offered subprotocols ``info`` reads (directly or via helpers):
        "used", or "logged" when every read only hands it to a logging call."""
        key = id(info.node)
        if key in self._reads:
            return self._reads[key]
        if ("reads", key) in self._busy or ("events", key) in self._busy:
            return {}
        self._busy.add(("reads", key))
        try:
            params = {p.name.value: i for i, p in enumerate(parameters(info.node))}
            found: dict[int, str] = {}
            for events in self.events(info).values():
                for event in events:
                    if event.kind == "read" and event.receiver in params:
                        param = params[event.receiver]
                        if not event.logged or found.get(param) != "used":
                            found[param] = "logged" if event.logged else "used"
        finally:
            self._busy.discard(("reads", key))
        self._reads[key] = found
        return found

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
        """The endpoint's websockets whose offer a ``Depends(fn)`` or a ``Header``
        parameter reads before the body."""
        readers = bool(_header_offer_params(info))
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
                   and (_key_of(n) in (OFFER_HEADER, SCOPE_KEY))
                   or isinstance(n, cst.Name) and n.value == "sec_websocket_protocol"
                   for n in self.ctx.index.all_nodes):
            return
        reported: set[int] = set()
        for info in self.ctx.index.all_functions:
            for event in self.run(info, self.dependency_reads(info)):
                if id(event.node) not in reported:
                    reported.add(id(event.node))
                    yield self.ctx.finding(CODE, event.node, _message(event))


def _header_offer_params(info: FunctionInfo) -> list[str]:
    """FastAPI parameters bound to the Sec-WebSocket-Protocol header: ``Header(alias=
    "sec-websocket-protocol")``, or a parameter named ``sec_websocket_protocol`` (FastAPI
    turns its underscores into hyphens), as a default or in ``Annotated[...]``."""
    out = []
    for param in parameters(info.node):
        candidates = [param.default]
        annotation = param.annotation.annotation if param.annotation is not None else None
        if isinstance(annotation, cst.Subscript) and dotted(annotation.value) in (
                "Annotated", "typing.Annotated", "typing_extensions.Annotated"):
            candidates.extend(e.slice.value for e in annotation.slice[1:] if isinstance(e.slice, cst.Index))
        for candidate in candidates:
            if not (isinstance(candidate, cst.Call) and call_name(candidate) == "Header"):
                continue
            alias = next((a.value for a in candidate.args
                          if a.keyword is not None and a.keyword.value == "alias"), None)
            header = (_key_of(alias) if alias is not None
                      else param.name.value.replace("_", "-").lower())
            if header == OFFER_HEADER:
                out.append(param.name.value)
    return out


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
    keyword = event.keyword
    if event.implicit:
        return (f"'{v}.{event.implicit}()' accepts the connection implicitly, selecting no "
                f"subprotocol, while the client's offered subprotocols (Sec-WebSocket-Protocol) "
                f"are read on some path; a browser that offered them drops the connection: call "
                f"'{v}.accept({keyword}=...)' first with the offered value you use")
    what = f"'{v}.accept' passed to {event.helper}()" if event.passed else f"'{v}.accept()'"
    return (f"{what} selects no subprotocol while the client's offered subprotocols "
            f"(Sec-WebSocket-Protocol) are read on some path, before or after it; a browser "
            f"that offered them drops the connection: pass {keyword}= with the offered value "
            f"you use")



def check(ctx: Context) -> Iterator[Pending]:
    yield from _Handshake(ctx).check()
