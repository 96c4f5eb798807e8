"""NL501: a manager that starts as ``None`` and is set by an init function, used unchecked.

Candidates are module-level names bound to ``None`` (``db: DatabaseManager | None = None``)
and class attributes bound to ``None`` in the class body (``_instance = None``) that are
given a value only inside functions (``global db; db = ...``, ``cls._instance = ...``),
never at import time.

Every other function that uses a candidate (``db.execute()``, ``db()``) runs a forward
dataflow over its CFG whose state is the set of candidates that may still be ``None``.
A candidate leaves the set on a condition edge that rules ``None`` out (``if db is None:
raise``, ``if not db: return``, ``assert db``, ``isinstance``), after a call that
initialises or checks it (the init function itself, ``ensure_initialized()``, a local
helper whose every normal exit has ruled ``None`` out), and after its first use (had it
been ``None``, that use raised). A use while the candidate may be ``None`` is reported.

A function starts with every candidate possibly ``None`` when it may run at a time the
module does not order (a route, a callback registered at module level, a function no
code in the module mentions); when only the module's own functions mention it, it
starts with what holds at those mentions (a helper the lifespan calls after the init).
Only values the init function *builds* (a call, an ``await``) make a candidate: a
setter that stores what it is handed is dependency injection, not initialisation.

Precision first: functions that assign the candidate, teardown and lifecycle handlers,
uses protected by ``except AttributeError``/``Exception``, and candidates whose
initialiser is called at import time are never reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

import libcst as cst

from ..engine.cfg import ASSUME, CFG, JOIN, Node
from ..engine.flow import Dataflow
from ..engine.module import (FunctionInfo, call_name, caught_names, depends_target, dotted,
                             parameters, string_value)
from ..engine.walk import NESTED_SCOPES, children, walk
from .base import Context, Pending

CODE = "NL501"

_INIT_WORDS = frozenset({"setup", "startup", "bootstrap", "configure"})
_LIFECYCLE_WORDS = frozenset({"shutdown", "teardown", "cleanup", "dispose", "close", "stop",
                              "lifespan", "startup", "atexit", "del", "exit", "aexit"})


def _words(name: str) -> list[str]:
    """``init_db`` -> [init, db]; ``setUpModule`` -> [set, up, module]."""
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)]


def _joined(words: list[str]) -> set[str]:
    return set(words) | {a + b for a, b in zip(words, words[1:])}


def is_init_name(name: str) -> bool:
    """A function whose name says it initialises or checks initialisation:
    ``init_db``, ``initialize``, ``setup``, ``ensure_initialized`` (not ``ensure_future``)."""
    words = _words(name)
    if not words or name == "__init__":  # a constructor initialises its instance, not globals
        return False
    if any(w.startswith("init") for w in words) or _joined(words) & _INIT_WORDS:
        return True
    return words[0] == "ensure" and "future" not in words


# The second half of a start/finish hook pair (pytest_sessionfinish, pytest_unconfigure,
# tearDownClass, on_shutdown): it runs after its start hook, or only closes what exists.
_FINISH_SUFFIXES = ("finish", "unconfigure", "deconfigure", "teardown", "shutdown", "finalize",
                    "finalise", "deinit", "uninit", "unload", "destroy", "terminate")


def is_lifecycle_name(name: str) -> bool:
    """Start-up and teardown code: it runs after the init, or only closes what exists."""
    words = _words(name)
    return bool(_joined(words) & _LIFECYCLE_WORDS) or any(
        w.endswith(_FINISH_SUFFIXES) for w in _joined(words))


# Handlers that make an AttributeError/TypeError on None harmless.
_CATCHES_NONE = frozenset({"AttributeError", "TypeError", "Exception", "BaseException"})

State = frozenset  # indexes of the candidates that may be None here


@dataclass
class Candidate:
    label: str                      # for messages: "db" or "DatabaseManager._instance"
    global_name: str | None = None  # module-level name
    cls: str | None = None          # class attribute: class name
    attr: str | None = None
    initialisers: list[str] = field(default_factory=list)  # functions giving it a value
    assigners: set[int] = field(default_factory=set)       # id() of functions assigning it
    correlated: set[str] = field(default_factory=set)      # other names its init assigns


# -- scopes ---------------------------------------------------------------------------------
@dataclass
class _Scope:
    node: cst.FunctionDef
    parent: "_Scope | None"
    cls: cst.ClassDef | None                # the class the function is a method of
    locals: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    # (target expression, value or None for "some value") of every assignment in the body
    stores: list[tuple[cst.BaseExpression, cst.BaseExpression | None]] = field(default_factory=list)

    def resolves_global(self, name: str) -> bool:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.globals:
                return True
            if name in scope.locals:
                return False
            scope = scope.parent
        return True


def _bind_target(scope: "_Scope | None", target: cst.BaseExpression,
                 value: cst.BaseExpression | None) -> None:
    if scope is None:
        return
    if isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _bind_target(scope, element.value, None)
    elif isinstance(target, cst.StarredElement):
        _bind_target(scope, target.value, None)
    else:
        if isinstance(target, cst.Name):
            scope.locals.add(target.value)
        scope.stores.append((target, value))


class _ScopeBuilder:
    """Every function's scope, from a walk over statements only (expressions are not
    entered: walking every expression node of a large module costs seconds)."""

    def __init__(self, module: cst.Module) -> None:
        self.scopes: dict[int, _Scope] = {}
        self._statements(module.body, None, None)

    def _function(self, node: cst.FunctionDef, parent: _Scope | None, cls: cst.ClassDef | None) -> None:
        scope = _Scope(node, parent, cls)
        for param in parameters(node):
            scope.locals.add(param.name.value)
        for star in (node.params.star_arg, node.params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.locals.add(star.name.value)
        self.scopes[id(node)] = scope
        self._suite(node.body, scope)

    def _suite(self, suite: cst.BaseSuite | None, scope: _Scope | None) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self._statements(suite.body, scope, None)
        elif isinstance(suite, cst.SimpleStatementSuite):
            self._small(suite.body, scope)

    def _statements(self, statements, scope: _Scope | None, cls: cst.ClassDef | None) -> None:
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                self._small(statement.body, scope)
            elif isinstance(statement, cst.FunctionDef):
                if scope is not None and cls is None:
                    scope.locals.add(statement.name.value)
                self._function(statement, scope, cls)
            elif isinstance(statement, cst.ClassDef):
                if scope is not None and cls is None:
                    scope.locals.add(statement.name.value)
                body = statement.body
                if isinstance(body, cst.IndentedBlock):
                    # a class body is no scope for its methods: they see ``scope``
                    self._statements(body.body, scope, statement)
            else:
                self._compound(statement, scope if cls is None else None)

    def _compound(self, statement: cst.BaseCompoundStatement, scope: _Scope | None) -> None:
        if isinstance(statement, cst.For):
            _bind_target(scope, statement.target, None)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    _bind_target(scope, item.asname.name, None)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            for handler in statement.handlers:
                if scope is not None and handler.name is not None and isinstance(handler.name.name, cst.Name):
                    scope.locals.add(handler.name.name.value)
                self._suite(handler.body, scope)
        elif isinstance(statement, cst.Match):
            for case in statement.cases:
                self._suite(case.body, scope)
        self._suite(getattr(statement, "body", None), scope)
        orelse = getattr(statement, "orelse", None)
        while isinstance(orelse, cst.If):
            self._suite(orelse.body, scope)
            orelse = orelse.orelse
        if isinstance(orelse, cst.Else):
            self._suite(orelse.body, scope)
        final = getattr(statement, "finalbody", None)
        if isinstance(final, cst.Finally):
            self._suite(final.body, scope)

    def _small(self, smalls, scope: _Scope | None) -> None:
        if scope is None:
            return
        for small in smalls:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    _bind_target(scope, target.target, small.value)
            elif isinstance(small, cst.AnnAssign):
                _bind_target(scope, small.target, small.value)
            elif isinstance(small, cst.AugAssign):
                _bind_target(scope, small.target, None)
            elif isinstance(small, cst.Global):
                scope.globals.update(n.name.value for n in small.names)
            elif isinstance(small, cst.Nonlocal):
                scope.locals.update(n.name.value for n in small.names)
            elif isinstance(small, cst.Del):
                _bind_target(scope, small.target, None)
            elif (isinstance(small, (cst.Import, cst.ImportFrom))
                  and not isinstance(small.names, cst.ImportStar)):
                for alias in small.names:
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        scope.locals.add(alias.asname.name.value)
                    else:
                        name = dotted(alias.name)
                        if name:
                            scope.locals.add(name.split(".")[0])


def _decorators(function: cst.FunctionDef) -> list[str]:
    out = []
    for decorator in function.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        out.append(dotted(expr) or "")
    return out


def _method_kind(scope: _Scope) -> str | None:
    """"class" or "instance" for a method, with its first parameter; None otherwise."""
    if scope.cls is None or not parameters(scope.node):
        return None
    names = {d.rsplit(".", 1)[-1] for d in _decorators(scope.node)}
    if "staticmethod" in names:
        return None
    if "classmethod" in names or scope.node.name.value in (
            "__new__", "__init_subclass__", "__class_getitem__"):
        return "class"
    return "instance"


def _is_none(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


# -- candidates ------------------------------------------------------------------------------
def _module_statements(module: cst.Module) -> Iterator[cst.CSTNode]:
    """Module-level statements, entering if/try/with/for bodies, not defs or classes."""
    stack = list(reversed(module.body))
    while stack:
        statement = stack.pop()
        yield statement
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        children: list[cst.CSTNode] = []
        for attr in ("body", "orelse", "finalbody"):
            part = getattr(statement, attr, None)
            if isinstance(part, (cst.Else, cst.Finally)):
                part = part.body
            if isinstance(part, cst.IndentedBlock):
                children.extend(part.body)
            elif isinstance(part, cst.If):
                children.append(part)
        for handler in getattr(statement, "handlers", ()) or ():
            if isinstance(handler.body, cst.IndentedBlock):
                children.extend(handler.body.body)
        stack.extend(reversed(children))


class _ModuleLevel:
    """At import time: names bound (to None or otherwise) and names of functions called."""

    def __init__(self) -> None:
        self.none: set[str] = set()
        self.other: set[str] = set()
        self.called: set[str] = set()

    def _bind(self, target: cst.BaseExpression, none: bool) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, False)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, False)
        elif isinstance(target, cst.Name):
            (self.none if none else self.other).add(target.value)

    def scan(self, root: cst.CSTNode) -> None:
        for node in walk(root, NESTED_SCOPES):
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                self.other.add(node.name.value)
            elif isinstance(node, cst.Assign):
                for target in node.targets:
                    self._bind(target.target, _is_none(node.value))
            elif isinstance(node, cst.AnnAssign):
                if node.value is not None:
                    self._bind(node.target, _is_none(node.value))
            elif isinstance(node, (cst.AugAssign, cst.NamedExpr)):
                self._bind(node.target, False)
            elif isinstance(node, cst.WithItem):
                if node.asname is not None:
                    self._bind(node.asname.name, False)
            elif isinstance(node, cst.ImportAlias):
                name = dotted(node.asname.name) if node.asname is not None else dotted(node.name)
                if name:
                    self.other.add(name.split(".")[0])
            elif isinstance(node, cst.Call):
                name = call_name(node)
                if name:
                    self.called.add(name)


def _class_none_attrs(cls: cst.ClassDef) -> tuple[set[str], set[str]]:
    none, other = set(), set()
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            (none if _is_none(small.value) else other).add(target.target.value)
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    if small.value is not None:
                        (none if _is_none(small.value) else other).add(small.target.value)
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            other.add(statement.name.value)
    return none - other, other


def _constructs(value: cst.BaseExpression | None) -> bool:
    """The value is built here (a call, an await): a manager, a pool, a client."""
    if isinstance(value, (cst.Call, cst.Await)):
        return True
    if isinstance(value, (cst.BooleanOperation, cst.IfExp)):
        return any(isinstance(n, cst.Call) for n in walk(value, NESTED_SCOPES))
    return False


# Initialisers that a test framework runs before any test: their globals are set in tests.
_TEST_HOOKS = frozenset({"setUpModule", "setUpClass", "setUp", "asyncSetUp", "setup_module",
                         "setup_class", "setup_method", "setup_function", "setup"})


def _not_references(root: cst.CSTNode, nodes: list[cst.CSTNode]) -> set[int]:
    """Names under ``root`` that name something rather than refer to it: ``.attr``,
    ``keyword=``, a def's or parameter's own name, import parts."""
    out: set[int] = set()
    for node in nodes:
        if isinstance(node, cst.Attribute):
            out.add(id(node.attr))
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            out.add(id(node.keyword))
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Param)):
            out.add(id(node.name))
        elif isinstance(node, (cst.Import, cst.ImportFrom, cst.Global, cst.Nonlocal)):
            out.update(id(n) for n in walk(node) if isinstance(n, cst.Name))
    return out


def _mentions_in(rule: "_InitOrder") -> dict[int, set[int]]:
    """Which code mentions each function of the module: the id of the mentioning function,
    or 0 for module-level code and lambdas (code that runs at a time we do not know)."""
    mentions: dict[int, set[int]] = {}

    def scan(root: cst.CSTNode, owner: int, skip: tuple[type, ...]) -> None:
        nodes = list(walk(root, skip))
        ignored = _not_references(root, nodes)
        scope = rule.scopes.get(owner)
        for node in nodes:
            if node is not root and isinstance(node, cst.Lambda):
                scan(node, 0, (cst.FunctionDef, cst.ClassDef))
            elif isinstance(node, (cst.Name, cst.Attribute)) and id(node) not in ignored:
                for target in rule.mentioned(scope, node):
                    mentions.setdefault(target, set()).add(owner)

    scan(rule.ctx.module, 0, (cst.FunctionDef, cst.Lambda))
    for key, scope in rule.scopes.items():
        scan(scope.node.body, key, NESTED_SCOPES)
    return mentions


# -- the per-module analysis ------------------------------------------------------------------
class _InitOrder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.scopes: dict[int, _Scope] = {}
        self.candidates: list[Candidate] = []
        self._ensures: dict[tuple[int, int], bool] = {}
        self._busy: set = set()
        self._entries: dict[int, frozenset] = {}
        self._runs: dict[int, tuple[_Flow, list]] = {}
        self.ref_states: dict[int, frozenset] = {}   # id(function) -> union of states at its refs
        self._find_candidates()
        if self.candidates:
            self.by_name: dict[str, list[int]] = {}  # functions (not methods) by name
            for key, scope in self.scopes.items():
                if scope.cls is None:
                    self.by_name.setdefault(scope.node.name.value, []).append(key)
            self.mentions = _mentions_in(self)

    # -- which names -----------------------------------------------------------------------
    def _find_candidates(self) -> None:
        level = _ModuleLevel()
        classes: dict[str, cst.ClassDef] = {}
        for statement in _module_statements(self.ctx.module):
            if isinstance(statement, cst.ClassDef):
                classes[statement.name.value] = statement
                level.other.add(statement.name.value)
            elif isinstance(statement, cst.FunctionDef):
                level.other.add(statement.name.value)
            elif isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                level.scan(statement)
            else:  # the header of a compound statement: its test, iterable, target, items
                if isinstance(statement, cst.For):
                    level._bind(statement.target, False)
                for attr in ("test", "iter", "items"):
                    part = getattr(statement, attr, None)
                    if isinstance(part, cst.CSTNode):
                        level.scan(part)
                    elif isinstance(part, (list, tuple)):
                        for item in part:
                            level.scan(item)
        by_key: dict[tuple, Candidate] = {}
        for name in sorted(level.none - level.other):
            by_key[("g", name)] = Candidate(name, global_name=name)
        for cls_name, cls in classes.items():
            none, _ = _class_none_attrs(cls)
            for attr in sorted(none):
                by_key[("c", cls_name, attr)] = Candidate(f"{cls_name}.{attr}", cls=cls_name, attr=attr)
        if not by_key:
            return
        self.scopes = _ScopeBuilder(self.ctx.module).scopes  # only now: most files stop above
        instance_stored: set[tuple[str, str]] = set()
        constructed: set[tuple] = set()
        hooked: set[tuple] = set()
        for scope in self.scopes.values():
            for target, value in scope.stores:
                key = self._store_key(scope, target)
                if key is None:
                    continue
                if key[0] == "self":
                    instance_stored.add(key[1:])
                    continue
                candidate = by_key.get(key)
                if candidate is None:
                    continue
                candidate.assigners.add(id(scope.node))
                if value is None or not _is_none(value):
                    candidate.initialisers.append(scope.node.name.value)
                if _constructs(value):
                    constructed.add(key)
                if (scope.node.name.value in _TEST_HOOKS
                        or any(d.rsplit(".", 1)[-1] == "fixture" for d in _decorators(scope.node))):
                    hooked.add(key)
        # init functions that a test runner's hook calls (setUpClass -> cls.init_shell())
        hook_called = {call_name(c) for scope in self.scopes.values()
                       if scope.node.name.value in _TEST_HOOKS
                       for c in walk(scope.node.body, NESTED_SCOPES) if isinstance(c, cst.Call)}
        for key, candidate in by_key.items():
            if key not in constructed or key in hooked:
                continue  # not a manager built by an init function, or set up by a test runner
            if any(name in hook_called for name in candidate.initialisers):
                continue  # initialised by a helper that a test runner's hook calls
            if key[0] == "c" and key[1:] in instance_stored:
                continue  # ``self.attr = ...`` shadows the class attribute per instance
            if any(name in level.called for name in candidate.initialisers):
                continue  # initialised at import time
            self.candidates.append(candidate)
        for candidate in self.candidates:
            for assigner in candidate.assigners:
                scope = self.scopes[assigner]
                for target, _ in scope.stores:
                    key = self._store_key(scope, target)
                    if key is not None and key[0] != "self":
                        candidate.correlated.add(key[-1])
            candidate.correlated.discard(candidate.attr or candidate.global_name or "")
        self.siblings = [
            frozenset(j for j, other in enumerate(self.candidates)
                      if set(other.initialisers) & set(candidate.initialisers))
            for candidate in self.candidates]

    def _store_key(self, scope: _Scope, target: cst.BaseExpression) -> tuple | None:
        if isinstance(target, cst.Name):
            if target.value in scope.globals:
                return ("g", target.value)
            return None
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            base = target.value.value
            attr = target.attr.value
            kind = _method_kind(scope)
            first = parameters(scope.node)[0].name.value if kind else None
            if kind == "class" and base == first and scope.cls is not None:
                return ("c", scope.cls.name.value, attr)
            if kind == "instance" and base == first and scope.cls is not None:
                return ("self", scope.cls.name.value, attr)
            if scope.resolves_global(base):
                return ("c", base, attr)
        return None

    # -- how a function refers to them -----------------------------------------------------
    def paths(self, scope: _Scope) -> dict[str, int]:
        """The expressions (dotted) by which ``scope`` reads each candidate."""
        out: dict[str, int] = {}
        kind = _method_kind(scope)
        first = parameters(scope.node)[0].name.value if kind else None
        own_class = scope.cls.name.value if scope.cls is not None else None
        for i, candidate in enumerate(self.candidates):
            if candidate.global_name is not None:
                if scope.resolves_global(candidate.global_name):
                    out[candidate.global_name] = i
            else:
                if scope.resolves_global(candidate.cls or ""):
                    out[f"{candidate.cls}.{candidate.attr}"] = i
                if first and own_class == candidate.cls:
                    out[f"{first}.{candidate.attr}"] = i
        return out

    def exempt(self, scope: _Scope) -> bool:
        name = scope.node.name.value
        if is_lifecycle_name(name) or is_init_name(name):
            return True
        if name.startswith("pytest_") and scope.cls is None:
            return True  # pytest's hooks run in its order: configure and sessionstart first
        return any(d.rsplit(".", 1)[-1] in ("on_event", "on_startup", "on_shutdown", "contextmanager",
                                            "asynccontextmanager", "fixture")
                   for d in _decorators(scope.node))

    def cfg(self, function: cst.FunctionDef) -> CFG:
        return self.ctx.websockets.cfg(FunctionInfo(function, function.name.value))

    # -- entry states from the callers -------------------------------------------------------
    def entry(self, scope: _Scope) -> frozenset:
        """Candidates that may be None when ``scope`` starts: all of them when code we cannot
        order mentions it (module level, a lambda, nobody: it is called from outside);
        otherwise what holds where the functions of this module mention it."""
        key = id(scope.node)
        if key in self._entries:
            return self._entries[key]
        if ("entry", key) in self._busy:
            return frozenset()  # a cycle of mentions: assume the outer caller initialised
        everything = frozenset(range(len(self.candidates)))
        mentions = set(self.mentions.get(key, ()))
        mentions.discard(key)
        if not mentions or 0 in mentions or any(m not in self.scopes for m in mentions):
            result = everything
        else:
            self._busy.add(("entry", key))
            try:
                for mention in mentions:
                    self.run(self.scopes[mention])
            finally:
                self._busy.discard(("entry", key))
            result = self.ref_states.get(key, frozenset())
        self._entries[key] = result
        return result

    def run(self, scope: _Scope) -> tuple["_Flow", list]:
        """The dataflow of one function from its entry state (cached)."""
        key = id(scope.node)
        if key in self._runs:
            return self._runs[key]
        if ("run", key) in self._busy:
            return (_Flow(self, scope, {}, record=False), [])
        self._busy.add(("run", key))
        try:
            paths = self.paths(scope)
            initial = self.entry(scope) & frozenset(paths.values())
            flow = _Flow(self, scope, paths, record=True)
            graph = self.cfg(scope.node)
            states = flow.solve(graph, initial)
        finally:
            self._busy.discard(("run", key))
        self._runs[key] = (flow, states)
        return self._runs[key]

    def mentioned(self, scope: "_Scope | None", node: cst.CSTNode) -> list[int]:
        """The functions of this module that ``node`` (a name or attribute) refers to."""
        if isinstance(node, cst.Name):
            return self.by_name.get(node.value, [])
        if not isinstance(node, cst.Attribute) or not isinstance(node.value, cst.Name):
            return []
        base = node.value.value
        index = self.ctx.index
        cls = None
        if scope is not None and scope.cls is not None and _method_kind(scope) \
                and base == parameters(scope.node)[0].name.value:
            cls = index.classes.get(scope.cls.name.value)
        elif base in index.classes:
            cls = index.classes[base]
        elif base in index.instances:
            cls = index.classes.get(index.instances[base])
        if cls is None:
            return []  # a receiver we cannot type: it does not order anything
        method = index.method(cls, node.attr.value)
        return [id(method.node)] if method is not None and id(method.node) in self.scopes else []

    def record(self, scope: _Scope, mention: cst.CSTNode, state: frozenset) -> None:
        """``scope`` mentions a function of this module at a point where ``state`` holds."""
        for target in self.mentioned(scope, mention):
            if target != id(scope.node):
                self.ref_states[target] = self.ref_states.get(target, frozenset()) | state

    def ensures(self, function: cst.FunctionDef, candidate: int) -> bool:
        """Whether every normal exit of ``function`` has ruled out None for ``candidate``."""
        if id(function) in self.candidates[candidate].assigners:
            return True
        key = (id(function), candidate)
        if key in self._ensures:
            return self._ensures[key]
        if key in self._busy:
            return True  # recursion: assume the helper does its job (precision first)
        scope = self.scopes.get(id(function))
        if scope is None:
            return False
        self._busy.add(key)
        try:
            paths = {p: i for p, i in self.paths(scope).items() if i == candidate}
            if not paths:
                result = False
            else:
                graph = self.cfg(function)
                flow = _Flow(self, scope, paths, record=False)
                states = flow.solve(graph, frozenset({candidate}))
                exit_state = states[graph.exit]
                result = exit_state is None or candidate not in exit_state
        finally:
            self._busy.discard(key)
        self._ensures[key] = result
        return result

    def resolve(self, scope: _Scope, call: cst.Call) -> cst.FunctionDef | None:
        func = call.func
        index = self.ctx.index
        if isinstance(func, cst.Name) and scope.resolves_global(func.value):
            info = index.functions.get(func.value)
            return info.node if info else None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            base = func.value.value
            cls = None
            if scope.cls is not None and _method_kind(scope) and base == parameters(scope.node)[0].name.value:
                cls = index.classes.get(scope.cls.name.value)
            elif base in index.classes and scope.resolves_global(base):
                cls = index.classes[base]
            elif base in index.instances and scope.resolves_global(base):
                cls = index.classes.get(index.instances[base])
            if cls is not None:
                method = index.method(cls, func.attr.value)
                return method.node if method else None
        return None

    def check(self) -> Iterator[Pending]:
        if not self.candidates:
            return
        for scope in self.scopes.values():
            if self.exempt(scope):
                continue
            paths = self.paths(scope)
            if not paths or not _mentions(scope.node, paths):
                continue
            reporter = _Flow(self, scope, paths, record=False, report_for=frozenset(
                i for i in set(paths.values()) if id(scope.node) not in self.candidates[i].assigners))
            try:
                _, states = self.run(scope)
                if not states:
                    continue
                reporter.replay(self.cfg(scope.node), states)
            except RecursionError:
                continue  # an expression nested too deeply to evaluate: say nothing here
            for node, candidate, use in reporter.found:
                yield self.ctx.finding(CODE, node, _message(self.candidates[candidate], use))


def _mentions(function: cst.FunctionDef, paths: dict[str, int]) -> bool:
    for node in walk(function.body, NESTED_SCOPES):
        if isinstance(node, cst.Attribute) and dotted(node.value) in paths:
            return True
        if isinstance(node, cst.Call) and dotted(node.func) in paths:
            return True
    return False


def _message(candidate: Candidate, use: str) -> str:
    init = candidate.initialisers[0]
    label = candidate.label
    return (f"'{label}' starts as None and is set only by {init}(); '{use}' here runs with no "
            f"None check or init call on some path: call {init}() first or check "
            f"'if {label} is None: raise ...' (a getter that checks and raises)")



def _protected(graph: CFG, node: Node) -> bool:
    """The node runs in a ``try`` whose handlers catch what a use of None raises."""
    if node.exc is None:
        return False
    dispatch = graph.nodes[node.exc]
    if dispatch.kind != JOIN or not isinstance(dispatch.cst, (cst.Try, cst.TryStar)):
        return False
    for handler in dispatch.cst.handlers:
        names = caught_names(handler)
        if names is None or any(n in _CATCHES_NONE for n in names):
            return True
    return False


class _Flow(Dataflow[State]):
    """May-be-None candidates through one function. ``record``: note the state where the
    function mentions other functions of the module (their entry states)."""

    def __init__(self, rule: _InitOrder, scope: _Scope, paths: dict[str, int], record: bool,
                 report_for: frozenset = frozenset()) -> None:
        self.rule = rule
        self.scope = scope
        self.paths = paths
        self.record = record
        self.report_for = report_for
        self.correlated = {name: i for i in set(paths.values())
                           for name in rule.candidates[i].correlated}
        self.found: list[tuple[cst.CSTNode, int, str]] = []
        self._seen: set[int] = set()
        self._graph: CFG | None = None

    def join(self, left: State, right: State) -> State:
        return left | right

    def replay(self, cfg: CFG, states: list) -> None:
        self._graph = cfg
        super().replay(cfg, states)

    def transfer(self, node: Node, state: State, report: bool) -> State | None:
        if node.kind == ASSUME:
            return self._assume(node.expr, node.polarity, state)
        if not state:
            return state
        protected = report and self._graph is not None and _protected(self._graph, node)
        for expr in node.expressions():
            state = self._eval(expr, state, report and not protected)
        return state

    # -- expressions, in evaluation order, with short-circuit guards ---------------------------
    def _eval(self, expr: cst.CSTNode, state: State, report: bool) -> State:
        if isinstance(expr, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
            return state
        if isinstance(expr, cst.Name):
            if self.record:
                self.rule.record(self.scope, expr, state)
            return state
        if isinstance(expr, cst.BooleanOperation):
            left = self._eval(expr.left, state, report)
            guarded = self._assume(expr.left, isinstance(expr.operator, cst.And), left)
            right = self._eval(expr.right, guarded, report)
            return left | right
        if isinstance(expr, cst.IfExp):
            test = self._eval(expr.test, state, report)
            body = self._eval(expr.body, self._assume(expr.test, True, test), report)
            orelse = self._eval(expr.orelse, self._assume(expr.test, False, test), report)
            return body | orelse
        if isinstance(expr, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
            if expr.value is not None:
                state = self._eval(expr.value, state, report)
            targets = ([t.target for t in expr.targets] if isinstance(expr, cst.Assign)
                       else [expr.target])
            for target in targets:
                path = dotted(target)
                if path in self.paths and not isinstance(expr, cst.AugAssign):
                    candidate = self.paths[path]
                    state = state | {candidate} if _is_none(expr.value) else state - {candidate}
                else:
                    state = self._eval(target, state, report)
            return state
        if isinstance(expr, cst.Attribute):
            path = dotted(expr.value)
            if path in self.paths:
                return self._use(expr, self.paths[path], f"{path}.{expr.attr.value}", state, report)
            if self.record:
                self.rule.record(self.scope, expr, state)
            return self._eval(expr.value, state, report)
        if isinstance(expr, cst.Call):
            path = dotted(expr.func)
            if path in self.paths:
                state = self._use(expr, self.paths[path], f"{path}()", state, report)
            else:
                state = self._eval(expr.func, state, report)
            for arg in expr.args:
                state = self._eval(arg.value, state, report)
            return self._call(expr, state)
        for child in children(expr):
            state = self._eval(child, state, report)
        return state

    def _use(self, node: cst.CSTNode, candidate: int, use: str, state: State, report: bool) -> State:
        if candidate not in state:
            return state
        if report and candidate in self.report_for and id(node) not in self._seen:
            self._seen.add(id(node))
            self.found.append((node, candidate, use))
        return state - {candidate}  # had it been None, the use raised: only set paths go on

    def _call(self, call: cst.Call, state: State) -> State:
        if not state:
            return state
        name = call_name(call) or ""
        if is_init_name(name):
            return frozenset()
        cleared = set()
        for candidate in state:
            if name in self.rule.candidates[candidate].initialisers:
                cleared.add(candidate)
        target = self.rule.resolve(self.scope, call)
        if target is not None and target is not self.scope.node:
            for candidate in state - cleared:
                if self.rule.ensures(target, candidate):
                    cleared.add(candidate)
        return state - cleared if cleared else state

    # -- conditions ----------------------------------------------------------------------------
    def _set(self, state: State, candidate: int) -> State:
        """``candidate`` is not None here; neither are those its init sets with it."""
        return state - self.rule.siblings[candidate] - {candidate}

    def _assume(self, test: cst.CSTNode | None, polarity: bool, state: State) -> State:
        if not state or not isinstance(test, cst.BaseExpression):
            return state
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self._assume(test.expression, not polarity, state)
        if isinstance(test, cst.BooleanOperation):
            if isinstance(test.operator, cst.And) == polarity:
                return self._assume(test.right, polarity, self._assume(test.left, polarity, state))
            return state - self._correlated(test)
        path = dotted(test)
        if path in self.paths:
            return self._set(state, self.paths[path]) if polarity else state
        if isinstance(test, cst.NamedExpr):
            return self._assume(test.value, polarity, state)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            target = test.comparisons[0]
            op = target.operator
            if isinstance(op, (cst.Is, cst.Equal, cst.IsNot, cst.NotEqual)):
                for side, other in ((test.left, target.comparator), (target.comparator, test.left)):
                    path = dotted(side)
                    if path in self.paths and _is_none(other):
                        is_none = isinstance(op, (cst.Is, cst.Equal)) == polarity
                        return state if is_none else self._set(state, self.paths[path])
        if (polarity and isinstance(test, cst.Call)
                and call_name(test) in ("isinstance", "callable", "hasattr")):
            if test.args and dotted(test.args[0].value) in self.paths:
                return self._set(state, self.paths[dotted(test.args[0].value)])
        return state - self._correlated(test)

    def _correlated(self, test: cst.BaseExpression) -> frozenset:
        """A test that mentions a candidate, or a flag its init sets (``_initialized``),
        in a way we do not model: both ways out count as checked (precision first)."""
        mentioned: set[int] = set()
        for node in walk(test, NESTED_SCOPES):
            if isinstance(node, cst.Name):
                if node.value in self.paths:
                    mentioned.add(self.paths[node.value])
                if node.value in self.correlated:
                    mentioned.add(self.correlated[node.value])
            elif isinstance(node, cst.Attribute):
                path = dotted(node)
                if path in self.paths:
                    mentioned.add(self.paths[path])
        return frozenset(mentioned)


def check(ctx: Context) -> Iterator[Pending]:
    yield from _InitOrder(ctx).check()
    yield from _TwoPhase(ctx).check()


# -- (b) two-phase initialisation ---------------------------------------------------------------
#
# A class whose ``initialize()`` (``init()``, ``start()``, ``setup()``) must run before its
# other methods: they raise on an ``_initialized``-style flag, or read an attribute that only
# the init method sets. A function that obtains an instance (the constructor, or a lazy
# getter that constructs it without initialising it) and calls such a method with no init
# call on that path, and no start-up hook that initialises the getter's instance, is
# reported. The two questions about other code ("what does this class require?", "what
# does this getter return, initialised or not?") go through ``class_contract`` and
# ``getter_summary``, which project mode can answer from other modules' summaries.

_START_NAMES = frozenset({"start", "astart", "async_start", "open", "aopen"})
# The first word of a start-up hook's name: init_services(), setup_app(), on_startup().
_HOOK_FIRST_WORDS = frozenset({"setup", "startup", "bootstrap", "configure", "start", "on",
                               "lifespan", "warm", "prepare"})
_NOT_REQUIRING = frozenset({"close", "aclose", "shutdown", "stop", "cleanup", "dispose",
                            "disconnect", "teardown", "reset", "terminate", "destroy"})


def _is_phase_init_name(name: str) -> bool:
    return name != "__init__" and (is_init_name(name) or name.lstrip("_") in _START_NAMES)


@dataclass
class Contract:
    """What a class requires: its init methods, and why each other method needs them."""
    cls: str
    init_methods: frozenset[str]
    requires: dict[str, str]  # method -> why (for the message)


@dataclass
class Getter:
    """A function that returns an instance of ``cls``; ``initialises``: on every path."""
    name: str
    cls: str
    initialises: bool
    hooked: bool = False  # a start-up hook initialises the instance it returns


def _self_attr(node: cst.CSTNode, self_name: str) -> str | None:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
            and node.value.value == self_name:
        return node.attr.value
    return None


def _raises(suite: cst.BaseSuite) -> bool:
    body = suite.body if isinstance(suite, cst.IndentedBlock) else [suite]
    for statement in body:
        smalls = statement.body if isinstance(statement, (cst.SimpleStatementLine,
                                                          cst.SimpleStatementSuite)) else []
        if any(isinstance(s, cst.Raise) for s in smalls):
            return True
    return False


def _raise_text(suite: cst.BaseSuite) -> str | None:
    for node in walk(suite, NESTED_SCOPES):
        if isinstance(node, cst.Raise) and isinstance(node.exc, cst.Call):
            for arg in node.exc.args:
                text = string_value(arg.value)
                if text:
                    return text
    return None


class _TwoPhase:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.index = ctx.index
        self._contracts: dict[str, Contract | None] = {}
        self._getters: dict[str, Getter | None] = {}
        self._hooked_getters: set[str] | None = None

    # -- what does this class require? ------------------------------------------------------
    def class_contract(self, name: str) -> Contract | None:
        """The init contract of class ``name`` (this module now; project mode: any module)."""
        if name not in self._contracts:
            cls = self.index.classes.get(name)
            self._contracts[name] = self._contract(cls) if cls is not None else None
        return self._contracts[name]

    def _contract(self, cls) -> Contract | None:
        methods = {n: info.node for n, info in cls.methods.items()}
        candidates = {n for n in methods if _is_phase_init_name(n)}
        if not candidates:
            return None
        stores: dict[str, dict[str, list[cst.BaseExpression | None]]] = {}  # method -> attr -> values
        calls: dict[str, set[str]] = {}
        for name, node in methods.items():
            params = parameters(node)
            if not params:
                continue
            me = params[0].name.value
            found: dict[str, list] = {}
            called: set[str] = set()
            for sub in walk(node.body, NESTED_SCOPES):
                if isinstance(sub, cst.Assign):
                    for target in sub.targets:
                        attr = _self_attr(target.target, me)
                        if attr:
                            found.setdefault(attr, []).append(sub.value)
                elif isinstance(sub, (cst.AnnAssign, cst.AugAssign)):
                    attr = _self_attr(sub.target, me)
                    if attr:
                        found.setdefault(attr, []).append(getattr(sub, "value", None))
                elif isinstance(sub, cst.Call):
                    attr = _self_attr(sub.func, me)
                    if attr:
                        called.add(attr)
            stores[name] = found
            calls[name] = called
        # init methods: named so, and they set something (or call another init method)
        init_methods = {n for n in candidates if stores.get(n) or calls.get(n, set()) & candidates}
        if not init_methods:
            return None
        flags: set[str] = set()
        init_attrs: set[str] = set()
        for name in init_methods:
            for attr, values in stores.get(name, {}).items():
                if any(isinstance(v, cst.Name) and v.value == "True" for v in values):
                    flags.add(attr)
                elif any(v is not None and not _is_none(v) for v in values):
                    init_attrs.add(attr)
        # an attribute given a real value elsewhere (the constructor, a setter) is no contract
        for name, found in stores.items():
            if name in init_methods:
                continue
            for attr, values in found.items():
                if any(v is None or not _is_none(v) and not (
                        isinstance(v, cst.Name) and v.value in ("False", "True")) for v in values):
                    init_attrs.discard(attr)
        for statement in (cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ()):
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)) and getattr(small, "value", None) \
                            is not None and not _is_none(small.value):
                        targets = ([t.target for t in small.targets] if isinstance(small, cst.Assign)
                                   else [small.target])
                        for target in targets:
                            if isinstance(target, cst.Name) and target.value not in flags:
                                init_attrs.discard(target.value)
        if not flags and not init_attrs:
            return None
        watched = flags | init_attrs
        checkers: dict[str, str] = {}  # methods that raise when not initialised, and the text
        for name, node in methods.items():
            if name in init_methods or not parameters(node):
                continue
            me = parameters(node)[0].name.value
            for sub in walk(node.body, NESTED_SCOPES):
                if isinstance(sub, cst.If) and _raises(sub.body) and any(
                        _self_attr(n, me) in watched for n in walk(sub.test)):
                    checkers[name] = _raise_text(sub.body) or "raises"
                    break
        requires: dict[str, str] = {}
        init_label = sorted(init_methods)[0]
        for name, node in methods.items():
            if name in init_methods or name.startswith("__") or not parameters(node) \
                    or is_lifecycle_name(name) or name.lstrip("_") in _NOT_REQUIRING:
                continue
            if any(d.rsplit(".", 1)[-1] in ("staticmethod", "classmethod", "property")
                   for d in _decorators(node)):
                continue
            if calls.get(name, set()) & init_methods:
                continue  # initialises itself when needed
            if name in checkers:
                requires[name] = f"raises {checkers[name]!r}" if checkers[name] != "raises" \
                    else f"raises unless {init_label}() ran"
                continue
            helper = next((c for c in sorted(calls.get(name, ())) if c in checkers), None)
            if helper is not None:
                requires[name] = (f"raises {checkers[helper]!r} (through {helper}())"
                                  if checkers[helper] != "raises" else
                                  f"raises unless {init_label}() ran (through {helper}())")
                continue
            me = parameters(node)[0].name.value
            tested = set()
            for sub in walk(node.body, NESTED_SCOPES):
                test = getattr(sub, "test", None) if isinstance(
                    sub, (cst.If, cst.While, cst.IfExp, cst.Assert)) else None
                if isinstance(sub, cst.BooleanOperation):
                    test = sub
                if test is not None:
                    tested.update(_self_attr(n, me) for n in walk(test))
                if isinstance(sub, (cst.Try, cst.TryStar)):
                    tested.update(watched)  # a try around it: handled its own way
            for sub in walk(node.body, NESTED_SCOPES):
                base = None
                if isinstance(sub, cst.Attribute):
                    base = _self_attr(sub.value, me)
                elif isinstance(sub, cst.Call):
                    base = _self_attr(sub.func, me)
                    if base is not None and base in methods:
                        base = None
                elif isinstance(sub, cst.Subscript):
                    base = _self_attr(sub.value, me)
                if base in init_attrs and base not in tested and not (tested & flags):
                    requires[name] = f"reads self.{base}, which only {init_label}() sets"
                    break
        if not requires:
            return None
        return Contract(cls.name, frozenset(init_methods), requires)

    # -- what does this getter return? ---------------------------------------------------------
    def getter_summary(self, name: str) -> Getter | None:
        """The class a module function returns an instance of, and whether it initialises
        that instance first (this module now; project mode: any module)."""
        if name in self._getters:
            return self._getters[name]
        self._getters[name] = None
        if "." in name:  # Cls.get_instance(): a class's own getter of its singleton
            cls_name, _, method = name.partition(".")
            cls = self.index.classes.get(cls_name)
            found = self.index.method(cls, method) if cls is not None else None
            info = found if found is not None and "classmethod" in {
                d.rsplit(".", 1)[-1] for d in _decorators(found.node)} else None
        else:
            info = self.index.functions.get(name)
        result = None
        if info is not None and not _is_phase_init_name(name):
            built = None
            initialises = False
            returns = []
            for sub in walk(info.node.body, NESTED_SCOPES):
                if isinstance(sub, cst.Call):
                    callee = call_name(sub) or ""
                    if isinstance(sub.func, cst.Name) and callee == "cls" and "." in name:
                        callee = name.partition(".")[0]
                    if isinstance(sub.func, cst.Name) and self.class_contract(callee) is not None:
                        built = callee
                    elif isinstance(sub.func, cst.Attribute) and _is_phase_init_name(callee):
                        initialises = True
                elif isinstance(sub, cst.Return) and sub.value is not None:
                    returns.append(sub.value)
            if built is not None and returns:
                result = Getter(name, built, initialises)
                result.hooked = name in self._hooked()
        self._getters[name] = result
        return result

    def _hooked(self) -> set[str]:
        """Getters whose instance a start-up hook (lifespan, on_event("startup"), an init
        function) initialises: ``await get_db().initialize()``, ``db = get_db(); db.start()``."""
        if self._hooked_getters is None:
            self._hooked_getters = set()
            for info in self.index.all_functions:
                name = info.name
                decorators = [d.rsplit(".", 1)[-1] for d in _decorators(info.node)]
                words = _words(name)
                startup = bool(words) and (
                    words[0].startswith("init") or words[0] in _HOOK_FIRST_WORDS
                    or bool(_joined(words) & {"lifespan", "startup"})
                    or any(d in ("on_event", "on_startup", "asynccontextmanager",
                                 "contextmanager", "fixture") for d in decorators))
                if not startup:
                    continue
                bound: dict[str, str] = {}
                for sub in walk(info.node.body, NESTED_SCOPES):
                    if isinstance(sub, cst.Assign) and len(sub.targets) == 1 \
                            and isinstance(sub.targets[0].target, cst.Name):
                        source = _obtained_by(sub.value)
                        if source:
                            bound[sub.targets[0].target.value] = source
                    if isinstance(sub, cst.Call) and isinstance(sub.func, cst.Attribute) \
                            and _is_phase_init_name(sub.func.attr.value):
                        receiver = sub.func.value
                        source = _obtained_by(receiver)
                        if source is None and isinstance(receiver, cst.Name):
                            source = bound.get(receiver.value)
                        if source:
                            self._hooked_getters.add(source)
        return self._hooked_getters

    # -- the uses ------------------------------------------------------------------------------
    def obtains(self, expr: cst.BaseExpression) -> tuple[Contract, str] | None:
        """(contract, how) when ``expr`` gives an instance that may not be initialised."""
        source = _obtained_by(expr)
        if source is None:
            return None
        contract = self.class_contract(source)
        if contract is not None:
            return contract, f"{source}()"
        getter = self.getter_summary(source)
        if getter is None or getter.initialises or getter.hooked:
            return None
        contract = self.class_contract(getter.cls)
        return (contract, f"{source}()") if contract is not None else None

    def check(self) -> Iterator[Pending]:
        if not any(self.class_contract(name) for name in list(self.index.classes)):
            return
        for info in self.index.all_functions:
            if _is_phase_init_name(info.name) or is_lifecycle_name(info.name):
                continue
            if info.cls is not None and self.class_contract(info.cls.name) is not None:
                continue  # the class's own methods: its contract, not a use
            if not any(isinstance(n, cst.Call) for n in walk(info.node.body, NESTED_SCOPES)):
                continue
            flow = _PhaseFlow(self, info.node)
            initial = set()
            for param in parameters(info.node):
                # FastAPI dependency injection: db = Depends(get_database_manager)
                depends = depends_target(param)
                target = depends.args[0].value if depends is not None and depends.args else None
                getter = self.getter_summary(target.value) if isinstance(target, cst.Name) else None
                if getter is not None and not getter.initialises and not getter.hooked:
                    contract = self.class_contract(getter.cls)
                    if contract is not None:
                        flow.bound[param.name.value] = (contract, f"Depends({getter.name})")
                        initial.add(param.name.value)
            try:
                graph = self.ctx.websockets.cfg(FunctionInfo(info.node, info.name))
                states = flow.solve(graph, frozenset(initial))
                flow.replay(graph, states)
            except RecursionError:
                continue
            for node, message in flow.found:
                yield self.ctx.finding(CODE, node, message)


def _obtained_by(expr: cst.BaseExpression | None) -> str | None:
    """``Cls(...)``, ``get_x()``, ``await get_x()`` or ``Cls.get_instance()``: the name
    called (dotted for a class's method), else None."""
    if isinstance(expr, cst.Await):
        expr = expr.expression
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
        return expr.func.value
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
            and isinstance(expr.func.value, cst.Name) and expr.func.value.value[:1].isupper():
        return f"{expr.func.value.value}.{expr.func.attr.value}"
    return None


class _PhaseFlow(Dataflow[frozenset]):
    """Local names holding an instance that may not be initialised yet."""

    def __init__(self, rule: _TwoPhase, function: cst.FunctionDef) -> None:
        self.rule = rule
        self.function = function
        self.found: list[tuple[cst.CSTNode, str]] = []
        self._seen: set[int] = set()
        self.bound: dict[str, tuple[Contract, str]] = {}

    def join(self, left: frozenset, right: frozenset) -> frozenset:
        return left | right

    def transfer(self, node: Node, state: frozenset, report: bool) -> frozenset | None:
        if node.kind == ASSUME:
            if state and node.expr is not None:
                mentioned = {n.value for n in walk(node.expr) if isinstance(n, cst.Name)}
                return state - mentioned  # a test of the instance: handled its own way
            return state
        for expr in node.expressions():
            state = self._eval(expr, state, report)
        return state

    def _eval(self, root: cst.CSTNode, state: frozenset, report: bool) -> frozenset:
        # post-order: a call's callee and arguments before the call itself
        order: list[cst.CSTNode] = []
        stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if node is not root and isinstance(node, NESTED_SCOPES):
                continue
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(list(children(node))))
        for node in order:
            if isinstance(node, cst.Call):
                state = self._call(node, state, report)
            elif isinstance(node, (cst.Assign, cst.AnnAssign)):
                targets = ([t.target for t in node.targets] if isinstance(node, cst.Assign)
                           else [node.target])
                obtained = self.rule.obtains(node.value) if node.value is not None else None
                for target in targets:
                    for name in _names_in(target):
                        state = state - {name}
                    if obtained is not None and isinstance(target, cst.Name):
                        self.bound[target.value] = obtained
                        state = state | {target.value}
        return state

    def _call(self, call: cst.Call, state: frozenset, report: bool) -> frozenset:
        # an instance handed to other code: it may initialise it
        for arg in call.args:
            if isinstance(arg.value, cst.Name) and arg.value.value in state:
                state = state - {arg.value.value}
        func = call.func
        if not isinstance(func, cst.Attribute):
            return state
        method = func.attr.value
        receiver = func.value
        if isinstance(receiver, cst.Name) and receiver.value in state:
            contract, how = self.bound[receiver.value]
            if method in contract.init_methods or _is_phase_init_name(method):
                return state - {receiver.value}
            if method in contract.requires:
                self._report(call, contract, how, receiver.value, method, report)
                return state - {receiver.value}
            return state
        obtained = self.rule.obtains(receiver)
        if obtained is not None:
            contract, how = obtained
            if method in contract.requires:
                self._report(call, contract, how, None, method, report)
        return state

    def _report(self, call: cst.Call, contract: Contract, how: str, name: str | None,
                method: str, report: bool) -> None:
        if not report or id(call) in self._seen:
            return
        self._seen.add(id(call))
        init = sorted(contract.init_methods)[0]
        holder = f"'{name}' (from {how})" if name else how
        self.found.append((call, (
            f"{contract.cls}.{method}() {contract.requires[method]}; {holder} reaches it here "
            f"with no {init}() on this path and no start-up hook that initialises it: call "
            f"'await {name or how}.{init}()' first, or let the getter initialise what it "
            f"returns")))


def _names_in(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _names_in(element.value)
