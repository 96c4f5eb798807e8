"""What one module defines: imports, functions, classes, instances, routes.

Everything here comes from one walk over the module's statements (no libcst metadata
providers): names are resolved through the module's own imports, which is all a
single-file linter can see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import libcst as cst

from .frameworks import ROUTE_DECORATORS
from .walk import walk


def dotted(node: cst.CSTNode | None) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def last_name(expr: cst.CSTNode | None) -> str | None:
    """``c`` for ``a.b.c`` or ``c``; None for anything else."""
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    if isinstance(expr, cst.Name):
        return expr.value
    return None


def call_name(call: cst.Call) -> str | None:
    """The last component of the called name: ``create_task`` for ``asyncio.create_task``."""
    return last_name(call.func)


def caught_names(handler: cst.ExceptHandler) -> tuple[str, ...] | None:
    """The last components of the exception types an ``except`` clause names
    (``("WebSocketDisconnect", "OSError")``); None for a bare ``except:``."""
    kind = handler.type
    if kind is None:
        return None
    elements = kind.elements if isinstance(kind, cst.Tuple) else [kind]
    names = []
    for element in elements:
        value = element.value if isinstance(element, cst.Element) else element
        name = dotted(value)
        if name:
            names.append(name.rsplit(".", 1)[-1])
    return tuple(names)


def string_value(node: cst.CSTNode | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - odd literal
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        # libcst nests "a" "b" "c" pairwise, one level per piece: walk it without recursion
        parts: list[str] = []
        while isinstance(node, cst.ConcatenatedString):
            left = string_value(node.left)  # a left side is never itself concatenated
            if left is None:
                return None
            parts.append(left)
            node = node.right
        last = string_value(node)
        return None if last is None else "".join(parts) + last
    return None


def parameters(function: cst.FunctionDef) -> list[cst.Param]:
    params = function.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]


def depends_target(param: cst.Param) -> cst.Call | None:
    """The ``Depends(fn)``/``Security(fn)`` a FastAPI parameter declares, as its default
    or inside ``Annotated[..., Depends(fn)]``."""
    candidates: list[cst.BaseExpression] = []
    if param.default is not None:
        candidates.append(param.default)
    if param.annotation is not None and isinstance(param.annotation.annotation, cst.Subscript):
        sub = param.annotation.annotation
        if dotted(sub.value) in ("Annotated", "typing.Annotated", "typing_extensions.Annotated"):
            for element in sub.slice[1:]:
                if isinstance(element.slice, cst.Index):
                    candidates.append(element.slice.value)
    for candidate in candidates:
        if isinstance(candidate, cst.Call) and call_name(candidate) in ("Depends", "Security"):
            return candidate
    return None


@dataclass
class FunctionInfo:
    node: cst.FunctionDef
    name: str
    cls: "ClassInfo | None" = None
    is_async: bool = False

    @property
    def qualname(self) -> str:
        return f"{self.cls.name}.{self.name}" if self.cls else self.name

    @property
    def is_method(self) -> bool:
        if self.cls is None:
            return False
        for decorator in self.node.decorators:
            if dotted(decorator.decorator) == "staticmethod":
                return False
        return True


@dataclass
class ClassInfo:
    node: cst.ClassDef
    name: str
    bases: list[str]  # resolved qualified names of the bases
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    attr_types: dict[str, str] = field(default_factory=dict)  # self.x = Cls(...)


class ModuleIndex:
    # Project mode (engine/project.py) sets these for modules of a project: calls that
    # this module cannot resolve are then resolved into the project's other modules.
    project = None
    module_name: str | None = None

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.instances: dict[str, str] = {}  # module-level name -> class name in this module
        self.routes: dict[str, str] = {}     # function name -> "fastapi" | "starlette"
        self.all_functions: list[FunctionInfo] = []
        # one fast walk of the whole module serves every module-wide question
        self.all_nodes: list[cst.CSTNode] = list(walk(module))
        self.all_calls: list[cst.Call] = [n for n in self.all_nodes if isinstance(n, cst.Call)]
        self._collect_imports(module)
        for statement in module.body:
            self._top_level(statement)
        for info in self.classes.values():
            info.bases = [self.resolve(b) for b in info.bases]
        self._collect_routes(module)

    # -- imports -----------------------------------------------------------------
    def _collect_imports(self, module: cst.Module) -> None:
        collector = _ImportCollector(self.aliases)
        for node in self.all_nodes:
            if isinstance(node, cst.Import):
                collector.visit_Import(node)
            elif isinstance(node, cst.ImportFrom):
                collector.visit_ImportFrom(node)

    def resolve(self, name: str | None) -> str:
        """Qualified name of a dotted local name, through the imports."""
        if not name:
            return ""
        head, _, rest = name.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return name
        return f"{target}.{rest}" if rest else target

    # -- definitions -------------------------------------------------------------
    def _top_level(self, statement: cst.CSTNode, cls: ClassInfo | None = None) -> None:
        if isinstance(statement, cst.FunctionDef):
            info = FunctionInfo(statement, statement.name.value, cls, statement.asynchronous is not None)
            self.all_functions.append(info)
            if cls is None:
                self.functions[info.name] = info
            else:
                cls.methods[info.name] = info
                self._collect_attr_types(info, cls)
            self._nested(statement.body, cls)
        elif isinstance(statement, cst.ClassDef):
            bases = [dotted(arg.value) or "" for arg in statement.bases]
            info = ClassInfo(statement, statement.name.value, bases)
            if cls is None:
                self.classes[info.name] = info
            for inner in statement.body.body if isinstance(statement.body, cst.IndentedBlock) else ():
                self._top_level(inner, info)
        elif isinstance(statement, (cst.If, cst.Try)):
            # definitions under ``if TYPE_CHECKING``/``try: import`` guards still count
            for inner in _child_statements(statement):
                self._top_level(inner, cls)
        elif isinstance(statement, cst.SimpleStatementLine) and cls is None:
            for small in statement.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and isinstance(small.value, cst.Call):
                    created = dotted(small.value.func)
                    targets = ([t.target for t in small.targets] if isinstance(small, cst.Assign)
                               else [small.target])
                    for target in targets:
                        if isinstance(target, cst.Name) and created:
                            self.instances[target.value] = created

    def _nested(self, body: cst.BaseSuite, cls: ClassInfo | None) -> None:
        """Functions nested in functions, at any depth, are analysed too (a route
        registered inside an app factory)."""
        pending = [body]
        while pending:
            for statement in _walk_statements(pending.pop()):
                if isinstance(statement, cst.FunctionDef):
                    self.all_functions.append(FunctionInfo(
                        statement, statement.name.value, None, statement.asynchronous is not None))
                    pending.append(statement.body)

    def _collect_attr_types(self, info: FunctionInfo, cls: ClassInfo) -> None:
        for statement in _walk_statements(info.node.body):
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and isinstance(small.value, cst.Call):
                    created = dotted(small.value.func)
                    targets = ([t.target for t in small.targets] if isinstance(small, cst.Assign)
                               else [small.target])
                    for target in targets:
                        if (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
                                and target.value.value == "self" and created):
                            cls.attr_types[target.attr.value] = created

    # -- routes ------------------------------------------------------------------
    def _collect_routes(self, module: cst.Module) -> None:
        self._decorated: dict[int, str] = {}
        for info in self.all_functions:
            for decorator in info.node.decorators:
                expr = decorator.decorator
                framework_style = ROUTE_DECORATORS.get(
                    self.resolve(dotted(expr.func if isinstance(expr, cst.Call) else expr)))
                if framework_style is not None:
                    # ``@websocket("/ws")`` from litestar, ``@websocket_listener(...)``
                    self._decorated[id(info.node)] = framework_style
                elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
                    attr = expr.func.attr.value
                    if attr == "websocket":
                        self._decorated[id(info.node)] = "fastapi"
                    elif attr == "websocket_route":
                        self._decorated[id(info.node)] = "starlette"
        collector = _RouteCallCollector(self)
        for call in self.all_calls:
            collector.visit_Call(call)

    def route_style(self, info: FunctionInfo) -> str | None:
        """"fastapi", "starlette" or "litestar" when ``info`` is registered as a websocket
        route; "managed" when the framework runs the connection for it (Litestar's
        ``@websocket_listener``)."""
        style = self._decorated.get(id(info.node))
        if style is None and info.cls is None and self.functions.get(info.name) is info:
            style = self.routes.get(info.name)
        return style

    # -- lookups -------------------------------------------------------------------
    def class_of(self, qualname: str | None) -> ClassInfo | None:
        if not qualname:
            return None
        return self.classes.get(qualname)

    def method(self, cls: ClassInfo, name: str, _depth: int = 0) -> FunctionInfo | None:
        if name in cls.methods:
            return cls.methods[name]
        if _depth > 10:
            return None
        for base in cls.bases:
            base_cls = self.classes.get(base)
            if base_cls is not None and base_cls is not cls:
                found = self.method(base_cls, name, _depth + 1)
                if found is not None:
                    return found
        return None



def _child_statements(statement: cst.CSTNode) -> Iterator[cst.CSTNode]:
    if isinstance(statement, cst.If):
        yield from _suite_statements(statement.body)
        orelse = statement.orelse
        while orelse is not None:
            if isinstance(orelse, cst.If):
                yield from _suite_statements(orelse.body)
                orelse = orelse.orelse
            else:
                yield from _suite_statements(orelse.body)
                orelse = None
    elif isinstance(statement, cst.Try):
        yield from _suite_statements(statement.body)
        for handler in statement.handlers:
            yield from _suite_statements(handler.body)
        if statement.orelse is not None:
            yield from _suite_statements(statement.orelse.body)


def _suite_statements(suite: cst.BaseSuite) -> list[cst.CSTNode]:
    return list(suite.body) if isinstance(suite, cst.IndentedBlock) else []


def _walk_statements(suite: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    """Every statement in a suite, entering compound statements but not nested defs/classes."""
    stack = list(reversed(_suite_statements(suite)))
    while stack:
        statement = stack.pop()
        yield statement
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        children: list[cst.CSTNode] = []
        for attr in ("body", "orelse", "finalbody"):
            part = getattr(statement, attr, None)
            if isinstance(part, cst.BaseSuite):
                children.extend(_suite_statements(part))
            elif isinstance(part, (cst.Else, cst.Finally)):
                children.extend(_suite_statements(part.body))
            elif isinstance(part, cst.If):
                children.append(part)
        for handler in getattr(statement, "handlers", ()) or ():
            children.extend(_suite_statements(handler.body))
        for case in getattr(statement, "cases", ()) or ():
            children.extend(_suite_statements(case.body))
        stack.extend(reversed(children))


class _ImportCollector(cst.CSTVisitor):
    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            name = dotted(alias.name)
            if not name:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = name
            else:
                head = name.split(".")[0]
                self.aliases.setdefault(head, head)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node.relative or node.module is None:
            base = "." * len(node.relative) + (dotted(node.module) or "")
        else:
            base = dotted(node.module) or ""
        if isinstance(node.names, cst.ImportStar):
            return False
        for alias in node.names:
            name = dotted(alias.name)
            if not name:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.aliases[local] = f"{base}.{name}" if base else name
        return False

    # imports inside functions count too; nothing else in an expression is an import
    def visit_SimpleString(self, node: cst.SimpleString) -> bool:
        return False


_ROUTE_CALLS = {
    "add_websocket_route": ("starlette", 1),
    "add_api_websocket_route": ("fastapi", 1),
    "WebSocketRoute": ("starlette", 1),
    "APIWebSocketRoute": ("fastapi", 1),
}


class _RouteCallCollector(cst.CSTVisitor):
    def __init__(self, index: ModuleIndex) -> None:
        self.index = index

    def visit_Call(self, node: cst.Call) -> None:
        name = call_name(node)
        if name not in _ROUTE_CALLS:
            return
        style, position = _ROUTE_CALLS[name]
        endpoint = None
        positional = [a for a in node.args if a.keyword is None]
        if len(positional) > position:
            endpoint = positional[position].value
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "endpoint":
                endpoint = arg.value
        if isinstance(endpoint, cst.Name) and endpoint.value in self.index.functions:
            self.index.routes.setdefault(endpoint.value, style)
