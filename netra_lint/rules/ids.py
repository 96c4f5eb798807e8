"""NL301-NL303: identifiers built by hand, parsed back apart, or truncated.

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

# Calls whose arguments are only shown to a person: a slice of an id there is a short form.
_DISPLAY_CALLS = frozenset({"print", "debug", "info", "warning", "warn", "error", "exception",
                            "critical", "log"})
_FIELD_FACTORIES = frozenset({"field", "Field"})

# NL303: calls whose value already makes an id unique per instant, host or process.
_UNIQUE_SOURCES = frozenset({"time_ns", "time", "now", "utcnow", "monotonic_ns",
                             "perf_counter_ns", "getpid", "gethostname", "node", "uuid1"})
# NL303: the random sources whose text is an id's random component.
_UUID_FUNCTIONS = frozenset({"uuid4", "uuid1"})
_TOKEN_FUNCTIONS = frozenset({"token_hex", "token_urlsafe", "token_bytes"})
_MIN_RANDOM_BYTES = 8  # below 64 random bits, collisions are a matter of traffic
# The text of a uuid4: x is a random hex digit, 4 the version, y two random bits.
_UUID_TEMPLATE = {"hex": "xxxxxxxxxxxx4xxxyxxxxxxxxxxxxxxx", "str": "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"}


def check(ctx: Context) -> Iterator[Finding]:
    visitor = _IdVisitor(ctx)
    walk(ctx.module, visitor)
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


def is_maker_function(name: str) -> bool:
    words = _words(name)
    return bool(_MAKER_VERBS.intersection(words)) and bool(_ID_WORDS.intersection(words))


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


# -- the visitor -------------------------------------------------------------------


class _Scope:
    __slots__ = ("exempt", "is_class", "name", "qualname")

    def __init__(self, name: str, qualname: str, is_class: bool, exempt: bool) -> None:
        self.name = name
        self.qualname = qualname
        self.is_class = is_class
        self.exempt = exempt


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

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._contexts.pop()

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

    def _push_context(self, name: str | None) -> None:
        self._contexts.append(name if self.is_id_like(name) else "")

    def _pop_context(self, node: cst.CSTNode | None = None) -> None:
        self._contexts.pop()

    def _id_context(self) -> str | None:
        """The innermost id the visited expression is part of, within the current function."""
        for name in reversed(self._contexts):
            if name is None:
                return None
            if name:
                return name
        return None

    def _id_value(self, node: cst.BaseExpression) -> tuple[str, str] | None:
        """(id name, how it is shown) for an id-named value, looking through ``str(x)``."""
        if isinstance(node, cst.Call) and dotted(node.func) == "str" and len(node.args) == 1:
            node = node.args[0].value
        name = self.id_name_of(node)
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

    def _check_assigned(self, name: str | None, value: cst.BaseExpression | None) -> None:
        if name is None or value is None or self._exempt:
            return
        for node, how in self._building(value):
            generator = self._generators_phrase(name)
            advice = (f"make it with {generator}" if generator else
                      f"make it in one id generator (e.g. a generate_{name}() function) "
                      f"and call that everywhere")
            self._report("NL301", node, f"id '{name}' is built ad hoc with {how}: hand-built ids "
                                        f"drift apart in format; {advice}")

    def _assign_pairs(self, target: cst.BaseExpression, value: cst.BaseExpression
                      ) -> Iterator[tuple[str | None, cst.BaseExpression]]:
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) \
                and len(target.elements) == len(value.elements):
            for t, v in zip(target.elements, value.elements):
                yield from self._assign_pairs(t.value, v.value)
        else:
            yield self.id_name_of(target), value

    def visit_Assign(self, node: cst.Assign) -> None:
        context = None
        for target in node.targets:
            for name, value in self._assign_pairs(target.target, node.value):
                self._check_assigned(name, value)
            if context is None:
                context = next((n for n in _target_names(target.target) if self.is_id_like(n)), None)
        self._push_context(context)

    leave_Assign = _pop_context

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._check_assigned(self.id_name_of(node.target), node.value)
        self._push_context(_name_of(node.target))

    leave_AnnAssign = _pop_context

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        name = self.id_name_of(node.target)
        if name and not self._exempt and isinstance(node.operator, cst.AddAssign) and (
                _is_string_literal(node.value) or _has_fstring(node.value)
                or isinstance(node.value, cst.BinaryOperation)):
            self._report("NL301", node, f"id '{name}' is extended ad hoc with '+=': hand-built ids "
                                        f"drift apart in format; create it whole in one id generator")
        self._push_context(_name_of(node.target))

    leave_AugAssign = _pop_context

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._check_assigned(self.id_name_of(node.target), node.value)
        self._push_context(_name_of(node.target))

    leave_NamedExpr = _pop_context

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = string_value(node.key)
        if key is not None and self.id_name.fullmatch(key):
            self._check_assigned(key, node.value)
        self._push_context(key)

    leave_DictElement = _pop_context

    def visit_Arg(self, node: cst.Arg) -> None:
        keyword = node.keyword.value if node.keyword is not None else None
        if keyword is not None and self.id_name.fullmatch(keyword):
            self._check_assigned(keyword, node.value)
        self._push_context(keyword)

    leave_Arg = _pop_context

    def visit_Return(self, node: cst.Return) -> None:
        # ``def short_id(): return uuid4().hex[:8]`` returns an id
        scope = self._scopes[-1] if self._scopes else None
        name = scope.name if scope is not None and not scope.is_class else None
        self._contexts.append(f"{name}()" if self.is_id_like(name) else "")

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

    # -- NL302: one id parsed out of another ----------------------------------------------
    def _report_parse(self, node: cst.CSTNode, name: str, shown: str, how: str) -> None:
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
            if method in _PARSE_METHODS:
                found = self._id_value(func.value)
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
        found = self._id_value(node.value)
        if found:
            if id(node) in self._displayed and self._id_context() is None:
                return  # a short form for a log line, not a new id: f"{thread_id[:8]}"
            self._report_parse(node, *found, f"slicing ([{_slice_text(piece)}])")
            return
        self._check_truncated_uuid(node, piece)

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        self._displayed.add(id(node.expression))

    # An id whose template also holds a timestamp, a host name or a process id only needs
    # its random part to tell apart ids made at the same instant by the same process:
    # f"{time.time_ns():020d}{token_hex(4)}", f"{host}-{os.getpid()}-{uuid4().hex[:8]}".
    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._unique_prefix.append(any(
            isinstance(n, cst.Call) and last_name(n.func) in _UNIQUE_SOURCES
            for part in node.parts if isinstance(part, cst.FormattedStringExpression)
            for n in walk_nodes(part.expression)))

    def leave_FormattedString(self, node: cst.FormattedString) -> None:
        self._unique_prefix.pop()

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
        kept = _kept_text(piece, _UUID_TEMPLATE[kind])
        digits = None if kept is None else sum(c != "-" for c in kept)
        if digits is not None and digits >= 2 * _MIN_RANDOM_BYTES:
            return
        name = self._id_context()
        if name is None or (self._unique_prefix and self._unique_prefix[-1]):
            return
        text = f"random component {shown}[{_slice_text(piece)}] of '{name}'"
        if kept is None:
            self._report("NL303", node, f"{text} is truncated: short random ids collide; keep the "
                                        f"whole {shown}")
            return
        bits = 4 * kept.count("x") + 2 * kept.count("y")
        self._report("NL303", node, f"{text} keeps {digits} hex digits ({bits} random bits): a "
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
        if name is None or (self._unique_prefix and self._unique_prefix[-1]):
            return
        bits = 8 * nbytes
        self._report("NL303", node, f"random component {function}({nbytes}) of '{name}' has only "
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
