"""Per-connection resources: acquire/release pairs, their lifetime on every exit path,
and registries that only grow.

The dataflow state is, per acquire site, the set of {held, released} over the paths
that reach a point. A site still ``held`` at the function's normal or exceptional exit
leaks on some path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import libcst as cst

from ..settings import Settings
from .cfg import CFG, Node
from .flow import Dataflow
from .module import FunctionInfo, ModuleIndex, call_name, dotted, parameters
from .walk import NESTED_SCOPES, find, walk
from .websockets import WebSocketAnalysis

HELD, RELEASED = "held", "released"
# Names that release the object they are called on (``mgr.close()``, ``mgr.cleanup()``).
# ``mgr.remove_connection(cid)`` or ``mgr.disconnect(ws)`` act on something the object
# holds, not on the object: they are not its release.
GENERIC_RELEASES = ("close", "aclose", "cleanup*", "shutdown", "release", "stop", "dispose",
                    "destroy")
_MANAGER_CLASS = re.compile(r"^[A-Z]\w*Manager$")
_CONNECTIONISH = re.compile(r"(^|_)(ws|websocket|socket|conn|connection|manager|session|client)s?$",
                            re.IGNORECASE)
_EXIT_STACK = frozenset({"push_async_callback", "callback", "push", "push_async_exit",
                         "enter_async_context", "enter_context"})


@dataclass
class Acquire:
    call: cst.Call
    node: Node
    name: str                      # what was called
    releases: tuple[str, ...]      # name patterns that release it
    var: str | None = None         # the name the result is bound to
    keys: frozenset[str] = frozenset()  # names passed to the acquire
    receiver: str | None = None    # ``manager`` in ``manager.connect(ws)``
    via: str | None = None         # the helper that acquires, when acquired through one


@dataclass
class Leak:
    acquire: Acquire
    kind: str  # "no-release" (NL201) or "except-only" (NL202)
    handler: cst.ExceptHandler | None = None


def _matches(name: str, patterns) -> bool:
    return any(fnmatchcase(name, p) for p in patterns)


def _names_in(call: cst.Call) -> frozenset[str]:
    """The names and literal keys passed to a call (what pairs an acquire with its release)."""
    out = set()
    for arg in call.args:
        ref = dotted(arg.value)
        if ref:
            out.add(ref)
        elif isinstance(arg.value, (cst.SimpleString, cst.Integer)):
            out.add(f"literal:{arg.value.value}")
    return frozenset(out)


def _receiver(call: cst.Call) -> str | None:
    return dotted(call.func.value) if isinstance(call.func, cst.Attribute) else None


class ResourceAnalysis:
    def __init__(self, websockets: WebSocketAnalysis, settings: Settings) -> None:
        self.ws = websockets
        self.index: ModuleIndex = websockets.index
        self.pairs = settings.resource_pairs
        self._helper_acquires: dict[int, tuple[str, ...] | None] = {}
        self._helper_releases: dict[int, bool] = {}

    # -- what is an acquire, what is a release -------------------------------------------
    def acquire_releases(self, call: cst.Call, ws_names: set[str]) -> tuple[str, ...] | None:
        """The release patterns when ``call`` acquires a per-connection resource."""
        name = call_name(call)
        if not name:
            return None
        for acquire, release in self.pairs:
            if fnmatchcase(name, acquire):
                if acquire == "connect" and not (_names_in(call) & ws_names):
                    return None  # ``*.connect(ws)``: only with the websocket
                return (release,)
        if isinstance(call.func, cst.Name) and _MANAGER_CLASS.match(name):
            return GENERIC_RELEASES
        return None

    def _helper_acquire(self, info: FunctionInfo) -> tuple[str, ...] | None:
        """A same-module helper that acquires and does not release: its release patterns."""
        key = id(info.node)
        if key in self._helper_acquires:
            return self._helper_acquires[key]
        self._helper_acquires[key] = None
        found = None
        calls = _calls(info.node.body)
        names = {p.name.value for p in parameters(info.node)}
        for call in calls:
            releases = self.acquire_releases(call, names)
            if releases is not None:
                if not any(_matches(call_name(c) or "", releases) for c in calls):
                    found = releases
                break
        self._helper_acquires[key] = found
        return found

    def _helper_release(self, info: FunctionInfo, patterns) -> bool:
        return any(_matches(call_name(c) or "", patterns) for c in _calls(info.node.body))

    # -- the question NL201/NL202 ask ---------------------------------------------------
    def leaks(self, info: FunctionInfo) -> list[Leak]:
        tracked = [t for t in self.ws.tracked(info) if t.owner and t.param_index is not None]
        if not tracked:
            return []
        ws_names = {t.name for t in tracked}
        graph = self.ws.cfg(info)
        types = self.ws.types(info)
        acquires: list[Acquire] = []
        by_node: dict[int, list[tuple[str, int, cst.Call]]] = {}
        for node in graph.nodes:
            for call in node.calls:
                if any(_in_with_items(call, w) for w in node.withs) or node.kind == "with":
                    continue  # managed by a context manager
                releases = self.acquire_releases(call, ws_names)
                via = None
                if releases is None:
                    target = types.resolve(call)
                    if target is not None:
                        releases = self._helper_acquire(target.function)
                        via = target.function.name
                if releases is not None:
                    acquires.append(Acquire(call, node, call_name(call) or "", releases,
                                            _bound_name(node, call), _names_in(call),
                                            _receiver(call), via))
                    by_node.setdefault(node.index, []).append(("acquire", len(acquires) - 1, call))
        if not acquires:
            return []
        for node in graph.nodes:
            for call in node.calls:
                for i, acq in enumerate(acquires):
                    if call is not acq.call and self._releases(call, acq, types):
                        by_node.setdefault(node.index, []).append(("release", i, call))
        torn_down = self._released_by_teardown(info, acquires)
        flow = _Lifetime(by_node, len(acquires))
        states = flow.solve(graph, tuple(frozenset() for _ in acquires))
        out = []
        normal, raised = states[graph.exit], states[graph.raise_exit]
        for i, acq in enumerate(acquires):
            if i in torn_down:
                continue
            leaks_normally = normal is not None and HELD in normal[i]
            leaks_raising = raised is not None and HELD in raised[i]
            if not (leaks_normally or leaks_raising):
                continue
            handler = self._release_in_handler(graph, by_node, i)
            if handler is not None and not leaks_normally:
                out.append(Leak(acq, "except-only", handler))
            else:
                out.append(Leak(acq, "no-release"))
        return out

    @staticmethod
    def _released_by_teardown(info: FunctionInfo, acquires: list[Acquire]) -> set[int]:
        """Starlette's WebSocketEndpoint calls ``on_disconnect`` in a ``finally`` of its own:
        what ``on_connect`` acquires and ``on_disconnect`` releases is released."""
        if info.name != "on_connect" or info.cls is None:
            return set()
        teardown = info.cls.methods.get("on_disconnect")
        if teardown is None:
            return set()
        names = [call_name(c) or "" for c in _calls(teardown.node.body)]
        return {i for i, acq in enumerate(acquires) if any(_matches(n, acq.releases) for n in names)}

    def _releases(self, call: cst.Call, acq: Acquire, types) -> bool:
        name = call_name(call) or ""
        receiver = _receiver(call)
        if acq.var is not None and receiver == acq.var and _matches(name, GENERIC_RELEASES + acq.releases):
            return True
        args = _names_in(call)
        if name in _EXIT_STACK and (acq.var in args or any(_matches(a.rsplit(".", 1)[-1], acq.releases) for a in args)):
            return True  # registered on an exit stack: released when it unwinds
        shares = (acq.var is not None and acq.var in args) or bool(args & acq.keys) or (
            not acq.keys and receiver is not None and receiver == acq.receiver)
        if not shares:
            return False
        if _matches(name, acq.releases):
            return True
        target = types.resolve(call)
        return target is not None and self._helper_release(target.function, acq.releases + GENERIC_RELEASES)

    @staticmethod
    def _release_in_handler(graph: CFG, by_node, index: int) -> cst.ExceptHandler | None:
        for node_index, events in by_node.items():
            node = graph.nodes[node_index]
            if node.handlers and any(kind == "release" and i == index for kind, i, _ in events):
                return node.handlers[-1]
        return None


class _Lifetime(Dataflow[tuple]):
    def __init__(self, by_node, count: int) -> None:
        self.by_node = by_node
        self.count = count

    def join(self, left: tuple, right: tuple) -> tuple:
        return tuple(a | b for a, b in zip(left, right))

    def transfer(self, node: Node, state: tuple, report: bool) -> tuple:
        return self._apply(node, state, ("acquire", "release"))

    def exceptional(self, node: Node, state: tuple) -> tuple:
        # a release that raises has still given the resource up; a failed acquire holds nothing
        return self._apply(node, state, ("release",))

    def _apply(self, node: Node, state: tuple, kinds: tuple[str, ...]) -> tuple:
        events = self.by_node.get(node.index)
        if not events:
            return state
        current = list(state)
        for kind, i, _ in events:
            if kind in kinds:
                current[i] = frozenset({HELD}) if kind == "acquire" else frozenset({RELEASED})
        return tuple(current)


def _in_with_items(call: cst.Call, statement: cst.With) -> bool:
    return any(item.item is call for item in statement.items)


def _bound_name(node: Node, call: cst.Call) -> str | None:
    statement = node.cst
    if isinstance(statement, (cst.Assign, cst.AnnAssign)):
        value = statement.value
        if isinstance(value, cst.Await):
            value = value.expression
        if value is call:
            targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) else [statement.target]
            for target in targets:
                name = dotted(target)
                if name:
                    return name
    return None


def _calls(body: cst.CSTNode) -> list[cst.Call]:
    return find(body, cst.Call)


# -- NL203: registries that only grow ---------------------------------------------------

@dataclass
class Registry:
    name: str                      # "self.active" or "_registry"
    scope: str                     # class name or "<module>"
    bounded: bool = False
    adds: list[cst.CSTNode] = field(default_factory=list)  # adds under keys that vary
    removed: bool = False


_CONTAINER_CALLS = frozenset({"list", "dict", "set", "defaultdict", "OrderedDict", "deque",
                              "Counter"})
# Containers that shrink by themselves when their elements are collected.
_ADD_METHODS = frozenset({"append", "add", "setdefault", "extend", "update", "insert",
                          "appendleft"})
_REMOVE_METHODS = frozenset({"remove", "pop", "discard", "clear", "popitem", "popleft"})


def growing_registries(index: ModuleIndex, websockets: WebSocketAnalysis,
                       resources: ResourceAnalysis) -> list[Registry]:
    registries: dict[tuple[str, str], Registry] = {}
    # module-level containers
    for statement in index.module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                for name, value in _assigned(small):
                    if "." not in name and _is_container(value):
                        registries[("<module>", name)] = Registry(name, "<module>", _is_bounded(value))
    # class containers: class body and __init__
    for cls in index.classes.values():
        for statement in cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ():
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    for name, value in _assigned(small):
                        if _is_container(value):
                            registries[(cls.name, f"self.{name}")] = Registry(f"self.{name}", cls.name, _is_bounded(value))
        init = cls.methods.get("__init__")
        if init is not None:
            for small in _small_statements(init.node.body):
                for name, value in _assigned(small):
                    if name.startswith("self.") and name.count(".") == 1 and _is_container(value):
                        registries[(cls.name, name)] = Registry(name, cls.name, _is_bounded(value))
    if not registries:
        return []
    for info in index.all_functions:
        scope = info.cls.name if info.cls else "<module>"
        ws_names = {t.name for t in websockets.tracked(info)}
        acquired = _acquired_names(info, resources, ws_names)
        _RegistryUse(registries, scope, ws_names | acquired, info, resources).scan(info.node.body)
    # module-level code may remove from module registries too
    module_visitor = _RegistryUse(registries, "<module>", set(), None, resources)
    for statement in index.module.body:
        if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            module_visitor.scan(statement)
    return [r for r in registries.values() if r.adds and not r.removed and not r.bounded]


def _acquired_names(info: FunctionInfo, resources: ResourceAnalysis, ws_names: set[str]) -> set[str]:
    names = set()
    for small in _small_statements(info.node.body):
        for name, value in _assigned(small):
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call) and resources.acquire_releases(value, ws_names) is not None:
                names.add(name)
    return names


def _assigned(small: cst.CSTNode):
    if isinstance(small, cst.Assign):
        for target in small.targets:
            name = dotted(target.target)
            if name:
                yield name, small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        name = dotted(small.target)
        if name:
            yield name, small.value


def _small_statements(body: cst.CSTNode):
    return find(body, (cst.Assign, cst.AnnAssign))


def _is_container(value: cst.BaseExpression) -> bool:
    if isinstance(value, (cst.List, cst.Dict, cst.Set)):
        return True
    if isinstance(value, cst.Call):
        return call_name(value) in _CONTAINER_CALLS
    return False


def _is_bounded(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Call) and any(
        a.keyword is not None and a.keyword.value == "maxlen" for a in value.args)


_CLOSERS = frozenset({"close", "aclose", "cleanup", "shutdown", "disconnect", "cancel"})


def _connectionish(expr: cst.BaseExpression, names: set[str], acquires=None) -> bool:
    """A websocket, a connection, or a per-connection resource (by name or by how it is made)."""
    if isinstance(expr, cst.Await):
        expr = expr.expression
    if isinstance(expr, cst.Call):
        name = call_name(expr) or ""
        return bool(_MANAGER_CLASS.match(name)) or (
            acquires is not None and acquires.acquire_releases(expr, names) is not None)
    ref = dotted(expr)
    if not ref:
        return False
    last = ref.rsplit(".", 1)[-1]
    return ref in names or bool(_CONNECTIONISH.search(last))


def _constant_key(key: cst.BaseExpression) -> bool:
    if isinstance(key, (cst.SimpleString, cst.Integer)):
        return True
    # ``Kind.CHAT``: a member of a bounded enum
    return isinstance(key, cst.Attribute) and key.attr.value.isupper() and isinstance(key.value, cst.Name) \
        and key.value.value[:1].isupper()


class _RegistryUse:
    """Adds and removals of known registries within one function (or module code)."""

    def scan(self, root: cst.CSTNode) -> None:
        for node in walk(root, NESTED_SCOPES):
            if isinstance(node, cst.Call):
                self.visit_Call(node)
            elif isinstance(node, cst.Assign):
                self.visit_Assign(node)
            elif isinstance(node, cst.Del):
                self.visit_Del(node)
            elif isinstance(node, cst.For):
                self.visit_For(node)

    def visit_For(self, node: cst.For) -> None:
        """``for ws in self.sockets: await ws.close()`` tears the registry's elements down."""
        registry = self._registry(node.iter)
        target = dotted(node.target)
        if registry is None or not target:
            return
        for call in find(node.body, cst.Call):
            func = call.func
            if (isinstance(func, cst.Attribute) and dotted(func.value) == target
                    and func.attr.value in _CLOSERS):
                registry.removed = True

    def __init__(self, registries, scope: str, values: set[str], info: FunctionInfo | None,
                 resources: ResourceAnalysis) -> None:
        self.resources = resources
        self.registries = registries
        self.scope = scope
        self.values = values
        self.in_function = info is not None
        self.in_init = info is not None and info.name == "__init__"

    def _registry(self, expr: cst.BaseExpression) -> Registry | None:
        """The registry an expression denotes, through subscripts and setdefault chains."""
        while True:
            if isinstance(expr, cst.Subscript):
                expr = expr.value
            elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and \
                    expr.func.attr.value in ("setdefault", "get", "__getitem__"):
                expr = expr.func.value
            else:
                break
        name = dotted(expr)
        if not name:
            return None
        scope = self.scope if name.startswith("self.") else "<module>"
        return self.registries.get((scope, name))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        registry = self._registry(func.value)
        if registry is None:
            return
        method = func.attr.value
        if method in _REMOVE_METHODS:
            registry.removed = True
        elif method in _ADD_METHODS:
            if method == "setdefault" and len(node.args) < 2:
                return
            values = [a.value for a in node.args[1:]] if method == "setdefault" else [a.value for a in node.args]
            if method == "update":  # update({cid: websocket}) / update(cid=websocket)
                values = [e.value for v in values if isinstance(v, cst.Dict)
                          for e in v.elements if isinstance(e, cst.DictElement)] + values
            if any(_connectionish(v, self.values, self.resources) for v in values):
                registry.adds.append(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            t = target.target
            if isinstance(t, cst.Subscript):
                registry = self._registry(t)
                keys = [e.slice.value for e in t.slice if isinstance(e.slice, cst.Index)]
                if (registry is not None and _connectionish(node.value, self.values, self.resources)
                        and not all(_constant_key(k) for k in keys)):
                    registry.adds.append(node)  # constant keys (an enum) bound the size
            elif self.in_function and not self.in_init:
                name = dotted(t)
                scope = self.scope if name and name.startswith("self.") else "<module>"
                registry = self.registries.get((scope, name)) if name else None
                if registry is not None:
                    registry.removed = True  # reassigned: emptied somewhere

    def visit_Del(self, node: cst.Del) -> None:
        registry = self._registry(node.target) if not isinstance(node.target, cst.Tuple) else None
        if registry is not None:
            registry.removed = True
