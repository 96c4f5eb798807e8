"""Which names are websockets, their lifecycle dataflow, and helper summaries.

The lifecycle of one websocket is a set of atoms: ``new`` (not accepted), ``accepted``,
``closed`` and ``unknown`` (handed to code we cannot see, which may have done anything).
A set means "one of these, depending on the path" (may semantics); a set without
``new`` means "accepted on every path" (must semantics). The engine reports *misuses*
(facts about the runtime) and the rules in ``netra_lint.rules.accept`` turn them into
findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import libcst as cst

from ..settings import Settings
from . import frameworks as fw
from .calls import LocalTypes, Target, _unquote, bind_argument, is_external
from .cfg import ASSUME, CFG, HANDLER, JOIN, NEXT, RETURN, STMT, TEST, Node
from .flow import Dataflow
from .walk import NESTED_SCOPES, find, walk
from .module import (ClassInfo, FunctionInfo, ModuleIndex, call_name, caught_names,
                     depends_target, dotted, parameters, string_value)

NEW, ACCEPTED, CLOSED, UNKNOWN = "new", "accepted", "closed", "unknown"
# A path on which a use has already failed (and been reported): nothing more to say there,
# but unlike ``unknown`` it does not silence the other paths joined with it.
FAILED = "failed"
Atoms = frozenset
State = tuple  # one Atoms per tracked websocket of the function

# After the client has gone (NL106): a send/receive on the websocket raised and a handler
# that takes the disconnect caught it. ``gone-received``: the disconnect came from a
# receive (the client closed; a close then raises under uvicorn's websockets and wsproto
# backends, not websockets-sansio); ``gone-sent``: from a send (Starlette marked the
# application side DISCONNECTED; any send or close raises). On the exceptional edge of the
# raising operation the atom is first *pending* (``raising-*``): it becomes ``gone-*`` at
# an ``except`` clause that takes the disconnect, and is dropped at one that does not.
GONE_RECEIVED, GONE_SENT = "gone-received", "gone-sent"
PENDING_RECEIVED, PENDING_SENT = "raising-received", "raising-sent"
GONE = frozenset({GONE_RECEIVED, GONE_SENT})
_PENDING = {PENDING_RECEIVED: GONE_RECEIVED, PENDING_SENT: GONE_SENT}
_TRANSIENT = GONE | frozenset(_PENDING)
# ``except`` clauses that take a WebSocketDisconnect (measured: ``except RuntimeError`` or
# ``except OSError`` never sees the first failure, Starlette turns it into the disconnect)
_TAKES_DISCONNECT = frozenset({"WebSocketDisconnect", "Exception", "BaseException"})
# a ``try`` around the send/close that catches its failure on every backend: after a
# failed send it is a WebSocketDisconnected (a RuntimeError), after a received disconnect
# a RuntimeError under uvicorn's websockets backend; ``except WebSocketDisconnect`` alone
# catches only the wsproto/websockets-sansio case
_GUARDS = frozenset({"WebSocketDisconnected", "Exception", "BaseException", "RuntimeError"})

# NL109: the coroutine methods of each framework's websocket (accept is NL102's)
IO_NOT_AWAITED = "io-not-awaited"
_COROUTINE_METHODS = {
    "starlette": frozenset({"send_text", "send_bytes", "send_json", "send", "receive_text",
                            "receive_bytes", "receive_json", "receive", "close",
                            "send_denial_response"}),
    "aiohttp": frozenset({"send_str", "send_bytes", "send_json", "send_frame", "ping", "pong",
                          "receive", "receive_str", "receive_bytes", "receive_json", "close"}),
    "channels": frozenset({"send", "send_json", "close"}),
}

_ALL_KNOWN = (NEW, ACCEPTED, CLOSED)
_ATOM_OF_MEMBER = {"CONNECTING": NEW, "CONNECTED": ACCEPTED, "DISCONNECTED": CLOSED,
                   "RESPONSE": CLOSED}


@dataclass(frozen=True)
class Tracked:
    name: str
    framework: fw.Framework
    owner: bool            # misuses found here are reported here
    initial: Atoms
    param_index: int | None = None


@dataclass(frozen=True)
class Misuse:
    check: str              # one of the checks in frameworks.py
    node: cst.CSTNode       # where the finding goes
    var: str
    method: str             # the websocket method that fails (innermost, through helpers)
    framework: fw.Framework
    via: str | None = None  # the helper called at ``node`` that misuses the websocket
    spawner: str | None = None
    detail: str | None = None  # NL106: "received"/"sent" (how the client went), else None


@dataclass
class _Event:
    kind: str                     # a frameworks kind, or "pass" / "spawn"
    var: int
    call: cst.CSTNode
    method: str = ""
    awaited: bool = True
    discarded: bool = False
    target: Target | None = None   # pass/spawn: the local function it reaches
    param: int | None = None
    neutral: bool = False
    wrapper: bool = False
    spawner: str | None = None
    bindings: tuple = ()


@dataclass
class Summary:
    """What a helper does to the websocket in one parameter, per entry atom; with the
    exits split by the truth of the returned value (``if not await try_accept(ws)``)."""

    exits: dict[str, Atoms]
    misuses: dict[str, tuple[Misuse, ...]]
    uses: bool
    exits_true: dict[str, Atoms] = field(default_factory=dict)
    exits_false: dict[str, Atoms] = field(default_factory=dict)

    def apply(self, atoms: Atoms, truth: bool | None = None) -> Atoms:
        table = self.exits if truth is None else (self.exits_true if truth else self.exits_false)
        out: set[str] = set()
        for atom in atoms:
            out |= {atom} if atom in (UNKNOWN, FAILED) else table.get(atom, {UNKNOWN})
        return frozenset(out)

    def needs_accepted(self) -> bool:
        return any(m.check == fw.USE_BEFORE_ACCEPT for m in self.misuses.get(NEW, ()))


OPAQUE = Summary({a: frozenset({UNKNOWN}) for a in _ALL_KNOWN}, {a: () for a in _ALL_KNOWN}, True,
                 {a: frozenset({UNKNOWN}) for a in _ALL_KNOWN},
                 {a: frozenset({UNKNOWN}) for a in _ALL_KNOWN})
_SUMMARY_CHECKS = frozenset({fw.USE_BEFORE_ACCEPT, fw.USE_AFTER_CLOSE, fw.DOUBLE_ACCEPT, fw.HANDOFF})


class WebSocketAnalysis:
    """Per module: finds websockets, summarises helpers, reports misuses."""

    def __init__(self, index: ModuleIndex, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.ws_types = fw.WEBSOCKET_TYPES | frozenset(settings.websocket_types)
        self._ws_type_tails = {t.rsplit(".", 1)[-1] for t in settings.websocket_types}
        self._wrappers = frozenset(settings.accept_wrappers)
        self._wrapper_tails = {w.rsplit(".", 1)[-1] for w in settings.accept_wrappers}
        self._cfgs: dict[int, CFG] = {}
        self._events: dict[tuple[int, tuple[str, ...]], dict[int, list[_Event]]] = {}
        self._types: dict[int, LocalTypes] = {}
        self._tracked: dict[int, list[Tracked]] = {}
        self._summaries: dict[tuple[int, int], Summary] = {}
        self._in_progress: set[tuple[int, int]] = set()
        self._endpoint_classes = {name for name, cls in index.classes.items()
                                  if self._inherits(cls, fw.WEBSOCKET_ENDPOINTS)}
        self._called = _called_names(index)
        self._managed_classes = {name for name, cls in index.classes.items()
                                 if self._inherits(cls, fw.MANAGED_BASES)}
        self._channels = {}
        for name, cls in index.classes.items():
            if self._inherits(cls, fw.CHANNELS_ASYNC_CONSUMERS):
                self._channels[name] = fw.CHANNELS_ASYNC
            elif self._inherits(cls, fw.CHANNELS_SYNC_CONSUMERS):
                self._channels[name] = fw.CHANNELS_SYNC

    # -- what is a websocket ----------------------------------------------------
    def _inherits(self, cls: ClassInfo, targets: frozenset[str], depth: int = 0) -> bool:
        tails = {t.rsplit(".", 1)[-1] for t in targets}
        for base in cls.bases:
            if base in targets:
                return True
            local = self.index.classes.get(base)
            if local is None and base.rsplit(".", 1)[-1] in tails and "." not in base:
                return True  # star-imported or unresolvable bare name
            if local is not None and local is not cls and depth < 10 and self._inherits(local, targets, depth + 1):
                return True
        return False

    def is_websocket_annotation(self, annotation: cst.BaseExpression | None) -> bool:
        return self.framework_of_annotation(annotation) is not None

    def framework_of_annotation(self, annotation: cst.BaseExpression | None) -> fw.Framework | None:
        """The framework whose server websocket ``annotation`` names, or None."""
        if annotation is None:
            return None
        name = dotted(_unquote(annotation))
        if not name:
            return None
        resolved = self.index.resolve(name)
        other = fw.FRAMEWORK_OF_TYPE.get(resolved)
        if other is not None:
            return other
        if resolved in self.ws_types or name in self.ws_types:
            return fw.STARLETTE
        tail = resolved.rsplit(".", 1)[-1]
        if tail in self._ws_type_tails:
            return fw.STARLETTE
        # ``WebSocket`` neither imported nor defined here: a star import or a forgotten one
        if name == "WebSocket" and name not in self.index.aliases and name not in self.index.classes:
            return fw.STARLETTE
        return None

    def tracked(self, info: FunctionInfo) -> list[Tracked]:
        """The websockets of one function (computed once)."""
        key = id(info.node)
        found = self._tracked.get(key)
        if found is None:
            found = self._tracked[key] = self._after_disconnect_tracked(info, self._find_tracked(info))
        return found

    def _after_disconnect_tracked(self, info: FunctionInfo, found: list[Tracked]) -> list[Tracked]:
        """NL106's additions: ``on_disconnect`` of a WebSocketEndpoint runs after Starlette
        received the client's disconnect (or after ``on_receive`` raised), and a websocket
        held in an attribute (``self.websocket``) is tracked through it."""
        if info.cls is not None and info.name == "on_disconnect" and info.cls.name in self._endpoint_classes:
            found = [Tracked(t.name, t.framework, t.owner, frozenset({ACCEPTED, GONE_RECEIVED}), t.param_index)
                     if t.param_index == 1 else t for t in found]
        if info.cls is not None and info.is_method and info.cls.name not in self._channels:
            params = parameters(info.node)
            if params:
                me = params[0].name.value
                for attr in sorted(self._websocket_attributes(info.cls)):
                    name = f"{me}.{attr}"
                    if all(t.name != name for t in found):
                        found.append(Tracked(name, fw.STARLETTE, False, frozenset({UNKNOWN})))
        return found

    def _websocket_attributes(self, cls: ClassInfo) -> set[str]:
        """Attributes of ``cls`` that hold a server websocket: ``self.x = websocket`` in a
        method whose parameter ``websocket`` is annotated as one, or ``x: WebSocket``."""
        found = getattr(self, "_ws_attrs", None)
        if found is None:
            found = self._ws_attrs = {}
        key = id(cls.node)
        if key in found:
            return found[key]
        attrs: set[str] = set()
        for statement in cls.node.body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if (isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)
                            and self.is_websocket_annotation(small.annotation.annotation)):
                        attrs.add(small.target.value)
        for method in cls.methods.values():
            params = parameters(method.node)
            if not params or not method.is_method:
                continue
            me = params[0].name.value
            sockets = {p.name.value for p in params[1:] if p.annotation is not None
                       and self.is_websocket_annotation(p.annotation.annotation)}
            for node in find(method.node.body, (cst.Assign, cst.AnnAssign)):
                targets = ([t.target for t in node.targets] if isinstance(node, cst.Assign)
                           else [node.target])
                value = node.value
                for target in targets:
                    if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
                            and target.value.value == me):
                        continue
                    if isinstance(value, cst.Name) and value.value in sockets:
                        attrs.add(target.attr.value)
                    elif isinstance(node, cst.AnnAssign) and self.is_websocket_annotation(
                            node.annotation.annotation):
                        attrs.add(target.attr.value)
        found[key] = attrs
        return attrs

    def _find_tracked(self, info: FunctionInfo) -> list[Tracked]:
        node = info.node
        params = parameters(node)
        found: list[Tracked] = []
        cls_name = info.cls.name if info.cls else None
        route = self.index.route_style(info)
        if route == "managed" or cls_name in self._managed_classes:
            return found  # the framework accepts, receives and closes for the handler
        route_framework = fw.FRAMEWORK_OF_ROUTE.get(route or "")
        endpoint = cls_name in self._endpoint_classes
        # A function that accepts its websocket parameter and that nothing in this module
        # calls is an entry point (its route is registered elsewhere); one that is called
        # here is a helper, judged at its call sites through its summary.
        accepted_here = set() if info.name in self._called else self._accepted_names(info)
        for i, param in enumerate(params):
            name = param.name.value
            if i == 0 and info.is_method:
                if cls_name in self._channels:
                    initial = NEW if info.name in fw.CHANNELS_CONNECT_METHODS else ACCEPTED
                    found.append(Tracked(name, self._channels[cls_name], True, frozenset({initial}), i))
                continue
            framework = (self.framework_of_annotation(param.annotation.annotation)
                         if param.annotation is not None else None)
            annotated = framework is not None
            first = i == (1 if info.is_method else 0)
            if endpoint and first and info.name in ("on_connect", "on_receive", "on_disconnect"):
                initial = NEW if info.name == "on_connect" else ACCEPTED
                found.append(Tracked(name, fw.STARLETTE, True, frozenset({initial}), i))
            elif route_framework is not None and (annotated or name == "socket"):
                # a Litestar handler's websocket is its ``socket`` parameter
                found.append(Tracked(name, route_framework, True, frozenset({NEW}), i))
            elif annotated or (route == "starlette" and first) or (
                    route == "fastapi" and first and param.annotation is None
                    and name in ("websocket", "ws")):
                owner = route is not None or name in accepted_here
                found.append(Tracked(name, framework or fw.STARLETTE, owner,
                                     frozenset({NEW if owner else UNKNOWN}), i))
        for name, framework in self._constructed(info):
            if all(t.name != name for t in found):
                found.append(Tracked(name, framework, True, frozenset()))
        return found

    def _accepted_names(self, info: FunctionInfo) -> set[str]:
        """Names on which this function itself awaits an accept (it owns the handshake)."""
        names = set()
        for call in _iter_calls(info.node.body):
            func = call.func
            if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                    and func.attr.value in ("accept", "prepare")):
                names.add(func.value.value)
        return names

    def _constructed(self, info: FunctionInfo) -> list[tuple[str, fw.Framework]]:
        out = []
        for assign in _iter_assigns(info.node.body):
            if not isinstance(assign.value, cst.Call):
                continue
            name = dotted(assign.value.func)
            resolved = self.index.resolve(name)
            framework = fw.WEBSOCKET_CONSTRUCTORS.get(resolved)
            if framework is None and resolved in self.settings.websocket_types:
                framework = fw.STARLETTE
            if framework is None:
                continue
            for target in assign.targets:
                if isinstance(target.target, cst.Name):
                    out.append((target.target.value, framework))
        return out

    # -- analysis -----------------------------------------------------------------
    def cfg(self, info: FunctionInfo) -> CFG:
        key = id(info.node)
        graph = self._cfgs.get(key)
        if graph is None:
            graph = self._cfgs[key] = CFG.of_function(info.node)
        return graph

    def misuses(self, info: FunctionInfo) -> list[Misuse]:
        """The misuses to report in ``info`` itself."""
        tracked = self.tracked(info)
        if not tracked:
            return []
        found = self._run(info, tracked)
        seen = set()
        out = []
        for misuse in found:
            var = next(t for t in tracked if t.name == misuse.var)
            local = misuse.check in (fw.NOT_AWAITED, fw.SEND_AFTER_DISCONNECT, IO_NOT_AWAITED)
            if not (var.owner or local):
                continue
            key = (misuse.check, id(misuse.node), misuse.var)
            if key not in seen:
                seen.add(key)
                out.append(misuse)
        return out

    def summary(self, info: FunctionInfo, param: int, bindings: tuple = ()) -> Summary:
        """``bindings``: (parameter name, truthiness) of literal arguments at the call."""
        if is_external(info):
            from .facts import ws_summary

            return ws_summary(self.index, info, param)
        key = (id(info.node), param, bindings)
        cached = self._summaries.get(key)
        if cached is not None:
            return cached
        if key in self._in_progress:
            return OPAQUE  # recursion: what a recursive call does is not known yet
        self._in_progress.add(key)
        try:
            params = parameters(info.node)
            name = params[param].name.value
            base = [t for t in self.tracked(info) if t.name != name]
            base = [Tracked(t.name, t.framework, False, frozenset({UNKNOWN}) if t.initial else t.initial)
                    for t in base]
            exits: dict[str, Atoms] = {}
            misuses: dict[str, tuple[Misuse, ...]] = {}
            uses = False
            exits_true: dict[str, Atoms] = {}
            exits_false: dict[str, Atoms] = {}
            graph = self.cfg(info)
            split = not _has_finally(info.node)
            framework = next((t.framework for t in self.tracked(info) if t.name == name), fw.STARLETTE)
            for atom in _ALL_KNOWN:
                me = Tracked(name, framework, True, frozenset({atom}), param)
                found: list[Misuse] = []
                flow = _Lifecycle(self, info, [me, *base], found, dict(bindings))
                states = flow.solve(graph, flow.initial())
                flow.replay(graph, states)
                exit_state = states[graph.exit]
                exits[atom] = exit_state[0] if exit_state is not None else frozenset()
                if split:
                    exits_true[atom], exits_false[atom] = _split_exits(flow, graph, states)
                else:
                    exits_true[atom] = exits_false[atom] = exits[atom]
                firsts: dict[str, Misuse] = {}
                for misuse in found:
                    if misuse.var == name and misuse.check in _SUMMARY_CHECKS:
                        firsts.setdefault(misuse.check, misuse)
                misuses[atom] = tuple(firsts.values())
            events = self.node_events(info, [Tracked(name, fw.STARLETTE, True, frozenset(), param)])
            uses = any(e.var == 0 and e.kind not in (fw.OTHER,) and not e.neutral
                       for evs in events.values() for e in evs)
            summary = Summary(exits, misuses, uses, exits_true, exits_false)
        finally:
            self._in_progress.discard(key)
        self._summaries[key] = summary
        return summary

    def _run(self, info: FunctionInfo, tracked: list[Tracked]) -> list[Misuse]:
        found: list[Misuse] = []
        self._solve(info, tracked, found)
        return found

    def _solve(self, info: FunctionInfo, tracked: list[Tracked], sink: list[Misuse]) -> list:
        graph = self.cfg(info)
        flow = _Lifecycle(self, info, tracked, sink)
        states = flow.solve(graph, flow.initial())
        flow.replay(graph, states)
        return states

    def types(self, info: FunctionInfo) -> LocalTypes:
        key = id(info.node)
        found = self._types.get(key)
        if found is None:
            found = self._types[key] = LocalTypes(self.index, info)
        return found

    def node_events(self, info: FunctionInfo, tracked: list[Tracked]) -> dict[int, list[_Event]]:
        """The lifecycle events of every CFG node, for these websockets (computed once)."""
        key = (id(info.node), tuple((t.name, t.framework.name) for t in tracked))
        cached = self._events.get(key)
        if cached is None:
            cached = self._events[key] = _EventExtractor(self, info, tracked).extract(self.cfg(info))
        return cached

    def is_wrapper(self, call: cst.Call) -> bool:
        name = dotted(call.func)
        if not name:
            return False
        return name in self._wrappers or self.index.resolve(name) in self._wrappers or (
            name.rsplit(".", 1)[-1] in self._wrapper_tails)


class _EventExtractor:
    """Turns each CFG node's calls into lifecycle events, once per function."""

    def __init__(self, analysis: WebSocketAnalysis, info: FunctionInfo, tracked: list[Tracked]) -> None:
        self.analysis = analysis
        self.info = info
        self.tracked = tracked
        self.names = {t.name: i for i, t in enumerate(tracked)}
        # ``conn = websocket``: the alias is the same websocket (bound once, to it alone)
        bound: dict[str, list[cst.BaseExpression]] = {}
        for assign in _iter_assigns(info.node.body):
            for target in assign.targets:
                if isinstance(target.target, cst.Name):
                    bound.setdefault(target.target.value, []).append(assign.value)
        for alias, values in bound.items():
            if (alias not in self.names and len(values) == 1 and isinstance(values[0], cst.Name)
                    and values[0].value in self.names):
                self.names[alias] = self.names[values[0].value]

    def extract(self, graph: CFG) -> dict[int, list[_Event]]:
        events: dict[int, list[_Event]] = {}
        entry_events = self._dependencies()
        if entry_events:
            events[graph.entry] = entry_events
        for node in graph.nodes:
            found = self._node(node)
            if found:
                events[node.index] = found
        return events

    def _var(self, expr: cst.BaseExpression | None) -> int | None:
        if isinstance(expr, cst.Name):
            return self.names.get(expr.value)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            return self.names.get(f"{expr.value.value}.{expr.attr.value}")  # self.websocket
        return None

    def _node(self, node: Node) -> list[_Event]:
        out: list[_Event] = []
        if node.kind == NEXT and isinstance(node.cst, cst.For) and node.cst.asynchronous is not None:
            var = self._var(node.cst.iter)
            if var is not None:
                out.append(_Event(fw.RECEIVE, var, node.cst.iter, method="async for"))
            return out
        if not node.calls:
            return out
        consumed: set[int] = set()
        for call in node.calls:
            self._spawn(call, node, out, consumed)
        for call in node.calls:
            if id(call) in consumed:
                continue
            func = call.func
            var = self._var(func.value) if isinstance(func, cst.Attribute) else None
            if var is not None:
                method = func.attr.value
                out.append(_Event(self._kind(var, method, call), var, call, method,
                                  awaited=id(call) in node.awaited,
                                  discarded=id(call) in node.discarded))
                continue
            accepting = self._accept_passed(call)
            if accepting is not None:
                # ``breaker.call(websocket.accept, subprotocol=...)``: the callee accepts
                out.append(_Event(fw.ACCEPT, accepting, call, "accept"))
                continue
            for position, keyword, arg_var in self._ws_args(call):
                out.append(self._pass(call, node, arg_var, position, keyword))
        # keep a spawn's position: after the calls evaluated before it
        out.sort(key=lambda e: _order(node.calls, e.call))
        return out

    def _accept_passed(self, call: cst.Call) -> int | None:
        """The websocket whose bound ``accept`` method is passed to ``call`` as a callable."""
        for arg in call.args:
            value = arg.value
            if isinstance(value, cst.Attribute) and not arg.star:
                var = self._var(value.value)
                if var is not None and self._framework(var).kind(value.attr.value) == fw.ACCEPT:
                    return var
        return None

    def _kind(self, var: int, method: str, call: cst.Call) -> str:
        framework = self._framework(var)
        kind = framework.kind(method)
        if kind == fw.RAW_SEND:
            return _raw_send_kind(call)
        return kind

    def _framework(self, var: int) -> fw.Framework:
        return self.tracked[var].framework

    def _ws_args(self, call: cst.Call) -> Iterable[tuple[int | None, str | None, int]]:
        for position, keyword, value in _ArgsOf(call, skip=0):
            var = self._var(value)
            if var is not None:
                yield position, keyword, var

    def _pass(self, call: cst.Call, node: Node, var: int, position: int | None,
              keyword: str | None) -> _Event:
        event = _Event("pass", var, call, method=dotted(call.func) or "a call",
                       awaited=id(call) in node.awaited, discarded=id(call) in node.discarded)
        name = call_name(call)
        if self.analysis.is_wrapper(call):
            event.wrapper = True
        elif name in fw.NEUTRAL_CALLS:
            event.neutral = True
        else:
            target = self.analysis.types(self.info).resolve_any(call)
            if target is not None:
                event.target = target
                event.param = bind_argument(target, call, position, keyword)
                event.bindings = _literal_bindings(target, call, 0)
        return event

    def _spawn(self, call: cst.Call, node: Node, out: list[_Event], consumed: set[int]) -> None:
        name = call_name(call)
        style = fw.SPAWNERS.get(name or "")
        if style is None or not call.args:
            return
        if style == "call":
            inner = call.args[0].value
            if not isinstance(inner, cst.Call):
                return
            args = _ArgsOf(inner, skip=0)
            func_call = inner
        else:
            func = call.args[0].value
            args = _ArgsOf(call, skip=1)
            func_call = cst.Call(func=func, args=list(call.args[1:]))
        for position, keyword, value in args:
            var = self._var(value)
            if var is None:
                continue
            target = self.analysis.types(self.info).resolve_any(func_call)
            event = _Event("spawn", var, call, method=dotted(func_call.func) or "a task",
                           spawner=name)
            if target is not None:
                event.target = target
                event.param = bind_argument(target, func_call, position, keyword)
                event.bindings = _literal_bindings(target, func_call, 0)
            out.append(event)
            if style == "call":
                consumed.add(id(inner))

    def _dependencies(self) -> list[_Event]:
        """FastAPI ``Depends(fn)`` parameters run ``fn`` with the websocket before the body."""
        if self.analysis.index.route_style(self.info) is None:
            return []
        out = []
        for param in parameters(self.info.node):
            dep = depends_target(param)
            if dep is None:
                continue
            target_fn = self.analysis.index.functions.get(dotted(dep.args[0].value) or "") if dep.args else None
            if target_fn is None:
                out.extend(self._project_dependency(dep))
                continue
            for i, dep_param in enumerate(parameters(target_fn.node)):
                if dep_param.annotation is not None and self.analysis.is_websocket_annotation(
                        dep_param.annotation.annotation):
                    for name, var in self.names.items():
                        event = _Event("pass", var, dep, method=target_fn.name,
                                       target=Target(target_fn, False), param=i)
                        out.append(event)
                    break
        return out


    def _project_dependency(self, dep: cst.Call) -> list[_Event]:
        """A ``Depends(fn)`` whose ``fn`` is imported from another project module."""
        index = self.analysis.index
        name = dotted(dep.args[0].value) if dep.args else None
        if index.project is None or not name:
            return []
        found = index.project.resolve_in(index.module_name, name)
        if found is None or found[0] != "function":
            return []
        function = found[1]
        param = index.project.websocket_parameter(function)
        if param is None:
            return []
        return [_Event("pass", var, dep, method=function.name, target=Target(function, False),
                       param=param) for var in self.names.values()]


class _ArgsOf:
    def __init__(self, call: cst.Call, skip: int) -> None:
        self.call = call
        self.skip = skip

    def __iter__(self):
        position = 0
        for arg in self.call.args[self.skip:]:
            if arg.star:
                return
            keyword = arg.keyword.value if arg.keyword is not None else None
            yield (None if keyword else position, keyword, arg.value)
            if keyword is None:
                position += 1


def _order(calls: list[cst.Call], call: cst.CSTNode) -> int:
    for i, c in enumerate(calls):
        if c is call:
            return i
    return -1


def _raw_send_kind(call: cst.Call) -> str:
    """``ws.send({"type": ...})``: what the message does, from its literal type."""
    if not call.args or not isinstance(call.args[0].value, cst.Dict):
        return fw.OTHER
    for element in call.args[0].value.elements:
        if isinstance(element, cst.DictElement) and string_value(element.key) == "type":
            kind = string_value(element.value)
            if kind == "websocket.accept":
                return fw.ACCEPT
            if kind == "websocket.close":
                return fw.CLOSE
            if kind and kind.startswith("websocket.http.response"):
                return fw.DENY
            if kind == "websocket.send":
                return fw.SEND
    return fw.OTHER


_CLOSED_ERRORS = frozenset({"Exception", "BaseException", "RuntimeError"})


def _caught_here(node: Node, framework: fw.Framework) -> bool:
    """The call at ``node`` is the one statement of a ``try`` whose handler catches what a
    use of a closed websocket raises (``try: await ws.close() except Exception: pass``):
    a deliberate "if still open". A ``try`` around more (the whole receive loop) is not."""
    if not node.tries:
        return False
    statement = node.tries[-1]
    if len(statement.body.body) != 1 or not isinstance(statement.body.body[0], cst.SimpleStatementLine):
        return False
    errors = _CLOSED_ERRORS | framework.disconnect_exceptions
    for handler in statement.handlers:
        names = caught_names(handler)
        if names is None or any(n in errors for n in names):
            return True
    return False


def _catches_disconnect(handler: cst.ExceptHandler) -> bool:
    """An ``except`` that names WebSocketDisconnect: inside it the client is gone."""
    return any(n in fw.DISCONNECT_EXCEPTIONS for n in caught_names(handler) or ())


class _Lifecycle(Dataflow[State]):
    """State: one Atoms per tracked websocket, then a branch slot: None, or the states
    for the two outcomes of the last test when it was a call of a summarised helper."""

    def __init__(self, analysis: WebSocketAnalysis, info: FunctionInfo,
                 tracked: list[Tracked], sink: list[Misuse], bindings: dict | None = None) -> None:
        self.analysis = analysis
        self.info = info
        self.tracked = tracked
        self.sink = sink
        self.bindings = bindings or {}
        self._branch: tuple | None = None
        self.events = analysis.node_events(info, tracked)
        self.created = self._creations(analysis, info)
        self.rebound = self._rebindings(analysis, info)

    def _creations(self, analysis: WebSocketAnalysis, info: FunctionInfo) -> dict[int, list[int]]:
        """Nodes that assign a freshly constructed websocket: node -> tracked indexes."""
        names = {t.name: i for i, t in enumerate(self.tracked) if not t.initial}
        if not names:
            return {}
        out: dict[int, list[int]] = {}
        for node in analysis.cfg(info).nodes:
            if node.kind == STMT and isinstance(node.cst, cst.Assign) and isinstance(node.cst.value, cst.Call):
                for target in node.cst.targets:
                    if isinstance(target.target, cst.Name) and target.target.value in names:
                        out.setdefault(node.index, []).append(names[target.target.value])
        return out

    def _rebindings(self, analysis: WebSocketAnalysis, info: FunctionInfo) -> dict[int, list[int]]:
        """Nodes that rebind a tracked websocket's name to what a call returned
        (``websocket = await accept_or_close(websocket)`` then ``if not websocket: return``):
        the name may now hold None or another object, so its state is no longer known."""
        names = {t.name: i for i, t in enumerate(self.tracked) if t.initial}
        if not names:
            return {}
        out: dict[int, list[int]] = {}
        for node in analysis.cfg(info).nodes:
            small = node.cst
            if node.kind != STMT or not isinstance(small, (cst.Assign, cst.AnnAssign)):
                continue
            value = small.value.expression if isinstance(small.value, cst.Await) else small.value
            if not isinstance(value, cst.Call):
                continue
            targets = ([t.target for t in small.targets] if isinstance(small, cst.Assign)
                       else [small.target])
            for target in targets:
                if isinstance(target, cst.Name) and target.value in names:
                    out.setdefault(node.index, []).append(names[target.value])
        return out

    def initial(self) -> State:
        return tuple(t.initial for t in self.tracked) + (None,)

    def join(self, left: State, right: State) -> State:
        branch = left[-1] if left[-1] == right[-1] else None
        return tuple(a | b for a, b in zip(left[:-1], right[:-1])) + (branch,)

    def transfer(self, node: Node, state: State, report: bool) -> State | None:
        if node.kind == ASSUME:
            return self._assume_node(node, state)
        state = state[:-1] + (None,)
        if node.kind == HANDLER:
            state = self._enter_handler(node, state)
        elif node.kind == JOIN and isinstance(node.cst, cst.With):
            state = self._enter_handler(node, state)  # after ``with suppress(...)``
        events = self.events.get(node.index)
        self._branch = None
        if events:
            current = list(state)
            for event in events:
                if not self._event(event, node, current, report):
                    return None
            state = tuple(current)
        created = self.created.get(node.index)
        if created:
            current = list(state)
            for var in created:
                current[var] = frozenset({NEW})
            state = tuple(current)
        rebound = self.rebound.get(node.index)
        if rebound:
            current = list(state)
            for var in rebound:
                if current[var]:
                    current[var] = frozenset({UNKNOWN})
            state = tuple(current)
        if self._branch is not None and node.kind == TEST:
            call, var, when_true, when_false = self._branch
            true_state = state[:var] + (when_true,) + state[var + 1:-1]
            false_state = state[:var] + (when_false,) + state[var + 1:-1]
            state = state[:-1] + ((id(call), true_state, false_state),)
        return state

    # -- after the client has gone (NL106) -------------------------------------------
    def exceptional(self, node: Node, state: State) -> State:
        """Along the exceptional edge of a send/receive (or a helper that lets its
        disconnect escape), the websocket may be the one whose client has gone."""
        events = self.events.get(node.index)
        if not events or state is None:
            return state
        current = None
        for event in events:
            pending = self._raising(event)
            atoms = state[event.var]
            if pending is None or not (atoms & _LIVE):
                continue
            if current is None:
                current = list(state)
            current[event.var] = current[event.var] | {pending}
        return state if current is None else tuple(current)

    def _raising(self, event: _Event) -> str | None:
        if event.kind == fw.RECEIVE:
            return PENDING_RECEIVED
        if event.kind == fw.SEND:
            return PENDING_SENT if event.awaited or event.method == "async for" else None
        if (event.kind == "pass" and event.awaited and event.target is not None
                and event.param is not None and self.tracked[event.var].framework is fw.STARLETTE
                and gone_effects(self.analysis).raises_disconnect(event.target.function, event.param)):
            return PENDING_RECEIVED  # which way the helper's client went is not known
        return None

    def _enter_handler(self, node: Node, state: State) -> State:
        """Pending disconnects become ``gone`` in the clause that takes them."""
        if not any(atoms & _PENDING.keys() for atoms in state[:-1] if atoms):
            return state
        takes = (_suppresses_disconnect(node.cst) if isinstance(node.cst, cst.With)
                 else _takes_disconnect(self.analysis, self.info, node.cst))
        out = []
        for atoms in state[:-1]:
            if atoms and atoms & _PENDING.keys():
                kept = atoms - _PENDING.keys()
                if takes:
                    kept |= {_PENDING[a] for a in atoms & _PENDING.keys()}
                atoms = kept
            out.append(atoms)
        return tuple(out) + (state[-1],)

    def _not_awaited(self, event: _Event, var: Tracked) -> bool:
        """NL109: a coroutine method of the websocket whose coroutine is dropped (an
        expression statement without ``await``), or any such call in a websocket route
        written as a plain ``def``."""
        if event.awaited or event.kind in ("pass", "spawn", fw.ACCEPT):
            return False
        if event.method not in _COROUTINE_METHODS.get(var.framework.name, ()):
            return False
        if not self.info.is_async:
            return self.analysis.index.route_style(self.info) is not None
        return event.discarded

    def _after_gone(self, report: bool, event: _Event, var: Tracked, atoms: Atoms) -> None:
        """A send or close on a websocket whose client is gone on some path."""
        gone = atoms & GONE
        if not gone or _guarded(self._node):
            return
        if event.kind == fw.CLOSE and GONE_SENT not in gone and not self.analysis.settings.close_after_received_disconnect:
            return  # websockets-sansio tolerates a close after a received disconnect
        if not event.awaited:
            return  # a dropped coroutine sends nothing (NL109)
        if GONE_RECEIVED not in gone:
            detail = "sent"
        elif GONE_SENT in gone and event.kind == fw.CLOSE:
            detail = "either"  # raises on every backend on the path where a send failed
        else:
            detail = "received"
        self._report(report, fw.SEND_AFTER_DISCONNECT, event, var, detail=detail)

    def _assume_node(self, node: Node, state: State) -> State | None:
        branch = state[-1]
        test, polarity = _strip(node.expr, node.polarity)
        if branch is not None and branch[0] == id(test):
            atoms = branch[1] if polarity else branch[2]
            if any(not a for a, old in zip(atoms, state) if old):
                return None  # the helper never returns this way on these paths
            return atoms + (None,)
        refined = self._assume(node.expr, node.polarity, state[:-1])
        return None if refined is None else refined + (None,)

    # -- events --------------------------------------------------------------------
    def _report(self, report: bool, check: str, event: _Event, var: Tracked,
                method: str | None = None, via: str | None = None, detail: str | None = None) -> None:
        if self._node.expects_raise:
            return  # inside ``with pytest.raises(...)``: the failure is the point
        if report and check in var.framework.checks:
            self.sink.append(Misuse(check, event.call, var.name, method or event.method,
                                    var.framework, via, event.spawner, detail))

    def _event(self, event: _Event, node: Node, current: list, report: bool) -> bool:
        self._node = node
        var = self.tracked[event.var]
        atoms: Atoms = current[event.var]
        known = bool(atoms) and UNKNOWN not in atoms
        in_disconnect = any(_catches_disconnect(h) for h in node.handlers)
        kind = event.kind
        if self._not_awaited(event, var):
            if report and not node.expects_raise and fw.NOT_AWAITED in var.framework.checks:
                self.sink.append(Misuse(IO_NOT_AWAITED, event.call, var.name, event.method,
                                        var.framework, detail="def" if not self.info.is_async else None))
            return True  # a coroutine that is never awaited does nothing
        if kind == fw.ACCEPT:
            if event.discarded and not event.awaited:
                self._report(report, fw.NOT_AWAITED, event, var)
            elif known and CLOSED in atoms:
                self._report(report, fw.USE_AFTER_CLOSE, event, var)
            elif known and ACCEPTED in atoms:
                self._report(report, fw.DOUBLE_ACCEPT, event, var)
            current[event.var] = frozenset({ACCEPTED})
        elif kind in (fw.CLOSE, fw.DENY):
            if in_disconnect and kind == fw.CLOSE and not _guarded(node):
                self._report(report, fw.SEND_AFTER_DISCONNECT, event, var)
            elif kind == fw.CLOSE and atoms & GONE:
                self._after_gone(report, event, var, atoms)
            elif (known and CLOSED in atoms and kind == fw.CLOSE and kind in var.framework.fail_after_close
                  and not _caught_here(node, var.framework)):
                self._report(report, fw.USE_AFTER_CLOSE, event, var)
            current[event.var] = frozenset({CLOSED})
        elif kind in (fw.SEND, fw.RECEIVE):
            if in_disconnect and kind == fw.SEND and not _guarded(node):
                self._report(report, fw.SEND_AFTER_DISCONNECT, event, var)
            elif kind == fw.SEND and atoms & GONE:
                self._after_gone(report, event, var, atoms)
            elif known and NEW in atoms and not var.framework.implicit_accept:
                self._report(report, fw.USE_BEFORE_ACCEPT, event, var)
            elif (known and CLOSED in atoms and kind in var.framework.fail_after_close
                  and not _caught_here(node, var.framework)):
                self._report(report, fw.USE_AFTER_CLOSE, event, var)
            if atoms:
                # Past a use that raises on ``new``/``closed``/``gone`` paths only accepted
                # paths go on; when none did, the finding is made and the variable is no
                # longer tracked.
                implicit = var.framework.implicit_accept
                failing = ({CLOSED} if kind in var.framework.fail_after_close else set()) | (
                    set() if implicit else {NEW}) | GONE
                if event.method == "async for" or event.method.startswith("iter_"):
                    failing.add(CLOSED)  # iterating a closed websocket ends the loop at once
                rest = atoms - failing
                if implicit and NEW in rest:
                    rest = (rest - {NEW}) | {ACCEPTED}  # the first send or receive accepts (Litestar)
                current[event.var] = rest or frozenset({FAILED})
        elif kind == "pass":
            return self._pass(event, var, atoms, known, current, report)
        elif kind == "spawn":
            self._spawn(event, var, atoms, known, current, report)
        return True

    def _pass(self, event: _Event, var: Tracked, atoms: Atoms, known: bool, current: list,
              report: bool) -> bool:
        if event.neutral or not atoms:
            return True
        if event.wrapper:
            current[event.var] = frozenset({ACCEPTED})
            return True
        target = event.target
        if target is None or event.param is None:
            current[event.var] = frozenset({UNKNOWN})
            return True
        if target.function.is_async and event.discarded and not event.awaited:
            return True  # a dropped coroutine never runs
        gone = atoms & GONE
        if gone:
            # the client is gone on some path: what does the helper do to the dead socket?
            effects = gone_effects(self.analysis)
            after_gone: set[str] = set()
            for atom in sorted(gone):
                misuse, exits = effects.after_gone(target.function, event.param, atom, event.bindings)
                if misuse is not None and not _guarded(self._node) and not self._node.expects_raise:
                    self._report(report, fw.SEND_AFTER_DISCONNECT, event, var, misuse.method,
                                 target.function.name, misuse.detail)
                after_gone |= exits
            atoms = atoms - GONE
            if not atoms:
                current[event.var] = frozenset(after_gone) or frozenset({FAILED})
                return True
        else:
            after_gone = set()
        summary = self.analysis.summary(target.function, event.param, event.bindings)
        if node_is_test(event, self._node):
            self._branch = (event.call, event.var, summary.apply(atoms, True) | after_gone,
                            summary.apply(atoms, False) | after_gone)
        if known:
            for atom in atoms:
                for misuse in summary.misuses.get(atom, ()):
                    self._report(report, misuse.check, event, var, misuse.method, target.function.name)
        after = summary.apply(atoms) | after_gone
        if not after:
            return False  # the helper never returns normally on these paths
        current[event.var] = after
        return True

    def _spawn(self, event: _Event, var: Tracked, atoms: Atoms, known: bool, current: list,
               report: bool) -> None:
        target = event.target
        if target is None or event.param is None:
            if atoms:
                current[event.var] = atoms | {UNKNOWN}
            return
        summary = self.analysis.summary(target.function, event.param, event.bindings)
        if known and NEW in atoms and summary.needs_accepted():
            self._report(report, fw.HANDOFF, event, var, event.method)
        if ACCEPTED in summary.exits.get(NEW, frozenset()) or UNKNOWN in summary.exits.get(NEW, frozenset()):
            current[event.var] = atoms | {UNKNOWN}

    # -- conditions ------------------------------------------------------------------
    def _assume(self, test: cst.CSTNode | None, polarity: bool, state: State) -> State | None:
        if not isinstance(test, cst.BaseExpression):
            return state
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self._assume(test.expression, not polarity, state)
        if isinstance(test, cst.BooleanOperation):
            both = isinstance(test.operator, cst.And) == polarity
            if not both:
                return state
            left = self._assume(test.left, polarity, state)
            return None if left is None else self._assume(test.right, polarity, left)
        if isinstance(test, cst.Name) and test.value in self.bindings:
            # a parameter bound to a literal at the call this summary is for
            return state if self.bindings[test.value] == polarity else None
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            return self._compare(test, polarity, state)
        if isinstance(test, cst.Await):
            test = test.expression
        if isinstance(test, cst.Call) and polarity:
            for arg in test.args:
                if isinstance(arg.value, (cst.Name, cst.Attribute)):
                    for i, t in enumerate(self.tracked):
                        if t.name == dotted(arg.value) and state[i]:
                            # a predicate on the websocket (``is_connected(ws)``) that we
                            # cannot see into: whatever it tested, stop judging this path
                            state = state[:i] + (frozenset({UNKNOWN}),) + state[i + 1:]
        return state

    def _compare(self, test: cst.Comparison, polarity: bool, state: State) -> State | None:
        target = test.comparisons[0]
        operator = target.operator
        if isinstance(operator, (cst.Equal, cst.Is)):
            equal = polarity
        elif isinstance(operator, (cst.NotEqual, cst.IsNot)):
            equal = not polarity
        else:
            return state
        for side, other in ((test.left, target.comparator), (target.comparator, test.left)):
            if (isinstance(side, cst.Attribute) and side.attr.value in ("application_state", "client_state")
                    and isinstance(side.value, (cst.Name, cst.Attribute)) and isinstance(other, cst.Attribute)
                    and other.attr.value in _ATOM_OF_MEMBER):
                for i, t in enumerate(self.tracked):
                    if t.name != dotted(side.value) or not state[i]:
                        continue
                    atom = _ATOM_OF_MEMBER[other.attr.value]
                    atoms = state[i]
                    if atoms & _TRANSIENT:
                        # the path checks the socket after the failure: it proves what it
                        # proves, and NL106 stops judging this path
                        atoms = (atoms - _TRANSIENT) | {UNKNOWN}
                    if equal:
                        if atom not in atoms and UNKNOWN not in atoms:
                            return None
                        new = frozenset({atom})
                    else:
                        new = atoms - {atom}
                        if not new:
                            return None
                    state = state[:i] + (new,) + state[i + 1:]
        return state


_FALSY = ("False", "None")
_LIVE = frozenset({ACCEPTED, UNKNOWN}) | GONE


def _suppresses_disconnect(statement: cst.With) -> bool:
    """``with contextlib.suppress(WebSocketDisconnect, ...)``: the body's disconnect is
    swallowed there and the code after the ``with`` runs with the client gone."""
    for item in statement.items:
        call = item.item
        if isinstance(call, cst.Call) and (dotted(call.func) or "").rsplit(".", 1)[-1] == "suppress":
            for arg in call.args:
                name = (dotted(arg.value) or "").rsplit(".", 1)[-1]
                if name in _TAKES_DISCONNECT:
                    return True
    return False


def _takes_disconnect(analysis: "WebSocketAnalysis", info: FunctionInfo,
                      handler: cst.ExceptHandler) -> bool:
    """Is ``handler`` the clause of its ``try`` that a WebSocketDisconnect lands in?"""
    takes_cache = getattr(analysis, "_takes_cache", None)
    if takes_cache is None:
        takes_cache = analysis._takes_cache = {}
    cache = takes_cache.setdefault(id(info.node), {})
    if not cache:
        for statement in find(info.node.body, (cst.Try, cst.TryStar)):
            taken = False
            for clause in statement.handlers:
                names = caught_names(clause)
                takes = names is None or any(n in _TAKES_DISCONNECT for n in names)
                cache[id(clause)] = takes and not taken
                taken = taken or takes
        cache[0] = False
    return cache.get(id(handler), False)


def _guarded(node: Node) -> bool:
    """The call is itself inside a ``try`` whose handlers catch its failure, or a
    ``with suppress(...)`` of it."""
    for statement in node.tries:
        for clause in statement.handlers:
            names = caught_names(clause)
            if names is None or any(n in _GUARDS for n in names):
                return True
    for statement in node.withs:
        for item in statement.items:
            call = item.item
            if isinstance(call, cst.Call) and (dotted(call.func) or "").rsplit(".", 1)[-1] == "suppress" and any(
                    (dotted(arg.value) or "").rsplit(".", 1)[-1] in _GUARDS for arg in call.args):
                return True
    return False


class GoneEffects:
    """What a helper does to a websocket whose client is gone (NL106 through helpers):
    the first send/close it makes on it, and the atoms it leaves. The one place callers
    ask this, so that project mode can answer it across modules."""

    def __init__(self, analysis: "WebSocketAnalysis") -> None:
        self.analysis = analysis
        self._cache: dict[tuple, tuple[Misuse | None, frozenset]] = {}
        self._disconnects = None

    def raises_disconnect(self, info: FunctionInfo, param: int) -> bool:
        if self._disconnects is None:
            from .disconnects import DisconnectAnalysis
            self._disconnects = DisconnectAnalysis(self.analysis)
        return self._disconnects.raises_disconnect(info, param)  # answers external ones too

    def after_gone(self, info: FunctionInfo, param: int, atom: str,
                   bindings: tuple = ()) -> tuple[Misuse | None, frozenset]:
        if is_external(info):  # a helper in another module: its project fact
            from .facts import after_gone

            return after_gone(self.analysis.index, info, param, atom)
        key = (id(info.node), param, atom, bindings)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        self._cache[key] = (None, frozenset({UNKNOWN}))  # recursion: not known yet
        params = parameters(info.node)
        if param >= len(params):
            return None, frozenset({UNKNOWN})
        name = params[param].name.value
        others = [Tracked(t.name, t.framework, False, frozenset({UNKNOWN}) if t.initial else t.initial)
                  for t in self.analysis.tracked(info) if t.name != name]
        me = Tracked(name, fw.STARLETTE, False, frozenset({atom}), param)
        found: list[Misuse] = []
        flow = _Lifecycle(self.analysis, info, [me, *others], found, dict(bindings))
        graph = self.analysis.cfg(info)
        states = flow.solve(graph, flow.initial())
        flow.replay(graph, states)
        first = next((m for m in found if m.var == name and m.check == fw.SEND_AFTER_DISCONNECT), None)
        exit_state = states[graph.exit]
        exits = exit_state[0] if exit_state is not None else frozenset()
        result = (first, frozenset(exits))
        self._cache[key] = result
        return result


def gone_effects(analysis: "WebSocketAnalysis") -> GoneEffects:
    effects = getattr(analysis, "_gone_effects", None)
    if effects is None:
        effects = analysis._gone_effects = GoneEffects(analysis)
    return effects


def _truth_of(value: cst.BaseExpression | None) -> bool | None:
    """The truth of a returned literal; None when it is not a literal."""
    if value is None:
        return False
    if isinstance(value, cst.Name) and value.value in ("True", "False", "None"):
        return value.value == "True"
    if isinstance(value, cst.Integer):
        return value.value not in ("0",)
    if isinstance(value, cst.SimpleString):
        return len(value.evaluated_value or "") > 0 if isinstance(value.evaluated_value, str) else None
    return None


def _split_exits(flow: "_Lifecycle", graph: CFG, states: list) -> tuple[Atoms, Atoms]:
    """The websocket's exit atoms when the helper returns something truthy / falsy."""
    truthy: set[str] = set()
    falsy: set[str] = set()
    for node in graph.nodes:
        if graph.exit not in node.succ or states[node.index] is None:
            continue
        out = flow.transfer(node, states[node.index], False)
        if out is None:
            continue
        value = node.cst.value if node.kind == RETURN else None
        truth = _truth_of(value)
        if truth is None:
            # ``return ws.application_state == WebSocketState.CONNECTED``: the returned
            # condition refines the state as an ``if`` on it would
            for polarity, bucket in ((True, truthy), (False, falsy)):
                refined = flow._assume(value, polarity, out[:-1])
                if refined is not None:
                    bucket |= refined[0]
        elif truth:
            truthy |= out[0]
        else:
            falsy |= out[0]
    return frozenset(truthy), frozenset(falsy)


def _has_finally(function: cst.FunctionDef) -> bool:
    return any(isinstance(n, cst.Finally) for n in walk(function.body, NESTED_SCOPES))


def _literal_bindings(target: Target, call: cst.Call, skip: int) -> tuple:
    """(parameter, truthiness) for each parameter bound to a literal at this call,
    or left at a literal default."""
    if is_external(target.function):
        return ()  # a project fact is one summary per parameter, whatever the arguments
    params = parameters(target.function.node)
    offset = 1 if target.bound else 0
    given: dict[str, cst.BaseExpression] = {}
    positional = [*target.function.node.params.posonly_params, *target.function.node.params.params]
    position = 0
    for arg in call.args[skip:]:
        if arg.star:
            return ()
        if arg.keyword is not None:
            given[arg.keyword.value] = arg.value
        else:
            if position + offset < len(positional):
                given[positional[position + offset].name.value] = arg.value
            position += 1
    out = []
    for param in params[offset:]:
        value = given.get(param.name.value, param.default)
        if value is None:
            continue
        if isinstance(value, cst.Name) and value.value in ("True", "False", "None"):
            out.append((param.name.value, value.value == "True"))
    return tuple(sorted(out))


def _called_names(index: ModuleIndex) -> frozenset[str]:
    """Every name this module calls, or passes as a callable to another call."""
    names = set()
    for call in index.all_calls:
        name = call_name(call)
        if name:
            names.add(name)
        for arg in call.args:
            if isinstance(arg.value, (cst.Name, cst.Attribute)):
                ref = dotted(arg.value)
                if ref:
                    names.add(ref.rsplit(".", 1)[-1])
    return frozenset(names)


def _strip(test: cst.CSTNode | None, polarity: bool) -> tuple[cst.CSTNode | None, bool]:
    """``not await f(x)`` -> (the call, flipped polarity)."""
    while True:
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, polarity = test.expression, not polarity
        elif isinstance(test, cst.Await):
            test = test.expression
        else:
            return test, polarity


def node_is_test(event: _Event, node: Node) -> bool:
    return node.kind == TEST and _strip(node.expr, True)[0] is event.call


def _iter_calls(body: cst.CSTNode) -> list[cst.Call]:
    return find(body, cst.Call)


def _iter_assigns(body: cst.CSTNode) -> list[cst.Assign]:
    return find(body, cst.Assign)
