"""NL301-NL304: identifiers built by hand, parsed back apart, truncated, or shared.

One visitor over the module's libcst tree, no metadata providers. Which values are ids is
decided by name alone (``Settings.id_names``, a full match against a variable, an
attribute, a keyword or a string dict key), which is cheap and, for these rules, what a
reader of the code goes by too.

The visitor is driven by ``walk`` below rather than ``Module.visit``: libcst's own
traversal rebuilds (and re-validates) every node it passes, which costs about as much
as the parse; the engine's field walk (``engine.walk.children``) is about 3x cheaper, and
this family runs on every file that mentions ``_id``. ``walk`` adds what the engine's
walker does not have: a ``leave_`` call after a node's children, for the scope stacks.
"""

from __future__ import annotations

import math
import re
from pathlib import PurePath
from typing import Iterator

import libcst as cst

from ..engine.module import dotted, last_name, string_value
from ..engine.walk import children
from ..engine.walk import walk as walk_nodes
from ..finding import Finding
from .base import Context

# A function whose name says it makes an id (generate_thread_id, new_run_id, makeRequestId).
_MAKER_VERBS = frozenset({"generate", "generates", "generator", "gen", "new", "make", "create",
                          "build", "mint"})
_ID_WORDS = frozenset({"id", "ids", "uid", "uuid", "guid"})
# Abbreviated ids in a maker's name (generate_sid, new_rid, make_tid, gen_uid): one or two
# letters before "id", but not the English words that are spelt that way.
_ID_ABBREVIATION = re.compile(r"[a-z]{1,2}ids?")
_NOT_ABBREVIATIONS = frozenset({"aid", "bid", "did", "hid", "kid", "lid", "said", "paid", "raid",
                                "laid", "maid", "void", "acid", "arid", "avid", "skid", "grid",
                                "quid", "amid", "slid", "squid", "bids", "kids", "lids", "aids",
                                "grids", "raids", "voids"})
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# A class named like an id generator or manager (IdGenerator, UnifiedIDManager, RunIdFactory):
# "Id"/"ID" as its own word, not the start of "Identity" or "Idle".
_ID_CLASS = re.compile(r"(?:Id|ID|Uuid|UUID)s?(?![a-z])")
_MAKER_CLASS = re.compile(r"Generator|Gen(?![a-z])|Manager|Factory|Builder|Allocator")

# NL302: the str methods that take an id apart.
_PARSE_METHODS = frozenset({"split", "rsplit", "partition", "rpartition", "replace",
                            "removeprefix", "removesuffix"})
_RE_FUNCTIONS = frozenset({"match", "search", "fullmatch", "findall", "finditer", "split", "sub",
                           "subn"})

# Helpers whose name says they format for a person: format_run_id(), render_id(), display().
_DISPLAY_HELPER = re.compile(r"_?(?:format|render|display|pretty|shorten|abbreviate|truncate)")
# Calls whose arguments are only shown to a person: a slice of an id there is a short form.
_DISPLAY_CALLS = frozenset({"print", "debug", "info", "warning", "warn", "error", "exception",
                            "critical", "log"})
_FIELD_FACTORIES = frozenset({"field", "Field"})

# NL303: calls whose value already makes an id unique per instant, host or process.
_UNIQUE_SOURCES = frozenset({"time_ns", "time", "now", "utcnow", "monotonic_ns",
                             "perf_counter_ns", "getpid", "gethostname", "node", "uuid1"})
# NL303: a counter in the same id makes it unique within its process: next(seq), self._count.
_COUNTER_WORDS = frozenset({"counter", "count", "seq", "sequence", "serial", "idx", "index",
                            "increment", "incr"})
# NL302: a slice that keeps at least this many leading characters clamps a length.
_CLAMP = 16
_CLAMP_WORDS = re.compile(r"max|len|limit|size", re.IGNORECASE)
# NL304: the parts of a time-only id that are labels, not unique values.
_LABEL_WORDS = frozenset({"prefix", "operation", "op", "name", "type", "kind", "label", "tag",
                          "source", "mode", "action", "event", "stage", "service", "component",
                          "category", "namespace", "scope", "suffix", "env", "environment"})
# NL301: comparisons that find a mismatch between two ids.
_PREDICATES = frozenset({"startswith", "endswith"})
# NL303: the random sources whose text is an id's random component.
_UUID_FUNCTIONS = frozenset({"uuid4", "uuid1"})
_TOKEN_FUNCTIONS = frozenset({"token_hex", "token_urlsafe", "token_bytes"})
_MIN_RANDOM_BYTES = 8  # below 64 random bits, collisions are a matter of traffic
# The text of a uuid4: x is a random hex digit, 4 the version, y two random bits.
_UUID_TEMPLATE = {"hex": "xxxxxxxxxxxx4xxxyxxxxxxxxxxxxxxx", "str": "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"}


def check(ctx: Context) -> Iterator[Finding]:
    visitor = _IdVisitor(ctx)
    walk(ctx.module, visitor)
    visitor.finish()
    yield from visitor.findings


# -- traversal -------------------------------------------------------------------

_HANDLERS: dict[tuple[type, type], tuple] = {}


def walk(root: cst.CSTNode, visitor: object) -> None:
    """Call ``visitor.visit_<Type>(node)`` before and ``leave_<Type>(node)`` after each node's
    children, in source order; a visit returning False skips the children."""
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    visitor_type = type(visitor)
    while stack:
        node, leaving = stack.pop()
        node_type = type(node)
        handlers = _HANDLERS.get((visitor_type, node_type))
        if handlers is None:
            name = node_type.__name__
            handlers = _HANDLERS[(visitor_type, node_type)] = (
                getattr(visitor_type, f"visit_{name}", None),
                getattr(visitor_type, f"leave_{name}", None))
        visit, leave = handlers
        if leaving:
            leave(visitor, node)
            continue
        if visit is not None and visit(visitor, node) is False:
            continue
        if leave is not None:
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(children(node))))


# -- names -----------------------------------------------------------------------


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(name)]


def _is_id_word(word: str) -> bool:
    return word in _ID_WORDS or (word not in _NOT_ABBREVIATIONS
                                 and _ID_ABBREVIATION.fullmatch(word) is not None)


def is_maker_function(name: str) -> bool:
    """``generate_thread_id``, ``new_run_id``, ``makeRequestId``, ``generate_sid``, ``gen_uid``."""
    words = _words(name)
    return bool(_MAKER_VERBS.intersection(words)) and any(_is_id_word(w) for w in words)


def is_maker_class(name: str) -> bool:
    return bool(_ID_CLASS.search(name)) and bool(_MAKER_CLASS.search(name))


def _is_string_literal(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) and not _has_fstring(node)


def _has_fstring(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.FormattedString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _has_fstring(node.left) or _has_fstring(node.right)
    return False


def _fstring_parts(node: cst.CSTNode) -> tuple[int, bool]:
    """(number of interpolated expressions, whether there is literal text) of an f-string."""
    if isinstance(node, cst.FormattedString):
        expressions = sum(isinstance(p, cst.FormattedStringExpression) for p in node.parts)
        text = any(isinstance(p, cst.FormattedStringText) and p.value for p in node.parts)
        return expressions, text
    if isinstance(node, cst.ConcatenatedString):
        left, right = _fstring_parts(node.left), _fstring_parts(node.right)
        return left[0] + right[0], left[1] or right[1]
    if isinstance(node, cst.SimpleString):
        return 0, bool(string_value(node))
    return 0, False


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")
_BRACE_FIELD = re.compile(r"\{[^{}]*\}")


def _template_builds(template: str, field: re.Pattern[str]) -> bool:
    """A template builds a compound value unless it is one bare field (``"%s"``, ``"{}"``)."""
    fields = field.findall(template)
    rest = field.sub("", template)
    return len(fields) >= 2 or (len(fields) == 1 and bool(rest))


# -- where ids are taken apart (NL301's ranking) --------------------------------------


class IdSites:
    """Where a module parses ids (``.split()``, slicing, ``re``) or compares them (``==``,
    ``in``, ``startswith``), by id name: the facts behind NL301's ranking. Kept by name and
    kind so that a project summary can carry them for other modules."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[tuple[str, cst.CSTNode, str]]] = {}

    def add(self, name: str, kind: str, node: cst.CSTNode, how: str) -> None:
        self.by_name.setdefault(name, []).append((kind, node, how))


def where_taken_apart(name: str, local: IdSites) -> tuple[str, cst.CSTNode, str] | None:
    """("parsed" | "compared", where, how) for an id named ``name``, parsed first, or None.

    The one question NL301 asks about the rest of the code: is this id later parsed or
    compared? Same module now (``local``); project mode answers it here from every
    module's sites, so an id built in one module and parsed in another ranks as parsed."""
    sites = local.by_name.get(name, ())
    for kind in ("parsed", "compared"):
        for found, node, how in sites:
            if found == kind:
                return kind, node, how
    return None


# -- the visitor -------------------------------------------------------------------


class _Scope:
    __slots__ = ("exempt", "is_class", "name", "qualname")

    def __init__(self, name: str, qualname: str, is_class: bool, exempt: bool) -> None:
        self.name = name
        self.qualname = qualname
        self.is_class = is_class
        self.exempt = exempt


class _Tree:
    """Parents and name loads of one function (or the module), built on first need: only
    for the few functions where a candidate finding depends on how a value is used."""

    def __init__(self, root: cst.CSTNode, visitor: "_IdVisitor") -> None:
        self.visitor = visitor
        self.root = root
        self.parent: dict[int, cst.CSTNode] = {}
        self.loads: dict[str, list[cst.Name]] = {}
        self.stores: dict[str, list[cst.CSTNode]] = {}  # local name -> assignment statements
        body = root.body if isinstance(root, cst.FunctionDef) else root
        stack: list[cst.CSTNode] = [body]
        not_loads: set[int] = set()  # ``.attr``, ``keyword=``, names that name a def or param
        while stack:
            node = stack.pop()
            for child in children(node):
                self.parent[id(child)] = node
                stack.append(child)
            if isinstance(node, cst.Name):
                if id(node) not in not_loads:
                    self.loads.setdefault(node.value, []).append(node)
            elif isinstance(node, cst.Attribute):
                not_loads.add(id(node.attr))
            elif isinstance(node, cst.Arg) and node.keyword is not None:
                not_loads.add(id(node.keyword))
            elif isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Param)):
                not_loads.add(id(node.name))
            elif isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                targets = ([t.target for t in node.targets] if isinstance(node, cst.Assign)
                           else [node.target])
                for target in targets:
                    for name in _target_names(target):
                        self.stores.setdefault(name, []).append(node)
        # a store's own target name is not a load
        for name, statements in self.stores.items():
            targets = {id(t) for st in statements for t in (
                [x.target for x in st.targets] if isinstance(st, cst.Assign) else [st.target])}
            self.loads[name] = [n for n in self.loads.get(name, ())
                                if id(n) not in targets and not self._is_store_base(n)]

    def _is_store_base(self, name: cst.Name) -> bool:
        """``d`` in ``d["k"] = v``: the dict is filled, not read."""
        parent = self.parent.get(id(name))
        if isinstance(parent, cst.Subscript) and parent.value is name:
            above = self.parent.get(id(parent))
            if isinstance(above, cst.AssignTarget) and above.target is parent:
                return True
        return False

    def up(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parent.get(id(node))

    # -- is a value only shown to a person? ----------------------------------------------
    def shown(self, node: cst.CSTNode, depth: int = 0) -> bool:
        """``node``'s value only ends up in a log line, a print, or a formatted text that is
        not an id: directly, or through a variable or dict that is only used that way."""
        child, parent = node, self.up(node)
        while parent is not None:
            if isinstance(parent, cst.IfExp) and parent.test is not child:
                child, parent = parent, self.up(parent)
                continue
            if isinstance(parent, cst.Arg):
                call = self.up(parent)
                if isinstance(call, cst.Call) and last_name(call.func) in _DISPLAY_CALLS:
                    return True
                if isinstance(call, cst.Call) and _DISPLAY_HELPER.match(last_name(call.func) or ""):
                    return True  # self.format_run_id(short), shorten(...), render_id(...)
                if isinstance(call, cst.Call) and dotted(call.func) in ("str", "repr", "dict"):
                    child, parent = call, self.up(call)
                    continue
                if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) \
                        and call.func.attr.value == "format" and string_value(call.func.value) is not None:
                    return self._text_not_an_id(call, depth)
                return False
            if isinstance(parent, (cst.FormattedStringExpression, cst.FormattedString,
                                   cst.ConcatenatedString)):
                child, parent = parent, self.up(parent)
                continue
            if isinstance(parent, cst.BinaryOperation) and isinstance(
                    parent.operator, (cst.Modulo, cst.Add)):
                return self._text_not_an_id(parent, depth)
            if isinstance(parent, (cst.DictElement, cst.Element, cst.Dict, cst.List, cst.Tuple,
                                   cst.Set)):
                if isinstance(parent, cst.DictElement) and parent.key is child:
                    return False
                child, parent = parent, self.up(parent)
                continue
            if isinstance(parent, cst.AssignTarget):
                return False
            if isinstance(parent, (cst.Assign, cst.AnnAssign)):
                return self._variable_shown(parent, depth)
            return False
        return False

    def _text_not_an_id(self, text: cst.CSTNode, depth: int) -> bool:
        """A formatted text (f-string, '%', '+', format) holding the value: display, unless
        the text itself becomes an id."""
        parent = self.up(text)
        while isinstance(parent, (cst.FormattedStringExpression, cst.FormattedString,
                                  cst.ConcatenatedString, cst.BinaryOperation)):
            text, parent = parent, self.up(parent)
        if isinstance(parent, (cst.Assign, cst.AnnAssign)):
            targets = ([t.target for t in parent.targets] if isinstance(parent, cst.Assign)
                       else [parent.target])
            return not any(self.visitor.is_id_like(n) for t in targets for n in _target_names(t))
        if isinstance(parent, cst.Arg):
            if parent.keyword is not None and self.visitor.is_id_like(parent.keyword.value):
                return False
            return True
        if isinstance(parent, cst.DictElement):
            key = string_value(parent.key)
            return not self.visitor.is_id_like(key)
        if isinstance(parent, cst.Return):
            return not self.visitor.returns_id()
        return True

    def _variable_shown(self, statement: cst.CSTNode, depth: int) -> bool:
        targets = ([t.target for t in statement.targets] if isinstance(statement, cst.Assign)
                   else [statement.target])
        if len(targets) != 1:
            return False
        target = targets[0]
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            target = target.value  # info["thread"] = thread_id[:8]: how is ``info`` used?
        if not isinstance(target, cst.Name):
            return False
        name = target.value
        if self.visitor.is_id_like(name) or depth >= 3:
            return False
        uses = self.loads.get(name, [])
        return bool(uses) and all(self.shown(use, depth + 1) for use in uses)

    def name_only_shown(self, name: str) -> bool:
        uses = self.loads.get(name, [])
        return all(self.shown(use) for use in uses)

    # -- is a value only tested? ------------------------------------------------------------
    def tested(self, node: cst.CSTNode) -> bool:
        """``node`` is an operand of a comparison or part of a condition (a prefix test)."""
        child, parent = node, self.up(node)
        while parent is not None:
            if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
                return True
            if isinstance(parent, (cst.If, cst.While, cst.Assert, cst.IfExp, cst.CompIf)) \
                    and getattr(parent, "test", None) is child:
                return True
            if isinstance(parent, cst.Attribute) and parent.value is child:
                call = self.up(parent)
                if isinstance(call, cst.Call) and call.func is parent and (
                        parent.attr.value in _PREDICATES or parent.attr.value.startswith("is")):
                    return True
                return False
            if isinstance(parent, (cst.UnaryOperation, cst.BooleanOperation)):
                child, parent = parent, self.up(parent)
                continue
            return False
        return False

    def only_tested_or_shown(self, node: cst.CSTNode) -> bool:
        """A slice that is compared, shown, or kept in a variable that is only compared or
        shown: a prefix test or a short form, not a component taken out of an id."""
        if self.tested(node) or self.shown(node):
            return True
        parent = self.up(node)
        if isinstance(parent, (cst.Assign, cst.AnnAssign)):
            targets = ([t.target for t in parent.targets] if isinstance(parent, cst.Assign)
                       else [parent.target])
            if len(targets) == 1 and isinstance(targets[0], cst.Name) \
                    and not self.visitor.is_id_like(targets[0].value):
                uses = self.loads.get(targets[0].value, [])
                return bool(uses) and all(self.tested(u) or self.shown(u) for u in uses)
        return False

    # -- NL303: a short random part joined with a host, pid, clock or counter ----------------
    def joined_with(self, name: str, unique_vars: set[str]) -> bool:
        """``short = uuid4().hex[:8]`` used in a text that also holds a unique local
        (``f"{group}-{hostname}-{pid}-{short}"``, hostname and pid from their calls)."""
        if not unique_vars:
            return False
        for use in self.loads.get(name, ()):
            text: cst.CSTNode = use
            parent = self.up(use)
            while isinstance(parent, (cst.FormattedStringExpression, cst.FormattedString,
                                      cst.ConcatenatedString, cst.BinaryOperation, cst.Element,
                                      cst.List, cst.Tuple, cst.Arg)):
                text, parent = parent, self.up(parent)
                if isinstance(text, cst.Arg):
                    break
            if any(isinstance(n, cst.Name) and n.value in unique_vars for n in walk_nodes(text)):
                return True
        return False

    # -- NL303: a loop that retries on a collision -------------------------------------------
    def collision_checked(self, name: str) -> bool:
        """A loop in this function assigns ``name`` and tests it (``while sid in used``,
        ``if not exists(sid): return sid``): a collision is retried, not shipped."""
        for loop in walk_nodes(self.root if not isinstance(self.root, cst.FunctionDef)
                               else self.root.body, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            if not isinstance(loop, (cst.While, cst.For)):
                continue
            assigned = tested = False
            tests = [loop.test] if isinstance(loop, cst.While) else []
            for node in walk_nodes(loop.body, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                if isinstance(node, (cst.If, cst.While)):
                    tests.append(node.test)
                elif isinstance(node, (cst.Assign, cst.AnnAssign, cst.NamedExpr)):
                    targets = ([t.target for t in node.targets] if isinstance(node, cst.Assign)
                               else [node.target])
                    assigned = assigned or any(name in _target_names(t) for t in targets)
            for test in tests:
                for node in walk_nodes(test):
                    if isinstance(node, cst.NamedExpr) and name in _target_names(node.target):
                        assigned = True
                    if isinstance(node, cst.Name) and node.value == name:
                        tested = True
            if assigned and tested:
                return True
        return False


class _Frame:
    """One function being visited (or the module): what is decided when it ends."""

    __slots__ = ("node", "pending", "time_vars", "values", "unique_vars", "_tree", "visitor")

    def __init__(self, node: cst.CSTNode, visitor: "_IdVisitor") -> None:
        self.node = node
        self.visitor = visitor
        self.pending: list[tuple] = []
        self.time_vars: dict[str, tuple[str, cst.CSTNode]] = {}  # name -> (resolution, timestamp)
        self.values: dict[str, cst.BaseExpression] = {}  # local name -> its last string value
        self.unique_vars: set[str] = set()  # locals from a clock, host, pid or counter
        self._tree: _Tree | None = None

    @property
    def tree(self) -> _Tree:
        if self._tree is None:
            self._tree = _Tree(self.node, self.visitor)
        return self._tree


class _IdVisitor:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.aliases: dict[str, str] = {}  # local name -> imported dotted name
        self.id_name = ctx.settings.id_name_re()
        self.generators = ctx.settings.id_generators
        self.findings: list[Finding] = []
        self._reported: set[tuple[str, int]] = set()
        self._module_exempt = self._is_generator_module(ctx.filename)
        self._scopes: list[_Scope] = []
        # What the expression being visited becomes, innermost last: an id-like name, "" for
        # something else, None at a function boundary. NL303 reports only inside an id.
        self._contexts: list[str | None] = []
        self._unique_prefix: list[bool] = []  # per enclosing f-string
        self._conditions: set[int] = set()  # expressions used only as truth values
        self._displayed: set[int] = set()  # expressions only shown: f-string fields, log args
        self._values: list[cst.BaseExpression | None] = []  # the value of each context
        self._frames: list[_Frame] = [_Frame(ctx.module, self)]
        # NL301 findings wait for the end of the module: their message says whether the id
        # is parsed or compared anywhere (IdSites below, see ``where_taken_apart``)
        self._built: list[tuple[cst.CSTNode, str, str]] = []
        self.sites = IdSites()
        self._attr_values: dict[str, list[cst.BaseExpression]] = {}  # self.x -> string values
        self._attr_slices: list[tuple[cst.Subscript, str, str, int]] = []

    # -- imports (collected on the way: a module imports before it uses) -------------
    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            name = dotted(alias.name)
            if name and alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = name
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        module = dotted(node.module) if node.module is not None else None
        for alias in node.names:
            name = dotted(alias.name)
            if not name:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.aliases[local] = f"{module}.{name}" if module else name
        return False

    def resolve(self, name: str | None) -> str:
        """The imported name a local dotted name stands for (``u.uuid4`` -> ``uuid.uuid4``)."""
        if not name:
            return ""
        head, dot, rest = name.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return name
        return f"{target}.{rest}" if rest else target

    # -- scopes: which code is a sanctioned generator --------------------------------
    def _is_generator_module(self, filename: str) -> bool:
        if not self.generators or not filename or filename.startswith("<"):
            return False
        path = PurePath(filename)
        parts = [*path.parent.parts, path.stem]
        if parts[-1] == "__init__":
            parts.pop()
        for generator in self.generators:
            wanted = generator.split(".")
            if len(wanted) <= len(parts) and parts[-len(wanted):] == wanted:
                return True
        return False

    def _is_configured(self, qualname: str) -> bool:
        """A configured generator names this function, method or class (by its tail)."""
        have = qualname.split(".")
        return any(generator.split(".")[-len(have):] == have for generator in self.generators)

    @property
    def _exempt(self) -> bool:
        return self._module_exempt or (bool(self._scopes) and self._scopes[-1].exempt)

    def _enter(self, name: str, is_class: bool) -> None:
        outer = self._scopes[-1] if self._scopes else None
        qualname = f"{outer.qualname}.{name}" if outer else name
        exempt = bool(outer and outer.exempt)
        if not exempt:
            if is_class:
                exempt = is_maker_class(name)
            else:
                exempt = is_maker_function(name)
            exempt = exempt or self._is_configured(qualname)
        self._scopes.append(_Scope(name, qualname, is_class, exempt))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._enter(node.name.value, True)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter(node.name.value, False)
        self._contexts.append(None)  # a lambda is transparent: default_factory=lambda: ...
        self._values.append(None)
        self._frames.append(_Frame(node, self))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._resolve(self._frames.pop())
        self._scopes.pop()
        self._contexts.pop()
        self._values.pop()

    def returns_id(self) -> bool:
        scope = self._scopes[-1] if self._scopes else None
        return scope is not None and not scope.is_class and self.is_id_like(scope.name)

    # -- reporting -----------------------------------------------------------------
    def _report(self, code: str, node: cst.CSTNode, message: str) -> None:
        key = (code, id(node))
        if key in self._reported:
            return
        self._reported.add(key)
        self.findings.append(self.ctx.finding(code, node, message))

    def _generators_phrase(self, name: str) -> str | None:
        """The configured generator(s) a message should send the reader to, quoted."""
        if not self.generators:
            return None
        stem = "_".join(w for w in _words(name) if w not in _ID_WORDS)
        for generator in self.generators:
            if stem and stem in "_".join(_words(generator.rsplit(".", 1)[-1])):
                return f"the sanctioned generator '{generator}'"
        if len(self.generators) == 1:
            return f"the sanctioned generator '{self.generators[0]}'"
        return "one of the sanctioned generators (" + ", ".join(
            f"'{g}'" for g in self.generators) + ")"

    # -- which expressions are ids --------------------------------------------------
    def id_name_of(self, node: cst.CSTNode | None) -> str | None:
        """The id name a target or value goes by: ``thread_id``, ``self.run_id``, ``d["run_id"]``."""
        name = _name_of(node)
        return name if name is not None and self.id_name.fullmatch(name) else None

    def is_id_like(self, name: str | None) -> bool:
        """Named like any identifier (``vpc_id``, ``shortId``), for NL303's collisions."""
        if not name:
            return False
        if self.id_name.fullmatch(name):
            return True
        words = _words(name)
        return bool(words) and words[-1] in _ID_WORDS

    def _push_context(self, name: str | None, value: cst.BaseExpression | None = None) -> None:
        id_like = self.is_id_like(name)
        self._contexts.append(name if id_like else "")
        self._values.append(value if id_like else None)
        if id_like and value is not None:
            self._check_time_only(name, value)  # type: ignore[arg-type]

    def _pop_context(self, node: cst.CSTNode | None = None) -> None:
        self._contexts.pop()
        self._values.pop()

    def _built_or_cut(self, node: cst.CSTNode) -> bool:
        """``node`` is part of an id's value that builds text around it or slices it."""
        value = self._id_value_node()
        if value is None:
            return False
        if _has_fstring(value) or (isinstance(value, cst.BinaryOperation)
                                   and isinstance(value.operator, (cst.Add, cst.Modulo))):
            return True
        return any(isinstance(n, cst.Subscript) and any(isinstance(e.slice, cst.Slice)
                                                        for e in n.slice)
                   and n.value is not node and any(m is node for m in walk_nodes(n.value))
                   for n in walk_nodes(value))

    def _id_value_node(self) -> cst.BaseExpression | None:
        """The whole value of the innermost id being built (for NL303's unique parts)."""
        for name, value in zip(reversed(self._contexts), reversed(self._values)):
            if name is None:
                return None
            if name:
                return value
        return None

    def _id_context(self) -> str | None:
        """The innermost id the visited expression is part of, within the current function."""
        for name in reversed(self._contexts):
            if name is None:
                return None
            if name:
                return name
        return None

    def _id_value(self, node: cst.BaseExpression, loose: bool = False) -> tuple[str, str] | None:
        """(id name, how it is shown) for an id-named value, looking through ``str(x)``.
        ``loose``: any name that looks like an id (``client_id``), not only the configured."""
        if isinstance(node, cst.Call) and dotted(node.func) == "str" and len(node.args) == 1:
            node = node.args[0].value
        name = self.id_name_of(node)
        if name is None and loose:
            # one id (``client_id``), not a list of them (``label_ids``: "a,b,c")
            candidate = _name_of(node)
            words = _words(candidate) if candidate else []
            # and a named one (``client_id``), not any object's bare ``.id``
            name = candidate if len(words) >= 2 and words[-1] in ("id", "uid", "uuid", "guid") \
                and not isinstance(node, cst.Subscript) else None
        if name is None:
            return None
        shown = dotted(node) or name
        return name, shown

    # -- NL301: ids built by hand ------------------------------------------------------
    def _building(self, value: cst.BaseExpression) -> Iterator[tuple[cst.CSTNode, str]]:
        """The sub-expressions of an assigned value that build a compound string by hand."""
        if isinstance(value, cst.IfExp):
            yield from self._building(value.body)
            yield from self._building(value.orelse)
            return
        if isinstance(value, cst.Lambda):
            yield from self._building(value.body)
            return
        if isinstance(value, cst.Call) and last_name(value.func) in _FIELD_FACTORIES:
            # dataclasses.field / pydantic.Field: the default is the id
            for arg in value.args:
                if arg.keyword is not None and arg.keyword.value in ("default", "default_factory"):
                    yield from self._building(arg.value)
            return
        if isinstance(value, cst.BooleanOperation):
            yield from self._building(value.left)
            yield from self._building(value.right)
            return
        if _has_fstring(value):
            expressions, text = _fstring_parts(value)
            if expressions >= 2 or (expressions == 1 and text):
                yield value, "an f-string"
            return
        if isinstance(value, cst.BinaryOperation):
            if isinstance(value.operator, cst.Add):
                if self._concatenates(value):
                    yield value, "'+'"
            elif isinstance(value.operator, cst.Modulo):
                template = string_value(value.left)
                if template is not None and _template_builds(template, _PERCENT_FIELD) \
                        and not _is_string_literal(value.right):
                    yield value, "'%' formatting"
            return
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            method = value.func.attr.value
            receiver = value.func.value
            template = string_value(receiver)
            if template is None or not value.args:
                return
            if method == "format" and _template_builds(template, _BRACE_FIELD):
                if not all(_is_string_literal(a.value) for a in value.args):
                    yield value, "str.format()"
            elif method == "join" and len(value.args) == 1:
                parts = value.args[0].value
                if isinstance(parts, (cst.List, cst.Tuple)):
                    if len(parts.elements) >= 2 and not all(
                            _is_string_literal(e.value) for e in parts.elements):
                        yield value, "str.join()"
                elif not self._random_characters(parts):
                    yield value, "str.join()"

    def _concatenates(self, node: cst.BinaryOperation) -> bool:
        """A '+' chain that joins strings, at least one of them not a constant."""
        operands: list[cst.BaseExpression] = []
        stack: list[cst.BaseExpression] = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, cst.BinaryOperation) and isinstance(item.operator, cst.Add) \
                    and not item.lpar:
                stack.extend((item.right, item.left))
            else:
                operands.append(item)
        stringy = any(
            _is_string_literal(o) or _has_fstring(o)
            or (isinstance(o, cst.Call) and dotted(o.func) == "str")
            for o in operands)
        constant = all(_is_string_literal(o) for o in operands)
        return stringy and not constant

    def _random_characters(self, parts: cst.BaseExpression) -> bool:
        """``"".join(random.choices(...))`` and friends: a random token, not a compound id."""
        element = parts
        if isinstance(parts, (cst.GeneratorExp, cst.ListComp)):
            element = parts.elt
        if isinstance(element, cst.Call):
            name = self.resolve(dotted(element.func))
            return name.rsplit(".", 1)[-1] in {"choice", "choices", "sample"}
        return False

    def _check_assigned(self, name: str | None, value: cst.BaseExpression | None,
                        local: bool = False) -> None:
        """NL301 candidates of an assignment. ``local``: the target is a plain variable, so a
        label for a log line (``request_id = f"request_id={rid}"``, only logged) can be told
        apart from an id when the function ends."""
        if name is None or value is None or self._exempt:
            return
        for node, how in self._building(value):
            if local and len(self._frames) > 1 and _looks_like_label(value):
                self._frames[-1].pending.append(("label", node, name, how))
            else:
                self._built.append((node, name, how))

    def _assign_pairs(self, target: cst.BaseExpression, value: cst.BaseExpression
                      ) -> Iterator[tuple[cst.BaseExpression, cst.BaseExpression]]:
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) \
                and len(target.elements) == len(value.elements):
            for t, v in zip(target.elements, value.elements):
                yield from self._assign_pairs(t.value, v.value)
        else:
            yield target, value

    def visit_Assign(self, node: cst.Assign) -> None:
        context = None
        for target in node.targets:
            for part, value in self._assign_pairs(target.target, node.value):
                self._check_assigned(self.id_name_of(part), value, isinstance(part, cst.Name))
            if context is None:
                context = next((n for n in _target_names(target.target) if self.is_id_like(n)), None)
        self._remember(node.targets[-1].target, node.value)
        self._push_context(context, node.value)

    leave_Assign = _pop_context

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._check_assigned(self.id_name_of(node.target), node.value,
                             isinstance(node.target, cst.Name))
        if node.value is not None:
            self._remember(node.target, node.value)
        self._push_context(_name_of(node.target), node.value)

    leave_AnnAssign = _pop_context

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        name = self.id_name_of(node.target)
        if name and not self._exempt and isinstance(node.operator, cst.AddAssign) and (
                _is_string_literal(node.value) or _has_fstring(node.value)
                or isinstance(node.value, cst.BinaryOperation)):
            self._built.append((node, name, "'+='"))
        self._push_context(_name_of(node.target))

    leave_AugAssign = _pop_context

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._check_assigned(self.id_name_of(node.target), node.value)
        self._push_context(_name_of(node.target), node.value)

    leave_NamedExpr = _pop_context

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = string_value(node.key)
        if key is not None and self.id_name.fullmatch(key):
            self._check_assigned(key, node.value)
        self._push_context(key, node.value)

    leave_DictElement = _pop_context

    def visit_Arg(self, node: cst.Arg) -> None:
        keyword = node.keyword.value if node.keyword is not None else None
        if keyword is not None and self.id_name.fullmatch(keyword):
            self._check_assigned(keyword, node.value)
        self._push_context(keyword, node.value)

    leave_Arg = _pop_context

    def visit_Return(self, node: cst.Return) -> None:
        # ``def short_id(): return uuid4().hex[:8]`` returns an id
        scope = self._scopes[-1] if self._scopes else None
        name = scope.name if scope is not None and not scope.is_class else None
        id_like = self.is_id_like(name)
        self._contexts.append(f"{name}()" if id_like else "")
        self._values.append(node.value if id_like else None)
        if id_like and node.value is not None:
            self._check_time_only(f"{name}()", node.value)

    leave_Return = _pop_context

    # -- truth-value positions (a regex that validates an id does not derive one) -----
    def _mark_condition(self, node: cst.BaseExpression | None) -> None:
        while node is not None:
            self._conditions.add(id(node))
            if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
                node = node.expression
            elif isinstance(node, cst.BooleanOperation):
                self._mark_condition(node.left)
                node = node.right
            elif isinstance(node, cst.Comparison) and all(
                    isinstance(c.operator, (cst.Is, cst.IsNot)) and dotted(c.comparator) == "None"
                    for c in node.comparisons):
                node = node.left
            elif isinstance(node, cst.Call) and dotted(node.func) == "bool" and len(node.args) == 1:
                node = node.args[0].value
            else:
                node = None

    def visit_If(self, node: cst.If) -> None:
        self._mark_condition(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._mark_condition(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._mark_condition(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._mark_condition(node.test)

    def visit_CompIf(self, node: cst.CompIf) -> None:
        self._mark_condition(node.test)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self._mark_condition(node)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self._mark_condition(node)  # only `x is None` / `x is not None` marks x
        left = node.left
        for target in node.comparisons:
            if isinstance(target.operator, (cst.Equal, cst.NotEqual, cst.In, cst.NotIn)):
                for side, other in ((left, target.comparator), (target.comparator, left)):
                    found = self._id_value(side)
                    if found and dotted(other) != "None":
                        self.sites.add(found[0], "compared", node, "")
            left = target.comparator

    # -- NL302: one id parsed out of another ----------------------------------------------
    def _report_parse(self, node: cst.CSTNode, name: str, shown: str, how: str) -> None:
        self.sites.add(name, "parsed", node, how)
        if self._exempt:
            return
        generator = self._generators_phrase(name)
        where = ("carry the component separately, or let "
                 + (generator if generator else "the id generator that made the id")
                 + " (which owns the format) provide it")
        self._report("NL302", node, f"id '{shown}' is parsed with {how} to derive another id or a "
                                    f"component: this breaks when the id format changes; {where}")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value == "bool":
            self._mark_condition(node)
        elif last_name(func) in _DISPLAY_CALLS:
            self._displayed.update(id(arg.value) for arg in node.args)
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in _PREDICATES:
                found = self._id_value(func.value)
                if found:
                    self.sites.add(found[0], "compared", node, "")
            if method == "replace" and _escapes(node):
                pass  # .replace("%", "\\%"): escaping for SQL LIKE or a regex, not parsing
            elif method in _PARSE_METHODS:
                # a named id built into another id, or cut down into one, is a source:
                # f"t_{client_id.split('_')[-1][:8]}", client_id.split("_")[-1][:8]
                found = self._id_value(func.value, loose=self._built_or_cut(node))
                if found:
                    self._report_parse(node, *found, f".{method}()")
                    return
            if method in _RE_FUNCTIONS and id(node) not in self._conditions:
                positional = [a.value for a in node.args if a.keyword is None]
                module = self.resolve(dotted(func.value))
                subject = None
                if module == "re":
                    if method in ("sub", "subn"):
                        subject = positional[2] if len(positional) > 2 else None
                    else:
                        subject = positional[1] if len(positional) > 1 else None
                elif method in ("match", "search", "fullmatch") and positional:
                    subject = positional[0]  # a compiled pattern's method
                found = self._id_value(subject) if subject is not None else None
                if found:
                    shown = f"re.{method}()" if module == "re" else f".{method}()"
                    self._report_parse(node, *found, shown)
                    return
        self._check_token(node)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Slice):
            return
        piece = node.slice[0].slice
        self._check_constant_prefix(node, piece)
        found = self._id_value(node.value)
        if found:
            if _is_clamp(piece):
                return  # a length clamp (session_id[:32]), not a component taken out
            how = f"slicing ([{_slice_text(piece)}])"
            if self._id_context() is None:
                if id(node) in self._displayed:
                    return  # a short form for a log line, not a new id: f"{thread_id[:8]}"
                # a prefix test or a short form kept in a variable first: decided at the end
                self._frames[-1].pending.append(("slice", node, found, how))
                return
            self._report_parse(node, *found, how)
            return
        self._check_truncated_uuid(node, piece)

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        self._displayed.add(id(node.expression))

    # An id whose value also holds a timestamp, a host name, a process id or a counter only
    # needs its random part to tell apart ids made at the same instant by the same process:
    # f"{time.time_ns():020d}{token_hex(4)}", f"{host}-{os.getpid()}-{uuid4().hex[:8]}",
    # f"job-{next(_seq)}-{uuid4().hex[:6]}".
    def _unique_elsewhere(self, random_part: cst.CSTNode) -> bool:
        value = self._id_value_node()
        if value is None:
            return False
        inside = {id(n) for n in walk_nodes(random_part)}
        for node in walk_nodes(value):
            if id(node) in inside:
                continue
            if isinstance(node, cst.Call):
                name = last_name(node.func)
                if name in _UNIQUE_SOURCES or name == "next" or (
                        name is not None and _COUNTER_WORDS.intersection(_words(name))):
                    return True
            elif isinstance(node, (cst.Name, cst.Attribute)) and not isinstance(
                    self._parent_call_func(value, node), cst.Call):
                name = last_name(node)
                if name and _COUNTER_WORDS.intersection(_words(name)):
                    return True
        return False

    @staticmethod
    def _parent_call_func(root: cst.CSTNode, target: cst.CSTNode) -> cst.CSTNode | None:
        """The call whose callee ``target`` is, if any (``count`` in ``itertools.count()``
        is the call's business, handled above)."""
        for node in walk_nodes(root):
            if isinstance(node, cst.Call) and node.func is target:
                return node
        return None

    def _collision(self, node: cst.CSTNode, name: str, message: str) -> None:
        """Report NL303, unless a loop in this function retries on a collision (decided when
        the function ends: the test may come after the assignment)."""
        if name.isidentifier() and len(self._frames) > 1:
            self._frames[-1].pending.append(("random", node, name, message))
        else:
            self._report("NL303", node, message)

    # -- NL304: ids that concurrent callers share ---------------------------------------
    def _remember(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """Local string values and timestamps, and the string values of ``self.x``."""
        frame = self._frames[-1]
        if isinstance(target, cst.Name):
            if isinstance(value, cst.Call) and (
                    last_name(value.func) in _UNIQUE_SOURCES or last_name(value.func) == "next"):
                frame.unique_vars.add(target.value)  # hostname = socket.gethostname()
            stamp = self._timestamp(value)
            if stamp is not None:
                frame.time_vars[target.value] = stamp
            else:
                frame.time_vars.pop(target.value, None)
            if _has_fstring(value) or isinstance(value, cst.BinaryOperation):
                frame.values[target.value] = value
            else:
                frame.values.pop(target.value, None)
        elif isinstance(target, cst.Attribute) and dotted(target.value) == "self":
            self._attr_values.setdefault(target.attr.value, []).append(value)

    def _timestamp(self, node: cst.BaseExpression) -> tuple[str, cst.CSTNode] | None:
        """(resolution, node) when ``node`` is a timestamp of second or millisecond
        resolution: ``int(time.time())``, ``int(time.time() * 1000)``, ``strftime`` without
        ``%f``, or a local variable holding one."""
        original = node
        while isinstance(node, cst.Call) and dotted(node.func) == "str" and len(node.args) == 1:
            node = node.args[0].value
        if isinstance(node, cst.Name):
            return self._frames[-1].time_vars.get(node.value)
        if not isinstance(node, cst.Call):
            return None
        func = last_name(node.func)
        if func == "strftime":
            fmt = next((string_value(a.value) for a in node.args if a.keyword is None), None)
            if fmt is not None and "%f" not in fmt and "%S" in fmt:
                return "second", original
            return None
        if func in ("int", "round", "floor") and len(node.args) == 1:
            inner = node.args[0].value
            scale = 1
            if isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Multiply):
                for factor, other in ((inner.right, inner.left), (inner.left, inner.right)):
                    if isinstance(factor, (cst.Integer, cst.Float)):
                        scale = int(float(factor.value.replace("_", "")))
                        inner = other
                        break
            if self._is_clock(inner):
                if scale == 1:
                    return "second", original
                if scale == 1000:
                    return "millisecond", original
        return None

    def _is_clock(self, node: cst.BaseExpression) -> bool:
        if not isinstance(node, cst.Call):
            return False
        name = self.resolve(dotted(node.func))
        if name in ("time.time", "time"):
            return True
        # datetime.now().timestamp(), datetime.utcnow().timestamp()
        return (last_name(node.func) == "timestamp" and isinstance(node.func, cst.Attribute)
                and isinstance(node.func.value, cst.Call)
                and last_name(node.func.value.func) in ("now", "utcnow"))

    def _check_time_only(self, name: str, value: cst.BaseExpression) -> None:
        """NL304: an id whose only varying part is a timestamp of second (or millisecond)
        resolution: every connection opened in the same second gets the same id."""
        stamps: list[tuple[str, cst.CSTNode]] = []
        for piece in _pieces(value):
            stamp = self._timestamp(piece)
            if stamp is not None:
                stamps.append(stamp)
            elif not self._is_label(piece):
                return  # something else varies per call: a user, a counter, random text
        if not stamps:
            return
        resolution, stamp = stamps[0]
        node = next(p for p in _pieces(value) if self._timestamp(p) is not None)
        shown = cst.Module([]).code_for_node(stamp)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        self._report("NL304", node, f"id '{name}' is unique only by a {resolution}-resolution "
                                    f"timestamp ({shown}): ids made in the same {resolution} are "
                                    f"equal, so concurrent connections share one; add a random "
                                    f"part (uuid4().hex) or make it in one id generator")

    def _is_label(self, node: cst.BaseExpression) -> bool:
        """A fixed or low-cardinality part of an id: a string, a prefix, an operation name."""
        while isinstance(node, cst.Call) and (
                dotted(node.func) == "str" or (isinstance(node.func, cst.Attribute)
                                              and node.func.attr.value in ("lower", "upper"))):
            node = node.args[0].value if dotted(node.func) == "str" and node.args \
                else node.func.value  # type: ignore[union-attr]
        if _is_string_literal(node):
            return True
        name = last_name(node)
        if name is None:
            return False
        if name.isupper():
            return True
        return bool(_LABEL_WORDS.intersection(_words(name)))

    def _check_constant_prefix(self, node: cst.Subscript, piece: cst.Slice) -> None:
        """NL304: ``f"corr_{user_id}_{uuid4().hex}"[:12]`` keeps only what comes before the
        unique part: every call (for that user) returns the same id."""
        upper = _leading_slice(piece)
        if upper is None:
            return
        target = node.value
        value: cst.BaseExpression | None = target
        label = self._id_context()
        if isinstance(target, cst.Name):
            value = self._frames[-1].values.get(target.value)
            label = label or (target.value if self.is_id_like(target.value) else None)
        elif isinstance(target, cst.Attribute) and dotted(target.value) == "self":
            attr = target.attr.value
            if label or self.is_id_like(attr):
                self._attr_slices.append((node, attr, label or attr, upper))
            return
        if value is None or label is None:
            return
        self._report_constant_prefix(node, value, label, upper)

    def _report_constant_prefix(self, node: cst.Subscript, value: cst.BaseExpression,
                                name: str, upper: int) -> bool:
        cut = _cut_before_unique(value, upper)
        if cut is None:
            return False
        self._report("NL304", node, f"id '{name}' keeps only its first {upper} characters, which "
                                    f"end before its unique part ({cut}): every call returns the "
                                    f"same id; drop the slice or slice the unique part")
        return True

    # -- decisions at the end of a function, and of the module --------------------------
    def _resolve(self, frame: _Frame) -> None:
        for item in frame.pending:
            kind = item[0]
            if kind == "slice":
                _, node, found, how = item
                if not frame.tree.only_tested_or_shown(node):
                    self._report_parse(node, *found, how)
            elif kind == "label":
                _, node, name, how = item
                if not frame.tree.name_only_shown(name):
                    self._built.append((node, name, how))
            elif kind == "random":
                _, node, name, message = item
                if not frame.tree.collision_checked(name) \
                        and not frame.tree.joined_with(name, frame.unique_vars):
                    self._report("NL303", node, message)
        frame.pending.clear()

    def finish(self) -> None:
        self._resolve(self._frames[0])
        for node, attr, name, upper in self._attr_slices:
            values = self._attr_values.get(attr, [])
            if values and all(_cut_before_unique(v, upper) for v in values):
                self._report_constant_prefix(node, values[0], name, upper)
        if not self._built:
            return
        wanted = {name: where_taken_apart(name, self.sites) for _, name, _ in self._built}
        positions = self.ctx.locator.positions(
            site[1] for site in wanted.values() if site is not None)
        for node, name, how in self._built:
            generator = self._generators_phrase(name)
            advice = (f"make it with {generator}" if generator else
                      f"make it in one id generator (e.g. a generate_{name}() function) "
                      f"and call that everywhere")
            site = wanted[name]
            if site is None:
                message = (f"[passed-on] id '{name}' is built ad hoc with {how}; this module does "
                           f"not parse or compare it (lower risk), but hand-built ids drift apart "
                           f"in format; {advice}")
            else:
                kind, where, parse = site
                line = positions.get(id(where), (0, 0))[0]
                if kind == "parsed":
                    message = (f"[parsed] id '{name}' is built ad hoc with {how} and parsed back "
                               f"apart with {parse} at line {line}: when the formats drift, the "
                               f"parse yields the wrong id (the thread/run id mismatch); {advice}")
                else:
                    message = (f"[compared] id '{name}' is built ad hoc with {how} and compared "
                               f"at line {line}: ids built in two places drift apart and stop "
                               f"matching (the thread/run id mismatch); {advice}")
            self._report("NL301", node, message)

    # -- NL303: truncated random components ------------------------------------------------
    def _uuid_text(self, node: cst.BaseExpression) -> tuple[str, str] | None:
        """('hex' | 'str', how it is written) when ``node`` is the text of a random uuid."""
        # look through case and dash changes: str(uuid4()).replace("-", "").upper()
        without_dashes = False
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                and node.func.attr.value in ("upper", "lower", "replace", "strip"):
            without_dashes = without_dashes or node.func.attr.value == "replace"
            node = node.func.value
        if isinstance(node, cst.Attribute) and node.attr.value == "hex" and self._is_uuid_call(node.value):
            return "hex", f"{dotted(node.value.func)}().hex"  # type: ignore[union-attr]
        if isinstance(node, cst.Call) and dotted(node.func) == "str" and len(node.args) == 1:
            inner = node.args[0].value
            if self._is_uuid_call(inner):
                shown = f"str({dotted(inner.func)}())"  # type: ignore[union-attr]
                if without_dashes:
                    return "hex", shown + '.replace("-", "")'
                return "str", shown
            if isinstance(inner, cst.Attribute) and inner.attr.value == "hex" \
                    and self._is_uuid_call(inner.value):
                return "hex", f"str({dotted(inner.value.func)}().hex)"  # type: ignore[union-attr]
        return None

    def _is_uuid_call(self, node: cst.BaseExpression) -> bool:
        if not isinstance(node, cst.Call):
            return False
        name = self.resolve(dotted(node.func))
        return name.rsplit(".", 1)[-1] in _UUID_FUNCTIONS

    def _check_truncated_uuid(self, node: cst.Subscript, piece: cst.Slice) -> None:
        source = self._uuid_text(node.value)
        if source is None:
            return
        kind, shown = source
        upper = last_name(piece.upper) if piece.upper is not None else None
        if piece.lower is None and upper and _CLAMP_WORDS.search(upper):
            return  # a clamp to a length limit: [:TOOL_CALL_ID_MAX_LEN]
        kept = _kept_text(piece, _UUID_TEMPLATE[kind])
        digits = None if kept is None else sum(c != "-" for c in kept)
        if digits is not None and digits >= 2 * _MIN_RANDOM_BYTES:
            return
        name = self._id_context()
        if name is None or self._unique_elsewhere(node):
            return
        text = f"random component {shown}[{_slice_text(piece)}] of '{name}'"
        if kept is None:
            self._collision(node, name, f"{text} is truncated: short random ids collide; keep the "
                                        f"whole {shown}")
            return
        bits = 4 * kept.count("x") + 2 * kept.count("y")
        self._collision(node, name, f"{text} keeps {digits} hex digits ({bits} random bits): a "
                                    f"collision is likely after about {_birthday(bits)} ids; keep "
                                    f"the whole {shown}")

    def _check_token(self, node: cst.Call) -> None:
        name = self.resolve(dotted(node.func))
        function = name.rsplit(".", 1)[-1]
        if function not in _TOKEN_FUNCTIONS:
            return
        size = None
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value == "nbytes":
                size = arg.value
                break
        if not isinstance(size, cst.Integer):
            return
        nbytes = int(size.evaluated_value)
        if nbytes >= _MIN_RANDOM_BYTES:
            return
        name = self._id_context()
        if name is None or self._unique_elsewhere(node):
            return
        bits = 8 * nbytes
        self._collision(node, name, f"random component {function}({nbytes}) of '{name}' has only "
                                    f"{bits} random bits: a collision is likely after about "
                                    f"{_birthday(bits)} ids; use {function}(16)")



def _name_of(node: cst.CSTNode | None) -> str | None:
    """The name a target goes by: ``x``, ``self.x``, ``d["x"]``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        element = node.slice[0].slice
        if isinstance(element, cst.Index):
            return string_value(element.value)
    return None


def _target_names(node: cst.BaseExpression) -> Iterator[str]:
    if isinstance(node, (cst.Tuple, cst.List)):
        for element in node.elements:
            yield from _target_names(element.value)
    else:
        name = _name_of(node)
        if name:
            yield name


def _kept_text(piece: cst.Slice, template: str) -> str | None:
    """The part of ``template`` that ``text[piece]`` keeps, when the bounds are literal."""
    if piece.step is not None:
        return None
    full = len(template)

    def bound(expr: cst.BaseExpression | None, default: int) -> int | None:
        if expr is None:
            return default
        if isinstance(expr, cst.Integer):
            return int(expr.evaluated_value)
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus) \
                and isinstance(expr.expression, cst.Integer):
            return -int(expr.expression.evaluated_value)
        return None

    lower, upper = bound(piece.lower, 0), bound(piece.upper, full)
    if lower is None or upper is None:
        return None
    return template[lower:upper]


def _slice_text(piece: cst.Slice) -> str:
    return cst.Module([]).code_for_node(piece)


def _birthday(bits: int) -> str:
    """Number of random ids after which a collision has even odds, rounded for a message."""
    n = 1.1774 * math.sqrt(2.0 ** bits)
    if n < 1000:
        return f"{max(2, round(n))}"
    magnitude = 10 ** (int(math.log10(n)) - 1)
    return f"{int(round(n / magnitude) * magnitude):,}"


def _looks_like_label(value: cst.BaseExpression) -> bool:
    """The literal text of a built value reads like a log label, not an id: ``key=value``,
    ``key: value``, words separated by spaces."""
    texts: list[str] = []
    for node in walk_nodes(value):
        if isinstance(node, cst.FormattedStringText):
            texts.append(node.value)
        elif isinstance(node, cst.SimpleString):
            text = string_value(node)
            if text is not None:
                texts.append(text)
    return any("=" in t or ": " in t or " " in t.strip() or t.endswith(" ") for t in texts)


def _pieces(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The parts of an id's value that are not literal text, in order."""
    if isinstance(value, (cst.FormattedString, cst.ConcatenatedString)) and _has_fstring(value):
        return [n.expression for n in walk_nodes(value)
                if isinstance(n, cst.FormattedStringExpression)]
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        out: list[cst.BaseExpression] = []
        for operand in (value.left, value.right):
            if _is_string_literal(operand):
                continue
            out.extend(_pieces(operand))
        return out
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
            and value.func.attr.value == "format" and string_value(value.func.value) is not None:
        return [a.value for a in value.args]
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Modulo) \
            and string_value(value.left) is not None:
        right = value.right
        if isinstance(right, cst.Tuple):
            return [e.value for e in right.elements]
        return [right]
    return [value]


def _is_clamp(piece: cst.Slice) -> bool:
    """``[:32]``, ``[:MAX_ID_LENGTH]``: a slice that bounds a length, not one taking a part."""
    if piece.step is not None or (piece.lower is not None and not (
            isinstance(piece.lower, cst.Integer) and piece.lower.evaluated_value == 0)):
        return False
    upper = piece.upper
    if isinstance(upper, cst.Integer):
        return int(upper.evaluated_value) >= _CLAMP
    name = last_name(upper) if upper is not None else None
    return bool(name and _CLAMP_WORDS.search(name))


def _leading_slice(piece: cst.Slice) -> int | None:
    """N for ``[:N]`` / ``[0:N]`` with a literal N > 0."""
    if piece.step is not None or not isinstance(piece.upper, cst.Integer):
        return None
    if piece.lower is not None and not (isinstance(piece.lower, cst.Integer)
                                        and piece.lower.evaluated_value == 0):
        return None
    upper = int(piece.upper.evaluated_value)
    return upper if upper > 0 else None


_PER_CALL_CALLS = frozenset({"uuid4", "uuid1", "token_hex", "token_urlsafe", "token_bytes",
                             "time", "time_ns", "now", "utcnow", "monotonic_ns", "perf_counter_ns",
                             "next", "random", "randint", "randrange", "choice", "choices",
                             "getrandbits", "urandom"})


def _unique_text(node: cst.CSTNode) -> str | None:
    """How a part of an id that changes on every call is written, if it is one."""
    for inner in walk_nodes(node):
        if isinstance(inner, cst.Call) and last_name(inner.func) in _PER_CALL_CALLS:
            return cst.Module([]).code_for_node(inner)
    return None


def _cut_before_unique(value: cst.BaseExpression, upper: int) -> str | None:
    """The per-call part of ``value`` that ``value[:upper]`` always cuts off, if the text
    before it is at least ``upper`` characters long (each interpolation counts as one)."""
    parts: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [value]
    while stack:  # flatten '+' chains and concatenations, in order
        node = stack.pop(0)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            stack[:0] = [node.left, node.right]
        elif isinstance(node, cst.ConcatenatedString):
            stack[:0] = [node.left, node.right]
        elif isinstance(node, cst.FormattedString):
            stack[:0] = list(node.parts)
        else:
            parts.append(node)
    length = 0
    for part in parts:
        if isinstance(part, cst.FormattedStringText):
            length += len(part.value)
        elif isinstance(part, cst.SimpleString):
            length += len(string_value(part) or "")
        else:
            unique = _unique_text(part)
            if unique is not None:
                return unique if length >= upper else None
            length += 1
        if length >= upper and part is parts[-1]:
            return None
    return None


def _escapes(call: cst.Call) -> bool:
    """``x.replace("%", "\\%")`` (and chains of them): escaping characters, not parsing."""
    node: cst.BaseExpression = call
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
            and node.func.attr.value == "replace" and len(node.args) >= 2:
        old, new = string_value(node.args[0].value), string_value(node.args[1].value)
        if old is None or new is None or not new.startswith("\\") or not new.endswith(old):
            return False
        node = node.func.value
    return True
