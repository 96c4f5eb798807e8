"""Resolving a call to a function or method defined in the same module."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .walk import find
from .module import ClassInfo, FunctionInfo, ModuleIndex, dotted, parameters


@dataclass(frozen=True)
class Target:
    function: FunctionInfo
    bound: bool  # the first parameter (self) is supplied by the call


class LocalTypes:
    """Which class of this module a local name holds, in one function."""

    def __init__(self, index: ModuleIndex, function: FunctionInfo) -> None:
        self.index = index
        self.function = function
        self.types: dict[str, str] = {}
        for param in parameters(function.node):
            if param.annotation is not None:
                name = dotted(_unquote(param.annotation.annotation))
                if name and name in index.classes:
                    self.types[param.name.value] = name
        assigned = _AssignedTypes(self.types, index)
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
        func = call.func
        index = self.index
        if isinstance(func, cst.Name):
            name = func.value
            if name in index.functions:
                return Target(index.functions[name], False)
            if name in index.classes:
                init = index.method(index.classes[name], "__init__")
                return Target(init, True) if init else None
            return None
        if isinstance(func, cst.Attribute):
            cls = self.class_of_expr(func.value)
            if cls is not None:
                method = index.method(cls, func.attr.value)
                if method is not None:
                    return Target(method, method.is_method)
        return None


def _unquote(annotation: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(annotation, cst.SimpleString):
        try:
            return cst.parse_expression(str(annotation.evaluated_value).strip())
        except Exception:
            return annotation
    return annotation


class _AssignedTypes(cst.CSTVisitor):
    def __init__(self, types: dict[str, str], index: ModuleIndex) -> None:
        self.types = types
        self.index = index

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call):
            created = dotted(node.value.func)
            if created in self.index.classes:
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        self.types[target.target.value] = created


def bind_argument(target: Target, call: cst.Call, position: int | None,
                  keyword: str | None) -> int | None:
    """Index (into parameters()) of the parameter that receives an argument."""
    params = parameters(target.function.node)
    if keyword is not None:
        for i, param in enumerate(params):
            if param.name.value == keyword:
                return i
        return None
    if position is None:
        return None
    i = position + (1 if target.bound else 0)
    positional = [*target.function.node.params.posonly_params, *target.function.node.params.params]
    return i if i < len(positional) else None
