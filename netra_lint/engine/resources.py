"""Per-connection resources, decided by what the code does (NL201-NL203).

An *acquire* stores something per call into a container that outlives the call (a
``self.x`` of a long-lived object, a class attribute, a module global), starts a task that
runs until cancelled, or subscribes (Channels groups, pub/sub, listeners). Its *release*
undoes that very entry: the same container and key, the task's ``cancel()``, the matching
unsubscribe.

Every function gets a summary (``ResourceEffects``): plain data saying which entries it
acquires and releases, with keys written in terms of its parameters (``$websocket``,
``$self.channel_name``) and its return value (``$ret``). Summaries are computed bottom-up,
on demand, with a fixed point on recursion. Every "what does this callee do?" question
goes through ``ResourceAnalysis.callee_effects(call)``: today it answers from this module
and from the known library pairs; project mode can answer it from other modules. The
name patterns (``connect``/``disconnect``, ``register*``/``unregister*``, configured
pairs) are used only for calls that it cannot answer.

NL201/NL202 then follow each acquire that the function is responsible for over its CFG:
a set of {held, released} per acquire; one still ``held`` at an exit leaks on that exit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase

import libcst as cst

from ..settings import DEFAULT_RESOURCE_PAIRS, Settings
from .calls import is_external, Target, _unquote
from .cfg import ASSUME, Node
from .flow import Dataflow
from .module import FunctionInfo, ModuleIndex, call_name, caught_names, dotted, parameters
from .walk import NESTED_SCOPES, walk
from .websockets import WebSocketAnalysis

HELD, RELEASED = "held", "released"
ACQUIRE, RELEASE = "acquire", "release"
STORE, TASK, SUBSCRIBE, NAMED = "store", "task", "subscribe", "named"
WILDCARD = "*"
RET = "$ret"

_ADD_METHODS = frozenset({"append", "add", "setdefault", "update", "insert", "appendleft"})
_REMOVE_METHODS = frozenset({"remove", "pop", "discard", "clear", "popitem", "popleft"})
_CONTAINER_CALLS = frozenset({"list", "dict", "set", "defaultdict", "OrderedDict", "deque",
                              "Counter"})
_WEAK = frozenset({"WeakSet", "WeakValueDictionary", "WeakKeyDictionary"})
_TASK_STARTERS = frozenset({"create_task", "ensure_future"})
# Names that release the object they are called on, for objects whose behaviour is unknown.
GENERIC_RELEASES = ("close", "aclose", "cleanup*", "shutdown", "release", "stop", "dispose",
                    "destroy")
_EXIT_STACK = frozenset({"push_async_callback", "callback", "push", "push_async_exit"})
# Calls that do not raise in practice: a statement made only of these, between an acquire
# and the ``try`` that releases it, leaks nothing.
_HARMLESS = frozenset({"str", "int", "float", "bool", "id", "len", "repr", "dict", "list",
                       "set", "tuple", "uuid4", "uuid1", "time", "monotonic", "now", "utcnow",
                       "debug", "info", "warning", "warn", "error", "exception", "print",
                       "Queue", "Event", "Lock", "getLogger", "format", "token_hex",
                       "token_urlsafe", "hex", "accept"})
_LOGGERS = re.compile(r"^(logger|log|logging|_logger|LOGGER|_log)$")
# Terms that are new on every call: a key built from them is never seen again.
_FRESH = re.compile(r"^(str\()?((uuid\.)?uuid[14]\(\)(\.hex)?|(secrets\.)?token_(hex|urlsafe|bytes)\([^()]*\)|"
                    r"next\([\w.]+\)|f[\"'].*uuid[14]\(\).*[\"'])\)?$")
# connection/user/request keys (NL203: what is stored per connection)
_PER_CONNECTION_NAME = re.compile(
    r"^(ws|websocket|socket|conn|connection|client|(\w+_)?(session|user|request|connection|conn|"
    r"client|channel|subscriber|manager|socket|ws)_?(id|key|uuid)|sid|cid)$",
    re.IGNORECASE)
_IDENT = re.compile(r"(?<![\w.$'\"])([A-Za-z_]\w*)")
_PARAM = re.compile(r"\$(\w+)")
_CHANNELS_TEARDOWN = ("disconnect", "websocket_disconnect")


@dataclass(frozen=True)
class Effect:
    """One acquire or release, as plain data.

    ``container`` names the container (``ConnectionManager.active``, ``_registry``), the
    subscription kind (``channels group``) or ``task``; ``keys`` are the terms of the
    entry (key and stored value), in the terms of the function that carries the effect;
    ``owner`` is the term of the object that owns a ``self.x`` container.
    """

    kind: str
    how: str
    container: str
    keys: frozenset[str]
    owner: str | None = None
    what: str = ""
    releases: tuple[str, ...] = ()   # name patterns, for a fallback (named) acquire


@dataclass(frozen=True)
class ResourceEffects:
    """What a function does to per-connection resources, for its callers."""

    params: tuple[str, ...]
    bound: bool                       # the call supplies the first parameter (self)
    acquires: tuple[Effect, ...] = ()
    releases: tuple[Effect, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.acquires and not self.releases

    def to_json(self) -> dict:
        """Plain JSON data (for a summary cache shared between processes)."""
        def effect(e: Effect) -> dict:
            return {"kind": e.kind, "how": e.how, "container": e.container, "keys": sorted(e.keys),
                    "owner": e.owner, "what": e.what, "releases": list(e.releases)}
        return {"params": list(self.params), "bound": self.bound,
                "acquires": [effect(e) for e in self.acquires],
                "releases": [effect(e) for e in self.releases]}

    @classmethod
    def from_json(cls, data: dict) -> "ResourceEffects":
        def effect(d: dict) -> Effect:
            return Effect(d["kind"], d["how"], d["container"], frozenset(d["keys"]), d["owner"],
                          d["what"], tuple(d["releases"]))
        return cls(tuple(data["params"]), data["bound"], tuple(effect(e) for e in data["acquires"]),
                   tuple(effect(e) for e in data["releases"]))


@dataclass
class Local:
    """An effect inside one function, anchored at its call or statement."""

    effect: Effect
    anchor: cst.CSTNode
    via: str | None = None            # the callee, when the effect comes through one
    var: str | None = None            # the name the call's result is bound to
    managed: bool = False             # inside ``with`` items: the context manager releases


@dataclass
class Leak:
    acquire: Local
    kind: str  # "no-release" (NL201), "except-only" / "skipped" (NL202)
    handler: cst.ExceptHandler | None = None
    swallow: cst.ExceptHandler | None = None
    partial: bool = False             # released on some exit, not on every one
    unreachable: bool = False         # keyed by something no caller can name (a fresh id)
    teardown: str | None = None


# One analysis walks each function body once: the node lists below are shared by every
# question asked of it (and dropped when the next module's analysis starts).
_WALKS: dict[int, tuple[cst.CSTNode, list[cst.CSTNode]]] = {}
_FOUND: dict[tuple[int, object], tuple[cst.CSTNode, list]] = {}


def _nodes(root: cst.CSTNode) -> list[cst.CSTNode]:
    cached = _WALKS.get(id(root))
    if cached is None or cached[0] is not root:
        cached = _WALKS[id(root)] = (root, list(walk(root, NESTED_SCOPES)))
    return cached[1]


def _find(root: cst.CSTNode, kinds) -> list:
    """``walk.find`` for the current module, memoised."""
    key = (id(root), kinds)
    found = _FOUND.get(key)
    if found is None or found[0] is not root:
        wanted = frozenset(kinds if isinstance(kinds, tuple) else (kinds,))
        found = _FOUND[key] = (root, [n for n in _nodes(root) if type(n) in wanted])
    return found[1]


def _code(node: cst.CSTNode) -> str:
    return re.sub(r"\s+", "", cst.Module([]).code_for_node(node))


def _unawait(expr: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(expr, cst.Await):
        expr = expr.expression
    return expr


def _matches(name: str, patterns) -> bool:
    return any(fnmatchcase(name, p) for p in patterns)


def _roots(term: str) -> set[str]:
    if term.startswith("<"):
        return set()
    return set(_IDENT.findall(term)) - {"str", "id", "int", "f", "None", "True", "False", "repr",
                                        "hash", "len", "tuple"}


def keys_overlap(left: frozenset[str], right: frozenset[str]) -> bool:
    if WILDCARD in left or WILDCARD in right:
        return True
    if left & right:
        return True
    # ``conn`` and ``conn.id`` name the same entry
    return any(a.startswith(b + ".") or b.startswith(a + ".") for a in left for b in right)


def undoes(release: Effect, acquire: Effect) -> bool:
    """Does ``release`` undo ``acquire`` (same container, same entry)?"""
    if acquire.how == NAMED or release.how == NAMED:
        if release.container != acquire.container:
            return False
        return keys_overlap(release.keys, acquire.keys) or (
            release.owner is not None and release.owner == acquire.owner)
    if release.container != acquire.container:
        return False
    return keys_overlap(release.keys, acquire.keys)


_LIBRARY: dict[str, tuple[str, str, tuple[str, ...], int | None]] = {
    # method: (kind, container, parameter names, key parameter index or None = all)
    "group_add": (ACQUIRE, "channels group", ("group", "channel"), -1),
    "group_discard": (RELEASE, "channels group", ("group", "channel"), -1),
    "add_listener": (ACQUIRE, "listener", ("channel", "callback"), None),
    "remove_listener": (RELEASE, "listener", ("channel", "callback"), None),
}
_PUBSUB_RECEIVER = re.compile(r"pubsub|redis|broadcast|broker", re.IGNORECASE)


class ResourceAnalysis:
    def __init__(self, websockets: WebSocketAnalysis, settings: Settings) -> None:
        _WALKS.clear()
        _FOUND.clear()
        self.ws = websockets
        self.index: ModuleIndex = websockets.index
        self.pairs = settings.resource_pairs
        self.configured = settings.resource_pairs != DEFAULT_RESOURCE_PAIRS
        self._summaries: dict[int, ResourceEffects] = {}
        self._in_progress: set[int] = set()
        self._recursive: set[int] = set()
        self._locals: dict[int, list[Local]] = {}
        self.module_names = _module_containers(self.index)
        self.class_containers = {name: _class_containers(cls) for name, cls in self.index.classes.items()}
        self._receivers: dict[tuple[int, str], object] = {}
        self._scopes: dict[int, _Scope] = {}
        self._current: FunctionInfo | None = None
        self._task_args: set[int] = set()

    # -- the one question about callees ------------------------------------------------
    def callee_effects(self, call: cst.Call, info: FunctionInfo | None = None) -> ResourceEffects | None:
        """What the called function does to per-connection resources, or None when it
        cannot be known here (project mode answers from other modules)."""
        target = self._resolve(call, info)
        if target is not None:
            return self.summary(target.function, target.bound)
        found = self._in_project(call, info)
        if found is not None:
            return found
        return self._library(call)

    def _in_project(self, call: cst.Call, info: FunctionInfo | None) -> ResourceEffects | None:
        """Project mode: a callee in another module of the project, from its fact (what
        it really stores and removes; its name no longer decides)."""
        if self.index.project is None or info is None:
            return None
        target = self.ws.types(info).resolve_any(call)
        if target is None or not is_external(target.function) or target.function.alternatives:
            return None
        from .facts import resource_effects

        effects = resource_effects(self.index, target.function)
        if effects is None:
            return None
        return replace(effects, bound=target.bound) if effects.bound != target.bound else effects

    def _resolve(self, call: cst.Call, info: FunctionInfo | None) -> Target | None:
        if info is not None:
            target = self.ws.types(info).resolve(call)
            if target is not None:
                return target
        func = call.func
        if isinstance(func, cst.Attribute) and info is not None:
            cls = self._receiver_class(info, func.value)
            if cls is not None:
                method = self.index.method(cls, func.attr.value)
                if method is not None:
                    return Target(method, method.is_method)
            receiver = dotted(func.value)
            tracked = {t.name for t in self.ws.tracked(info)}
            if receiver is None or receiver in tracked or receiver.split(".")[0] in tracked:
                return None
            # dispatch by method name when exactly one class of the module defines it
            owners = [cls for cls in self.index.classes.values() if func.attr.value in cls.methods]
            if len(owners) == 1 and receiver not in ("self", "cls"):
                method = owners[0].methods[func.attr.value]
                if method.is_method and self._arity_fits(method, call):
                    return Target(method, True)
        return None

    def _receiver_class(self, info: FunctionInfo, expr: cst.BaseExpression):
        """The class of a local bound to what a module function or method returns
        (``manager = create_websocket_manager(...)`` annotated ``-> WebSocketManager``)."""
        if not isinstance(expr, cst.Name):
            return None
        key = (id(info.node), expr.value)
        if key in self._receivers:
            return self._receivers[key]
        self._receivers[key] = None
        found = None
        for assign in _find(info.node.body, cst.Assign):
            if not any(isinstance(t.target, cst.Name) and t.target.value == expr.value for t in assign.targets):
                continue
            value = _unawait(assign.value)
            if not isinstance(value, cst.Call):
                continue
            target = self._resolve(value, info)
            if target is None or target.function.node.returns is None:
                continue
            name = dotted(_unquote(target.function.node.returns.annotation))
            if name in self.index.classes:
                found = self.index.classes[name]
        self._receivers[key] = found
        return found

    @staticmethod
    def _arity_fits(method: FunctionInfo, call: cst.Call) -> bool:
        params = method.node.params
        positional = [*params.posonly_params, *params.params][1:]
        given = [a for a in call.args if a.keyword is None and not a.star]
        if len(given) > len(positional) and not isinstance(params.star_arg, cst.Param):
            return False
        keywords = {a.keyword.value for a in call.args if a.keyword is not None}
        required = [p for p in positional[len(given):] if p.default is None]
        return all(p.name.value in keywords for p in required) or any(a.star for a in call.args)

    def _library(self, call: cst.Call) -> ResourceEffects | None:
        """Known pairs of libraries outside the project: Channels groups, pub/sub,
        listeners."""
        name = call_name(call)
        if not isinstance(call.func, cst.Attribute) or name is None:
            return None
        receiver = _code(call.func.value)
        if name in _LIBRARY:
            kind, container, params, key = _LIBRARY[name]
            if key == -1:  # the entry is the pair (group, channel)
                keys = frozenset({"|".join(f"${p}" for p in params)})
            else:
                keys = frozenset({f"${params[key]}"}) if key is not None else frozenset(f"${p}" for p in params)
            verb = "joins" if kind == ACQUIRE else "leaves"
            effect = Effect(kind, SUBSCRIBE, container, keys,
                            what=f"{verb} {container} '{'|'.join(f'${p}' for p in params)}'")
            return ResourceEffects(params, False, (effect,) if kind == ACQUIRE else (),
                                   (effect,) if kind == RELEASE else ())
        if name in ("close", "aclose", "reset") and _PUBSUB_RECEIVER.search(receiver) and not call.args:
            effect = Effect(RELEASE, SUBSCRIBE, f"subscription of {receiver}", frozenset({WILDCARD}),
                            what=f"{receiver}.{name}()")
            return ResourceEffects((), False, (), (effect,))
        if name in ("subscribe", "psubscribe", "unsubscribe", "punsubscribe") and _PUBSUB_RECEIVER.search(receiver):
            params = tuple(f"channel{i}" for i in range(len(call.args)))
            keys = frozenset(f"${p}" for p in params) or frozenset({WILDCARD})
            if name.endswith("unsubscribe") and not call.args:
                keys = frozenset({WILDCARD})
            kind = RELEASE if "unsubscribe" in name else ACQUIRE
            effect = Effect(kind, SUBSCRIBE, f"subscription of {receiver}", keys,
                            what=f"subscribes {receiver} to {', '.join(sorted(keys))}")
            return ResourceEffects(params, False, (effect,) if kind == ACQUIRE else (),
                                   (effect,) if kind == RELEASE else ())
        return None

    # -- summaries ---------------------------------------------------------------------
    def summary(self, info: FunctionInfo, bound: bool) -> ResourceEffects:
        key = id(info.node)
        if key in self._in_progress:
            self._recursive.add(key)
            found = self._summaries.get(key)
            return found if found is not None else ResourceEffects(self._params(info), bound)
        found = self._summaries.get(key)
        if found is not None:
            return replace(found, bound=bound) if found.bound != bound else found
        for _ in range(4):  # fixed point over recursion
            self._in_progress.add(key)
            self._locals.pop(key, None)
            try:
                computed = self._summarise(info, bound)
            finally:
                self._in_progress.discard(key)
            previous = self._summaries.get(key)
            self._summaries[key] = computed
            if key not in self._recursive or previous == computed:
                break
        self._recursive.discard(key)
        return self._summaries[key]

    @staticmethod
    def _params(info: FunctionInfo) -> tuple[str, ...]:
        return tuple(p.name.value for p in parameters(info.node))

    def _summarise(self, info: FunctionInfo, bound: bool) -> ResourceEffects:
        effects = self.local_effects(info)
        scope = self.scope(info)
        acquires = [e for e in effects if e.effect.kind == ACQUIRE and not e.managed]
        releases = [e for e in effects if e.effect.kind == RELEASE]
        out_acq: list[Effect] = []
        for acq in acquires:
            if any(undoes(r.effect, acq.effect) for r in releases):
                continue  # the function gives back what it takes
            exported = scope.export(acq.effect)
            if exported is not None:
                out_acq.append(exported)
        out_rel: list[Effect] = []
        for rel in releases:
            if any(undoes(rel.effect, a.effect) for a in acquires):
                continue
            exported = scope.export(rel.effect)
            if exported is not None:
                out_rel.append(exported)
        return ResourceEffects(self._params(info), bound, tuple(dict.fromkeys(out_acq)),
                               tuple(dict.fromkeys(out_rel)))

    # -- effects inside one function -----------------------------------------------------
    def scope(self, info: FunctionInfo) -> "_Scope":
        key = id(info.node)
        found = self._scopes.get(key)
        if found is None:
            found = self._scopes[key] = _Scope(self, info)
        return found

    def local_effects(self, info: FunctionInfo) -> list[Local]:
        key = id(info.node)
        found = self._locals.get(key)
        if found is None:
            found = self._locals[key] = _Extractor(self, info).run()
        return found

    # -- NL201/NL202 -------------------------------------------------------------------
    def is_owner(self, info: FunctionInfo) -> bool:
        """A function that owns a connection: its websocket route, endpoint method or
        consumer method (what it acquires is its own to release)."""
        owned = [t for t in self.ws.tracked(info) if t.owner and t.param_index is not None]
        if not owned:
            return False
        if info.cls is None or self.index.route_style(info) is not None:
            return True
        # a method owns the connection in an endpoint or consumer class; a manager's
        # ``connect(self, websocket)`` that accepts does it for its caller
        return info.cls.name in self.ws._endpoint_classes or info.cls.name in self.ws._channels

    def teardown(self, info: FunctionInfo) -> FunctionInfo | None:
        """The method the framework calls when the connection ends."""
        cls = info.cls
        if cls is None:
            return None
        tracked = self.ws.tracked(info)
        if not any(t.owner for t in tracked):
            return None
        for name in ("on_disconnect",) + _CHANNELS_TEARDOWN:
            method = self.index.method(cls, name)
            if method is not None and method is not info:
                return method
        return None

    def checked(self, info: FunctionInfo) -> list[Local]:
        """The acquires this function is responsible for releasing."""
        effects = self.local_effects(info)
        acquires = [e for e in effects if e.effect.kind == ACQUIRE and not e.managed]
        if not acquires:
            return []
        releases = [e.effect for e in effects if e.effect.kind == RELEASE]
        scope = self.scope(info)
        owner = self.is_owner(info)
        tracked = {t.name for t in self.ws.tracked(info)}
        out = []
        consumer = info.cls is not None and (info.cls.name in self.ws._channels
                                             or info.cls.name in self.ws._endpoint_classes)
        channels_groups = set()
        if consumer:
            # Channels leaves every group listed in ``self.groups`` when the connection ends
            for e in effects:
                if e.effect.kind == ACQUIRE and e.effect.container == f"{info.cls.name}.groups":
                    channels_groups |= e.effect.keys
        for acq in acquires:
            if not scope.per_call(acq.effect, owner):
                continue
            if consumer and (acq.effect.owner == "self" or acq.effect.container.startswith(f"{info.cls.name}.")):
                continue  # a container of the consumer object, which lives one connection
            if consumer and acq.effect.container == "channels group" and any(
                    k.split("|")[0] in channels_groups for k in acq.effect.keys):
                continue
            if owner:
                out.append(acq)
                continue
            if acq.effect.how == TASK:
                continue  # a task started outside a connection's owner: not judged here
            fresh = scope.fresh(acq.effect)
            keyed_by_socket = any(_roots(k) & tracked for k in acq.effect.keys)
            responsible = any(undoes(r, acq.effect) and WILDCARD not in r.keys for r in releases)
            if (responsible and (fresh or keyed_by_socket)) or (fresh and scope.export(acq.effect) is None):
                out.append(acq)
        return out

    def leaks(self, info: FunctionInfo) -> list[Leak]:
        acquires = self.checked(info)
        if not acquires:
            return []
        teardown = self.teardown(info)
        torn: set[int] = set()
        teardown_name = None
        if teardown is None and info.cls is not None and self.is_owner(info):
            # the framework's own (empty) teardown runs when the connection ends
            if info.cls.name in self.ws._channels:
                teardown_name = "disconnect"
            elif info.cls.name in self.ws._endpoint_classes:
                teardown_name = "on_disconnect"
        if teardown is not None:
            teardown_name = teardown.name
            released = [e.effect for e in self.local_effects(teardown) if e.effect.kind == RELEASE]
            torn = {i for i, a in enumerate(acquires) if any(undoes(r, a.effect) for r in released)}
        graph = self.ws.cfg(info)
        self._current = info
        self._task_args = {id(_unawait(c.args[0].value)) for c in _find(info.node.body, cst.Call)
                           if call_name(c) in _TASK_STARTERS and c.args}
        effects = self.local_effects(info)
        releases = [e for e in effects if e.effect.kind == RELEASE]
        anchors: dict[int, list[tuple[str, int]]] = {}
        for i, acq in enumerate(acquires):
            anchors.setdefault(id(acq.anchor), []).append((ACQUIRE, i))
        for rel in releases:
            for i, acq in enumerate(acquires):
                if undoes(rel.effect, acq.effect) or self._released_on_var(rel, acq):
                    anchors.setdefault(id(rel.anchor), []).append((RELEASE, i))
        by_node: dict[int, list[tuple[str, int]]] = {}
        for node in graph.nodes:
            events: list[tuple[str, int]] = []
            if node.cst is not None and node.kind not in (ASSUME,) and id(node.cst) in anchors \
                    and isinstance(node.cst, (cst.Assign, cst.AugAssign, cst.Del, cst.AnnAssign, cst.Expr)):
                events.extend(anchors[id(node.cst)])
            for call in node.calls:
                events.extend(anchors.get(id(call), ()))
            if events:
                by_node[node.index] = events
        owner = self.is_owner(info)
        scope = self.scope(info)
        flow = _Lifetime(by_node, acquires, self._harmless)
        states = flow.solve(graph, tuple(frozenset() for _ in acquires))
        normal, raised = states[graph.exit], states[graph.raise_exit]
        out = []
        for i, acq in enumerate(acquires):
            if i in torn:
                continue
            leaks_normally = normal is not None and HELD in normal[i]
            leaks_raising = raised is not None and HELD in raised[i]
            if not (leaks_normally or leaks_raising):
                continue
            sites = [graph.nodes[n] for n, events in by_node.items()
                     if any(kind == RELEASE and j == i for kind, j in events)]
            if sites and all(s.handlers for s in sites):
                handler = sites[0].handlers[-1]
                if not leaks_normally and any(_broad(s.handlers[-1]) for s in sites):
                    continue  # released under ``except Exception`` too: guaranteed enough
                if leaks_normally:
                    out.append(Leak(acq, "skipped", handler, _swallowing_handler(info.node, handler)))
                else:
                    out.append(Leak(acq, "except-only", handler))
            else:
                out.append(Leak(acq, "no-release", partial=bool(sites), teardown=teardown_name,
                                unreachable=not owner and scope.export(acq.effect) is None))
        return out

    def _harmless(self, call: cst.Call) -> bool:
        """A call that does not raise in practice: logging, ids, a coroutine handed to
        ``create_task``, an instance of a module class without ``__init__``."""
        if _harmless(call):
            return True
        name = call_name(call) or ""
        if name in _TASK_STARTERS:
            return True
        if isinstance(call.func, cst.Name) and name in self.index.classes:
            return self.index.method(self.index.classes[name], "__init__") is None
        target = self.ws.types(self._current).resolve(call) if self._current is not None else None
        return target is not None and target.function.is_async and id(call) in self._task_args

    @staticmethod
    def _released_on_var(rel: Local, acq: Local) -> bool:
        """``stack.push_async_callback(cleanup, manager)`` / ``manager.cleanup()`` for a
        fallback acquire bound to ``manager``."""
        return rel.effect.how == NAMED and acq.effect.how == NAMED and acq.var is not None \
            and acq.var in rel.effect.keys and rel.effect.container == "exit stack"


class _Scope:
    """How a function's terms read from outside: parameters, the return value, globals."""

    def __init__(self, analysis: ResourceAnalysis, info: FunctionInfo) -> None:
        self.analysis = analysis
        self.info = info
        self.params = ResourceAnalysis._params(info)
        self.locals = _bound_names(info.node)
        self._fresh_locals: set[str] | None = None
        self.returned: set[str] = {RETURNED}
        for ret in _find(info.node.body, (cst.Return, cst.Yield)):
            value = ret.value
            if value is None or isinstance(value, (cst.From,)):
                continue
            pending = [_unawait(value)]
            while pending:  # the value, or a tuple/list/dict that carries it to the caller
                expr = pending.pop()
                if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
                    pending.extend(e.value for e in expr.elements)
                elif isinstance(expr, cst.Dict):
                    for element in expr.elements:
                        if isinstance(element, cst.DictElement):
                            pending += [element.key, element.value]
                else:
                    name = dotted(_unawait(expr))
                    if name:
                        self.returned.add(name.split(".")[0])
        # locals stored into attributes (self.x = local) escape the call
        self.escaped: set[str] = set()
        # locals that hold an object built here (a class instance): it lives as long as the call
        self.made: set[str] = set()
        for assign in _find(info.node.body, cst.Assign):
            value = _unawait(assign.value)
            name = dotted(value)
            if name and any(isinstance(t.target, (cst.Attribute, cst.Subscript)) for t in assign.targets):
                self.escaped.add(name.split(".")[0])
            if isinstance(value, cst.Call):
                called = call_name(value) or ""
                if called in analysis.index.classes or (called[:1].isupper() and called not in ("Depends",)):
                    for target in assign.targets:
                        if isinstance(target.target, cst.Name):
                            self.made.add(target.target.value)

    def fresh(self, effect: Effect) -> bool:
        """Is the entry keyed by an id made new on this call (``str(uuid4())``, a local
        bound to one)? Such an acquire adds an entry on every call that no caller can name."""
        if self._fresh_locals is None:
            self._fresh_locals = set()
            for assign in _find(self.info.node.body, (cst.Assign, cst.AnnAssign)):
                if assign.value is not None and _fresh(_code(assign.value)):
                    targets = [t.target for t in assign.targets] if isinstance(assign, cst.Assign) \
                        else [assign.target]
                    self._fresh_locals.update(t.value for t in targets if isinstance(t, cst.Name))
        for term in effect.keys:
            if term == WILDCARD or term.startswith("<result of"):
                continue
            if _fresh(term) or _roots(term) & self._fresh_locals:
                return True
        return False

    def _kind(self, name: str) -> str:
        if name == "self" and self.info.is_method:
            return "self"
        if name in self.params:
            return "param"
        if name in self.returned:
            return "returned"
        if name in self.locals:
            return "local"
        return "global"

    def export(self, effect: Effect) -> Effect | None:
        """The effect in the terms of the function's callers, or None when no caller can
        name the entry (a fresh key, an object made and dropped here)."""
        owner = None
        if effect.owner is not None:
            root = effect.owner.split(".")[0]
            kind = self._kind(root)
            if kind == "local":
                if root in self.made and root not in self.escaped:
                    return None  # the container dies with an object made here
            else:
                owner = self._rewrite(effect.owner)
        keys = set()
        for term in effect.keys:
            if term == WILDCARD:
                keys.add(term)
                continue
            if _fresh(term):
                continue
            roots = _roots(term)
            if not roots:
                continue  # a constant: the same entry every call
            if any(self._kind(r) == "local" for r in roots):
                continue
            keys.add(self._rewrite(term))
        if not keys:
            return None
        return replace(effect, keys=frozenset(keys), owner=owner)

    def _rewrite(self, term: str) -> str:
        def sub(match: re.Match) -> str:
            name = match.group(1)
            kind = self._kind(name)
            if kind in ("self", "param"):
                return f"${name}"
            if kind == "returned":
                return RET
            return name
        return _IDENT.sub(sub, term)

    def per_call(self, effect: Effect, owner: bool) -> bool:
        """Does the acquire take a new entry on every call (not a constant key, not a
        container owned by an object that lives only as long as this call)?"""
        if effect.owner is not None:
            root = effect.owner.split(".")[0]
            if self._kind(root) == "local" and root in self.made and root not in self.escaped:
                return False
        if effect.how == TASK:
            return True
        for term in effect.keys:
            if term == WILDCARD:
                continue
            if _fresh(term):
                return True
            roots = _roots(term)
            if roots and not all(self._kind(r) == "global" for r in roots):
                return True
        return False


def _fresh(term: str) -> bool:
    """An id made new by this very expression: ``str(uuid.uuid4())``, ``uuid4().hex``,
    ``secrets.token_hex(8)``, ``next(counter)``, an f-string around a uuid."""
    return term.startswith("<") or bool(_FRESH.match(term))


def _bound_names(function: cst.FunctionDef) -> set[str]:
    names: set[str] = set()
    for node in _nodes(function.body):
        targets: list = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For)):
            targets = [node.target]
        elif isinstance(node, cst.AsName):
            targets = [node.name]
        elif isinstance(node, cst.NamedExpr):
            targets = [node.target]
        while targets:
            target = targets.pop()
            if isinstance(target, cst.Name):
                names.add(target.value)
            elif isinstance(target, (cst.Tuple, cst.List)):
                targets.extend(e.value for e in target.elements)
            elif isinstance(target, cst.StarredElement):
                targets.append(target.value)
    for glob in _find(function.body, cst.Global):
        names -= {n.name.value for n in glob.names}
    return names


class _Extractor:
    """The acquires and releases of one function, in its own terms."""

    def __init__(self, analysis: ResourceAnalysis, info: FunctionInfo) -> None:
        self.analysis = analysis
        self.info = info
        self.index = analysis.index
        self.out: list[Local] = []
        self.cls_name = info.cls.name if info.cls is not None else None
        self.params = set(ResourceAnalysis._params(info))
        self.assigned_locals = {dotted(t.target) for a in _find(info.node.body, cst.Assign)
                                for t in a.targets if isinstance(t.target, cst.Name)}
        self.globals_declared = {n.name.value for g in _find(info.node.body, cst.Global)
                                 for n in g.names}
        self.loop_vars = {n.value for loop in _find(info.node.body, cst.For)
                          for n in ([loop.target] if isinstance(loop.target, cst.Name) else _find(loop.target, cst.Name))}
        self.managed: set[int] = set()
        for statement in _find(info.node.body, cst.With):
            for item in statement.items:
                for inner in _find(item.item, cst.Call):
                    self.managed.add(id(inner))
        self.bound: dict[int, str] = {}
        for statement in _find(info.node.body, (cst.Assign, cst.AnnAssign)):
            value = statement.value
            if value is None:
                continue
            value = _unawait(value)
            if isinstance(value, cst.Call):
                targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) \
                    else [statement.target]
                for target in targets:
                    name = dotted(target)
                    if name:
                        self.bound[id(value)] = name
                        break
        for ret in _find(info.node.body, cst.Return):
            value = _unawait(ret.value) if ret.value is not None else None
            if isinstance(value, cst.Call):
                self.bound[id(value)] = RETURNED

    def run(self) -> list[Local]:
        body = self.info.node.body
        for node in _nodes(body):
            kind = type(node)
            if kind is cst.Call:
                self._callbacks(node)
                self._call(node)
            elif kind is cst.For:
                self._teardown_loop(node)
            elif kind is cst.Assign:
                self._assign(node)
                self._awaited(node)
            elif kind is cst.Expr:
                self._awaited(node)
            elif kind is cst.Del:
                self._del(node)
        return self.out

    # -- containers ----------------------------------------------------------------------
    def container(self, expr: cst.BaseExpression) -> tuple[str, str | None, list[str]] | None:
        """(container, owner term, extra key terms) for an expression naming a container
        that outlives the call."""
        extra: list[str] = []
        while True:
            if isinstance(expr, cst.Subscript):
                extra.extend(_code(e.slice.value) for e in expr.slice if isinstance(e.slice, cst.Index))
                expr = expr.value
            elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and \
                    expr.func.attr.value in ("setdefault", "get") and expr.args:
                extra.append(_code(expr.args[0].value))
                expr = expr.func.value
            else:
                break
        name = dotted(expr)
        if not name:
            return None
        parts = name.split(".")
        if parts[0] in ("self", "cls") and self.cls_name is not None and len(parts) >= 2:
            declared = self.analysis.class_containers.get(self.cls_name, {})
            if parts[1] not in declared or declared[parts[1]] != "plain":
                return None
            owner = "self" if parts[0] == "self" and not self._class_level(parts[1]) else None
            return f"{self.cls_name}.{'.'.join(parts[1:])}", owner, extra
        if len(parts) == 2 and parts[0] in self.index.instances and parts[0] not in self.assigned_locals:
            cls_name = self.index.instances[parts[0]]
            if self.analysis.class_containers.get(cls_name, {}).get(parts[1]) == "plain":
                return f"{cls_name}.{parts[1]}", parts[0], extra
            return None
        if len(parts) == 2 and parts[0] in self.index.classes:
            declared = self.analysis.class_containers.get(parts[0], {})
            if declared.get(parts[1]) == "plain":
                return name, None, extra
            return None
        if len(parts) == 1 and self.analysis.module_names.get(name) == "plain":
            if name in self.params or (name in self.assigned_locals and name not in self.globals_declared):
                return None
            return name, None, extra
        return None

    def _loop_wildcards(self, keys: frozenset[str]) -> frozenset[str]:
        """A release keyed by a loop variable (``for group in self.groups: discard(group)``)
        undoes every entry."""
        if not self.loop_vars:
            return keys
        return frozenset(WILDCARD if _roots(k) & self.loop_vars else k for k in keys)

    def _class_level(self, attr: str) -> bool:
        cls = self.info.cls
        return cls is not None and attr in _class_body_names(cls.node)

    def _add(self, kind: str, how: str, container: str, keys, anchor: cst.CSTNode,
             owner: str | None = None, what: str = "", via: str | None = None,
             var: str | None = None, releases: tuple[str, ...] = ()) -> None:
        keys = frozenset(k for k in keys if k)
        if kind == RELEASE:
            keys = self._loop_wildcards(keys)
        if not keys:
            return
        self.out.append(Local(Effect(kind, how, container, keys, owner, what, releases), anchor,
                              via, var, id(anchor) in self.managed))

    # -- statements ------------------------------------------------------------------------
    def _assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            t = target.target
            if isinstance(t, cst.Subscript):
                found = self.container(t)
                if found is not None:
                    container, owner, extra = found
                    if extra and all(_constant(k) for k in extra):
                        continue  # a fixed set of keys: bounded, overwritten per connection
                    value = _code(_unawait(node.value))
                    what = f"stores '{value}' in '{container}[{', '.join(extra)}]'"
                    # a fresh value (a sequence number) under a given key is not a new entry
                    stored = [] if _fresh(value) else [value]
                    self._add(ACQUIRE, STORE, container, [*extra, *stored], node, owner, what)
            elif self.info.name != "__init__":
                found = self.container(t)
                if found is not None and not found[2]:
                    container, owner, _ = found
                    self._add(RELEASE, STORE, container, [WILDCARD], node, owner,
                              f"reassigns '{container}'")

    def _callbacks(self, call: cst.Call) -> None:
        """``task.add_done_callback(self._tasks.discard)``: the entry removes itself."""
        for arg in call.args:
            value = arg.value
            if isinstance(value, cst.Attribute) and value.attr.value in _REMOVE_METHODS:
                found = self.container(value.value)
                if found is not None:
                    container, owner, _ = found
                    self._add(RELEASE, STORE, container, [WILDCARD], call, owner,
                              f"{container}.{value.attr.value} as a callback")

    def _teardown_loop(self, loop: cst.For) -> None:
        """``for ws in self.active: await ws.close()``: every element is torn down."""
        found = self.container(loop.iter if not isinstance(loop.iter, cst.Call) or not loop.iter.args
                               else loop.iter.args[0].value)
        target = dotted(loop.target)
        if found is None or not target:
            return
        container, owner, _ = found
        for call in _find(loop.body, cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and dotted(func.value) == target and \
                    func.attr.value in ("close", "aclose", "cancel", "disconnect", "shutdown", "stop"):
                self._add(RELEASE, STORE, container, [WILDCARD], call, owner, f"closes every element of {container}")
                return

    def _awaited(self, node: cst.Expr | cst.Assign) -> None:
        """``await task``: the task has finished when this returns."""
        value = node.value
        if isinstance(value, cst.Await) and dotted(value.expression):
            text = _code(value.expression)
            self._add(RELEASE, TASK, "task", [text], node, what=f"await {text}")

    def _del(self, node: cst.Del) -> None:
        targets = node.target.elements if isinstance(node.target, cst.Tuple) else [node.target]
        for target in targets:
            expr = target.value if isinstance(target, cst.Element) else target
            if isinstance(expr, cst.Subscript):
                found = self.container(expr)
                if found is not None:
                    container, owner, extra = found
                    self._add(RELEASE, STORE, container, extra, node, owner, f"del {container}[...]")

    def _call(self, call: cst.Call) -> None:
        func = call.func
        if isinstance(func, cst.Call) and call_name(func) in ("async_to_sync", "sync_to_async") \
                and len(func.args) == 1:
            # Channels' sync consumers: ``async_to_sync(self.channel_layer.group_add)(...)``
            inner = cst.Call(func=func.args[0].value, args=call.args)
            effects = self.analysis.callee_effects(inner, self.info)
            if effects is not None:
                self._through(inner, effects, anchor=call)
            return
        name = call_name(call) or ""
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in _ADD_METHODS or method in _REMOVE_METHODS:
                found = self.container(func.value)
                if found is not None:
                    self._container_call(call, method, *found)
                    return
            if method in ("gather", "wait", "wait_for", "shield") and dotted(func.value) == "asyncio":
                keys = [_code(_unawait(a.value)) for a in call.args]
                self._add(RELEASE, TASK, "task", keys, call, what=f"asyncio.{method}()")
            if method == "cancel" and not call.args:
                receiver = _code(func.value)
                self._add(RELEASE, TASK, "task", [receiver], call, what=f"{receiver}.cancel()")
                return
        if name in _TASK_STARTERS and self._plain_task_starter(call):
            self._task(call)
            return
        if name in _EXIT_STACK and call.args:
            self._exit_stack(call)
            return
        if self.analysis.configured and self._fallback(call, name):
            return  # a configured acquire/release name decides
        effects = self.analysis.callee_effects(call, self.info)
        if effects is not None:
            self._through(call, effects)
            return
        self._fallback(call, name)

    def _container_call(self, call: cst.Call, method: str, container: str, owner: str | None,
                        extra: list[str]) -> None:
        args = [_code(_unawait(a.value)) for a in call.args if a.keyword is None]
        if method in _ADD_METHODS:
            if method == "setdefault":
                if len(args) < 2:
                    return
                values = [args[0], args[1]]
            elif method == "update":
                values = []
                for arg in call.args:
                    if isinstance(arg.value, cst.Dict):
                        for element in arg.value.elements:
                            if isinstance(element, cst.DictElement):
                                values += [_code(element.key), _code(element.value)]
                    elif arg.keyword is not None:
                        values += [repr(arg.keyword.value), _code(arg.value)]
                if not values:
                    return
            elif method == "insert":
                values = args[1:]
            else:
                values = args
            shown = values[-1] if values else ""
            where = f"{container}[{', '.join(extra)}]" if extra else container
            self._add(ACQUIRE, STORE, container, [*extra, *values], call, owner,
                      f"{method}s '{shown}' to '{where}'" if method in ("append", "add") else
                      f"stores '{shown}' in '{where}'")
        else:
            if method in ("clear", "popitem", "popleft") and not extra:
                keys = [WILDCARD]
            else:
                keys = [*extra, *args[:1]]
            self._add(RELEASE, STORE, container, keys or [WILDCARD], call, owner,
                      f"{container}.{method}()")

    def _plain_task_starter(self, call: cst.Call) -> bool:
        """``asyncio.create_task``/``ensure_future``/``loop.create_task``: not a task
        group's ``create_task``, whose ``async with`` waits for (or cancels) its tasks."""
        func = call.func
        if isinstance(func, cst.Name):
            return True
        receiver = dotted(func.value) if isinstance(func, cst.Attribute) else None
        if receiver is None:
            return False
        if receiver == "asyncio" or receiver.endswith("loop"):
            return True
        for assign in _find(self.info.node.body, cst.Assign):
            value = _unawait(assign.value)
            if isinstance(value, cst.Call) and call_name(value) in ("get_running_loop", "get_event_loop") \
                    and any(dotted(t.target) == receiver for t in assign.targets):
                return True
        return False

    def _task(self, call: cst.Call) -> None:
        if not call.args:
            return
        coro = _unawait(call.args[0].value)
        if not isinstance(coro, cst.Call):
            return
        target = self.analysis._resolve(coro, self.info)
        if target is None or not _runs_until_cancelled(target.function.node):
            return
        var = self.bound.get(id(call))
        if var is None:
            return  # fire and forget: no handle to cancel it with (not judged here)
        key = var
        self._add(ACQUIRE, TASK, "task", [key], call,
                  what=f"starts {target.function.name}(), which runs until cancelled", var=var)

    def _exit_stack(self, call: cst.Call) -> None:
        """``stack.push_async_callback(release, x)``: the release runs when the stack
        unwinds (an ``async with`` of the stack)."""
        first = _unawait(call.args[0].value)
        rest = [_code(a.value) for a in call.args[1:]]
        if isinstance(first, cst.Attribute) and dotted(first):
            receiver = _code(first.value)
            fake = cst.Call(func=first, args=[cst.Arg(a.value) for a in call.args[1:]])
            effects = self.analysis.callee_effects(fake, self.info)
            if effects is not None:
                self._through(fake, effects, anchor=call)
            self._add(RELEASE, NAMED, "exit stack", [receiver, *rest], call, what="exit stack")
        elif isinstance(first, cst.Name):
            fake = cst.Call(func=first, args=[cst.Arg(a.value) for a in call.args[1:]])
            effects = self.analysis.callee_effects(fake, self.info)
            if effects is not None:
                self._through(fake, effects, anchor=call)
            self._add(RELEASE, NAMED, "exit stack", rest, call, what="exit stack")

    def _through(self, call: cst.Call, effects: ResourceEffects, anchor: cst.CSTNode | None = None) -> None:
        if effects.empty:
            return
        binding = self._bind(call, effects)
        via = call_name(call)
        var = self.bound.get(id(call))
        for effect in (*effects.acquires, *effects.releases):
            keys = [self._substitute(k, binding, var, via) for k in effect.keys]
            if any(k is None for k in keys):
                keys = [k for k in keys if k is not None]
                if not keys:
                    continue
            owner = self._substitute(effect.owner, binding, var, via) if effect.owner else None
            if effect.owner and owner is None:
                continue
            what = effect.what
            if effect.how == SUBSCRIBE and "$" in what:
                what = self._substitute(what, binding, var, via) or what
            keys = self._loop_wildcards(frozenset(keys)) if effect.kind == RELEASE else keys
            self.out.append(Local(replace(effect, keys=frozenset(keys), owner=owner, what=what),
                                  anchor if anchor is not None else call, via, var,
                                  id(anchor if anchor is not None else call) in self.managed))

    def _bind(self, call: cst.Call, effects: ResourceEffects) -> dict[str, str]:
        params = list(effects.params)
        binding: dict[str, str] = {}
        if effects.bound and params:
            first = params.pop(0)
            func = call.func
            if isinstance(func, cst.Attribute):
                binding[first] = _code(func.value)
            elif isinstance(func, cst.Name) and func.value in self.index.classes:
                binding[first] = self.bound.get(id(call), RET_PLACEHOLDER)
        position = 0
        for arg in call.args:
            if arg.star:
                continue
            text = _code(_unawait(arg.value))
            if arg.keyword is not None:
                binding[arg.keyword.value] = text
            elif position < len(params):
                binding[params[position]] = text
                position += 1
        return binding

    @staticmethod
    def _substitute(term: str | None, binding: dict[str, str], var: str | None, via: str | None) -> str | None:
        if term is None:
            return None
        if term == WILDCARD:
            return term
        missing = False

        def sub(match: re.Match) -> str:
            nonlocal missing
            name = match.group(1)
            if name == "ret":
                if var is None:
                    return f"<result of {via}()>"
                return var
            if name in binding:
                return binding[name]
            missing = True
            return match.group(0)
        out = _PARAM.sub(sub, term)
        return None if missing else out

    def _fallback(self, call: cst.Call, name: str) -> bool:
        """Name patterns, only for calls nothing else can answer (and configured pairs)."""
        if not name:
            return False
        before = len(self.out)
        self._named(call, name)
        return len(self.out) > before

    def _named(self, call: cst.Call, name: str) -> None:
        receiver = _code(call.func.value) if isinstance(call.func, cst.Attribute) else None
        args = [_code(_unawait(a.value)) for a in call.args]
        var = self.bound.get(id(call))
        ws_names = {t.name for t in self.analysis.ws.tracked(self.info)}
        for acquire, release in self.analysis.pairs:
            if fnmatchcase(name, acquire):
                if acquire == "connect" and not (set(args) & ws_names):
                    return  # ``*.connect(ws)`` only with the websocket
                keys = [*args, *([var] if var else [])]
                if not keys:
                    return
                self._add(ACQUIRE, NAMED, f"named:{acquire}", keys, call, receiver,
                          f"{name}() (by its name)", var=var, releases=(release,))
                return
        for acquire, release in self.analysis.pairs:
            if fnmatchcase(name, release):
                keys = [*args] or ([receiver] if receiver else [])
                if receiver is not None and not args:
                    # ``manager.cleanup()`` on the object the acquire returned
                    self._add(RELEASE, NAMED, f"named:{acquire}", [receiver], call, receiver, f"{name}()")
                else:
                    self._add(RELEASE, NAMED, f"named:{acquire}", keys, call, receiver, f"{name}()")
        if receiver is not None and _matches(name, GENERIC_RELEASES) and not args:
            for acquire, _ in self.analysis.pairs:
                self._add(RELEASE, NAMED, f"named:{acquire}", [receiver], call, receiver, f"{name}()")


RET_PLACEHOLDER = "<new object>"
RETURNED = "__returned__"


def _runs_until_cancelled(function: cst.FunctionDef) -> bool:
    """A coroutine whose body is a ``while True`` loop that nothing breaks out of."""
    if function.asynchronous is None:
        return False
    for loop in _find(function.body, cst.While):
        test = loop.test
        if not ((isinstance(test, cst.Name) and test.value == "True") or
                (isinstance(test, cst.Integer) and test.value == "1")):
            continue
        exits = [n for n in walk(loop.body, NESTED_SCOPES + (cst.While, cst.For))
                 if isinstance(n, (cst.Break, cst.Return))]
        raises = _find(loop.body, cst.Raise)
        # a loop inside a ``try`` whose handler ends the function (a receive loop that
        # returns on disconnect) ends with the connection
        caught = any(loop in _find(t.body, cst.While) for t in _find(function.body, cst.Try) if t.handlers)
        if not exits and not raises and not caught:
            return True
    return False


def _broad(handler: cst.ExceptHandler) -> bool:
    names = caught_names(handler)
    return names is None or bool({"Exception", "BaseException"} & set(names))


def _swallowing_handler(function: cst.FunctionDef, releasing: cst.ExceptHandler) -> cst.ExceptHandler | None:
    """A broad ``except`` in the function that neither releases nor re-raises: it takes the
    disconnect and lets the function go on to return normally."""
    for handler in _find(function.body, cst.ExceptHandler):
        if handler is releasing:
            continue
        names = caught_names(handler)
        broad = names is None or bool({"Exception", "BaseException", "WebSocketDisconnect",
                                       "RuntimeError", "OSError"} & set(names))
        if broad and not _find(handler.body, cst.Raise):
            return handler
    return None


def _module_containers(index: ModuleIndex) -> dict[str, str]:
    """Module-level names bound to containers: "plain", "weak" or "bounded"."""
    out: dict[str, str] = {}
    for statement in index.module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                for name, value in _assigned(small):
                    if "." not in name:
                        kind = _container_kind(value)
                        if kind is not None:
                            out[name] = kind
    return out


def _class_body_names(node: cst.ClassDef) -> set[str]:
    names = set()
    for statement in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                for name, _ in _assigned(small):
                    names.add(name)
    return names


def _class_containers(cls) -> dict[str, str]:
    """Attributes of a class bound to containers (class body, or ``self.x = ...`` in any
    method)."""
    out: dict[str, str] = {}
    for statement in cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ():
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                for name, value in _assigned(small):
                    kind = _container_kind(value)
                    if kind is not None:
                        out[name] = kind
    for method in cls.methods.values():
        for small in _find(method.node.body, (cst.Assign, cst.AnnAssign)):
            for name, value in _assigned(small):
                if name.startswith(("self.", "cls.")) and name.count(".") == 1:
                    kind = _container_kind(value)
                    attr = name.split(".", 1)[1]
                    if kind is not None and out.get(attr) != "weak":
                        out.setdefault(attr, kind)
    return out


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


def _container_kind(value: cst.BaseExpression) -> str | None:
    if isinstance(value, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)):
        return "plain"
    if isinstance(value, cst.Call):
        name = call_name(value)
        if name in _WEAK:
            return "weak"
        if name in _CONTAINER_CALLS:
            if any(a.keyword is not None and a.keyword.value == "maxlen" for a in value.args):
                return "bounded"
            return "plain"
    return None


class _Lifetime(Dataflow[tuple]):
    def __init__(self, by_node, acquires: list[Local], harmless) -> None:
        self.by_node = by_node
        self.acquires = acquires
        self.harmless = harmless

    def join(self, left: tuple, right: tuple) -> tuple:
        return tuple(a | b for a, b in zip(left, right))

    def transfer(self, node: Node, state: tuple, report: bool) -> tuple:
        if node.kind == ASSUME:
            return self._assume(node, state)
        return self._apply(node, state, (ACQUIRE, RELEASE))

    def exceptional(self, node: Node, state: tuple) -> tuple:
        events = self.by_node.get(node.index) or ()
        cleanup = any(kind == RELEASE for kind, _ in events)
        if cleanup or (node.kind != "raise" and node.calls and all(self.harmless(c) for c in node.calls)
                       and (not node.has_await or node.awaited)):
            # nothing here raises (or it is the cleanup itself): this edge carries nothing held
            return tuple(frozenset(s - {HELD}) for s in self._apply(node, state, (RELEASE,)))
        # a release that raises has still given the resource up; a failed acquire holds nothing
        return self._apply(node, state, (RELEASE,))

    def _apply(self, node: Node, state: tuple, kinds: tuple[str, ...]) -> tuple:
        events = self.by_node.get(node.index)
        if not events:
            return state
        current = list(state)
        for kind, i in events:
            if kind in kinds:
                current[i] = frozenset({HELD}) if kind == ACQUIRE else frozenset({RELEASED})
        return tuple(current)

    def _assume(self, node: Node, state: tuple) -> tuple:
        """``if not await manager.connect(ws): return``: on the failure branch the acquire
        stored nothing."""
        test, polarity = node.expr, node.polarity
        while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, polarity = test.expression, not polarity
        test = _unawait(test) if isinstance(test, cst.BaseExpression) else test
        if polarity:
            return state
        current = list(state)
        for i, acq in enumerate(self.acquires):
            if test is acq.anchor or (isinstance(test, cst.Name) and acq.var == test.value):
                current[i] = frozenset()
        return tuple(current)


def _harmless(call: cst.Call) -> bool:
    name = call_name(call)
    if name in _HARMLESS:
        return True
    func = call.func
    if isinstance(func, cst.Attribute):
        root = dotted(func.value) or ""
        return bool(_LOGGERS.match(root.split(".")[0]))
    return False


# -- NL203: registries that only grow ---------------------------------------------------

@dataclass
class Registry:
    name: str
    adds: list[tuple[Local, FunctionInfo]] = field(default_factory=list)
    removed: bool = False
    swept: bool = False               # only a periodic sweeper removes from it


def growing_registries(resources: ResourceAnalysis) -> list[Registry]:
    index = resources.index
    ws = resources.ws
    registries: dict[str, Registry] = {}
    per_connection_classes = _per_connection_classes(resources)
    for info in index.all_functions:
        tracked = {t.name for t in ws.tracked(info)}
        owner = resources.is_owner(info)
        scope = resources.scope(info)
        sweeper = _periodic(info.node)
        for local in _direct(resources, info):
            effect = local.effect
            if effect.how != STORE:
                continue
            cls_name = effect.container.split(".")[0]
            if effect.owner is not None and cls_name in per_connection_classes:
                continue
            registry = registries.setdefault(effect.container, Registry(effect.container))
            if effect.kind == RELEASE:
                if sweeper:
                    registry.swept = True
                else:
                    registry.removed = True
            elif _stores_per_connection(local, info, tracked, owner, scope) and not _memoises(info, effect):
                registry.adds.append((local, info))
    # module-level code may clear module registries too
    for statement in index.module.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        for node in walk(statement, NESTED_SCOPES):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value in _REMOVE_METHODS:
                name = dotted(node.func.value)
                if name in registries:
                    registries[name].removed = True
    bounded = {name for name, kind in resources.module_names.items() if kind != "plain"}
    return [r for r in registries.values() if r.adds and not r.removed and r.name not in bounded]


def _direct(resources: ResourceAnalysis, info: FunctionInfo) -> list[Local]:
    return [e for e in resources.local_effects(info) if e.via is None]


def _stores_per_connection(local: Local, info: FunctionInfo, tracked: set[str], owner: bool,
                           scope: _Scope) -> bool:
    effect = local.effect
    roots = set()
    for term in effect.keys:
        roots |= _roots(term)
    if not roots and not any(_FRESH.search(t) for t in effect.keys):
        return False  # constant keys: bounded
    if all(_constant_key(t) for t in effect.keys if t != WILDCARD and _roots(t)) and \
            not any(_roots(t) & tracked for t in effect.keys):
        return False
    if owner:
        return True
    if roots & tracked:
        return True
    for term in effect.keys:
        if _FRESH.search(term):
            return True
        name = term.rsplit(".", 1)[-1]
        if re.fullmatch(r"\w+", name) and _PER_CONNECTION_NAME.search(name):
            return True
        if term.startswith("<result of") or term == RET_PLACEHOLDER:
            return True
    if not tracked:
        return False
    # in a function handed the websocket: an object made for this call under a key that varies
    made = _made_here(info)
    return any(term in made for term in effect.keys)


def _constant(term: str) -> bool:
    return not _roots(term) and not _fresh(term) or _constant_key(term)


def _constant_key(term: str) -> bool:
    """``Kind.CHAT``: a member of a bounded enum."""
    return bool(re.fullmatch(r"[A-Z]\w*\.[A-Z_0-9]+", term))


def _made_here(info: FunctionInfo) -> set[str]:
    made = set()
    for assign in _find(info.node.body, cst.Assign):
        value = _unawait(assign.value)
        if isinstance(value, cst.Call):
            name = call_name(value) or ""
            if name[:1].isupper() or name in ("Queue",):
                for target in assign.targets:
                    text = dotted(target.target)
                    if text:
                        made.add(text)
    for call in _find(info.node.body, cst.Call):
        name = call_name(call) or ""
        if name[:1].isupper():
            made.add(_code(call))
    return made


def _memoises(info: FunctionInfo, effect: Effect) -> bool:
    """A cache: the function first looks the key up (``if key in cache``/``cache.get(key)``)."""
    container = re.escape(effect.container.split(".", 1)[-1])
    text = cst.Module([]).code_for_node(info.node.body)
    for term in effect.keys:
        if term == WILDCARD or not re.fullmatch(r"[\w.]+", term):
            continue
        key = re.escape(term)
        if re.search(rf"\b(if|elif|and|or)\s+{key}\s+(not\s+)?in\s+(self\.|cls\.)?{container}\b", text) or \
                re.search(rf"{container}\.get\(\s*{key}\b", text):
            return True
    return False


def _periodic(function: cst.FunctionDef) -> bool:
    """A sweeper: removes inside a loop that sleeps between rounds."""
    for loop in _find(function.body, (cst.While, cst.For)):
        if any(call_name(c) == "sleep" for c in _find(loop.body, cst.Call)):
            return True
    return False


def _per_connection_classes(resources: ResourceAnalysis) -> set[str]:
    """Classes whose instances live one connection: their constructor takes the websocket,
    or a connection's owner makes one and keeps it in a local."""
    out = set()
    for name, cls in resources.index.classes.items():
        init = resources.index.method(cls, "__init__")
        if init is not None and any(t.param_index is not None for t in resources.ws.tracked(init)):
            out.add(name)
    for info in resources.index.all_functions:
        if not resources.is_owner(info):
            continue
        for assign in _find(info.node.body, cst.Assign):
            value = _unawait(assign.value)
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) \
                    and value.func.value in resources.index.classes \
                    and all(isinstance(t.target, cst.Name) for t in assign.targets):
                out.add(value.func.value)
    return out
