"""Resolving a call to a function or method: in the same module, or (project mode)
in another module of the project."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .walk import find
from .module import ClassInfo, FunctionInfo, ModuleIndex, dotted, parameters


@dataclass(frozen=True)
class Target:
    # a FunctionInfo of this module, or a project.ExternalFunction of another module
    function: FunctionInfo
    bound: bool  # the first parameter (self) is supplied by the call


def is_external(function: object) -> bool:
    """A callee in another module of the project (answered from project facts)."""
    return not isinstance(function, FunctionInfo)


class LocalTypes:
    """Which class of this module a local name holds, in one function."""

    def __init__(self, index: ModuleIndex, function: FunctionInfo) -> None:
        self.index = index
        self.function = function
        self.types: dict[str, str] = {}
        # names whose type is written but not defined here: ``Foo`` (annotated) or
        # ``()foo`` (the result of calling ``foo``), resolved through the project
        self.foreign: dict[str, str] = {}
        for param in parameters(function.node):
            if param.annotation is not None:
                name = dotted(_unquote(param.annotation.annotation))
                if name and name in index.classes:
                    self.types[param.name.value] = name
                elif name:
                    self.foreign[param.name.value] = name
        assigned = _AssignedTypes(self.types, index, self.foreign)
        for node in find(function.node.body, cst.Assign):
            assigned.visit_Assign(node)

    def class_of_expr(self, expr: cst.BaseExpression) -> ClassInfo | None:
        index = self.index
        if isinstance(expr, cst.Name):
            name = expr.value
            if name in ("self", "cls") and self.function.cls is not None:
                return self.function.cls
            created = self.types.get(name) or index.instances.get(name)
            return index.classes.get(created) if created else None
        if (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)
                and expr.value.value == "self" and self.function.cls is not None):
            created = self.function.cls.attr_types.get(expr.attr.value)
            return index.classes.get(created) if created else None
        return None

    def resolve(self, call: cst.Call) -> Target | None:
        """The function of this module that ``call`` calls, or None."""
        return self._resolve(call, project=False)

    def resolve_any(self, call: cst.Call) -> Target | None:
        """``resolve``, and in project mode also a function of another project module
        (a ``Target`` whose function ``is_external``)."""
        return self._resolve(call, project=True)

    def _resolve(self, call: cst.Call, project: bool) -> Target | None:
        func = call.func
        index = self.index
        if isinstance(func, cst.Name):
            name = func.value
            if name in index.functions:
                return Target(index.functions[name], False)
            if name in index.classes:
                init = index.method(index.classes[name], "__init__")
                return Target(init, True) if init else None
            return self._in_project(call) if project else None
        if isinstance(func, cst.Attribute):
            cls = self.class_of_expr(func.value)
            if cls is not None:
                method = index.method(cls, func.attr.value)
                if method is not None:
                    return Target(method, method.is_method)
                return self._in_project(call, cls) if project else None
        return self._in_project(call) if project else None

    # -- project mode ----------------------------------------------------------------
    def _in_project(self, call: cst.Call, local_cls: ClassInfo | None = None) -> Target | None:
        if self.index.project is None or self.index.module_name is None:
            return None
        try:
            return self._resolve_in_project(call, local_cls)
        except (OSError, RecursionError, ValueError, KeyError, TypeError, AttributeError):
            return None  # an odd corner of another module: the call stays unknown

    def _resolve_in_project(self, call: cst.Call, local_cls: ClassInfo | None) -> Target | None:
        project = self.index.project
        module = self.index.module_name
        func = call.func
        name = dotted(func)
        if name and not (isinstance(func, cst.Attribute) and self._is_local(name.split(".")[0])):
            found = project.resolve_in(module, name)
            if found is not None:
                return _target(project, found)
        if not isinstance(func, cst.Attribute):
            return None
        receiver = ((module, local_cls.name) if local_cls is not None
                    else self._foreign_class(func.value, None))
        if receiver is not None:
            method = project.method(receiver, func.attr.value)
            return Target(method, method.is_method) if method is not None else None
        if local_cls is not None:
            return None
        # dispatch by name: a registry of handler objects (``handler.handle_message(...)``)
        candidates = project.methods_named(func.attr.value, module)
        if not candidates:
            return None
        from dataclasses import replace

        # reached by name alone (even a single candidate): ``alternatives`` says so, and
        # the questions that must not rest on a name (resources) leave such a callee alone
        first = candidates[0]
        return Target(replace(first, alternatives=tuple(candidates)), first.is_method)

    def _is_local(self, name: str) -> bool:
        return name in ("self", "cls") or name in self.types or name in self.foreign or any(
            p.name.value == name for p in parameters(self.function.node))

    def _foreign_class(self, expr: cst.BaseExpression, local_cls: ClassInfo | None):
        project = self.index.project
        module = self.index.module_name
        if isinstance(expr, cst.Name):
            written = self.foreign.get(expr.value)
            if written is None and expr.value in self.index.instances:
                written = "()" + self.index.instances[expr.value]  # a module-level instance
            return project.class_of_type(module, written) if written else None
        cls = self.function.cls
        if (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)
                and expr.value.value == "self" and cls is not None):
            return project.attribute_class(module, cls.name, expr.attr.value)
        return None


def _target(project, found) -> Target | None:
    kind, value = found
    if kind == "function":
        return Target(value, False)
    if kind == "bound":
        return Target(value, value.is_method)
    if kind == "class":
        init = project.method(value, "__init__")
        return Target(init, True) if init is not None else None
    return None


def _unquote(annotation: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(annotation, cst.SimpleString):
        try:
            return cst.parse_expression(str(annotation.evaluated_value).strip())
        except Exception:
            return annotation
    return annotation


class _AssignedTypes(cst.CSTVisitor):
    def __init__(self, types: dict[str, str], index: ModuleIndex,
                 foreign: dict[str, str] | None = None) -> None:
        self.types = types
        self.index = index
        self.foreign = foreign if foreign is not None else {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        if isinstance(value, cst.Call):
            created = dotted(value.func)
            for target in node.targets:
                if not isinstance(target.target, cst.Name) or not created:
                    continue
                if created in self.index.classes:
                    self.types[target.target.value] = created
                else:
                    self.foreign.setdefault(target.target.value, "()" + created)


def bind_argument(target: Target, call: cst.Call, position: int | None,
                  keyword: str | None) -> int | None:
    """Index (into parameters()) of the parameter that receives an argument."""
    function = target.function
    if is_external(function):
        names, positional_count = list(function.params), function.positional
    else:
        names = [p.name.value for p in parameters(function.node)]
        positional_count = len(function.node.params.posonly_params) + len(function.node.params.params)
    if keyword is not None:
        return names.index(keyword) if keyword in names else None
    if position is None:
        return None
    i = position + (1 if target.bound else 0)
    return i if i < positional_count else None
