"""Fast traversal of libcst trees.

libcst's visitor protocol dispatches several Python calls per node and per attribute;
the analyses here only need "every node below this one" or "the calls below this one in
evaluation order", so they walk the dataclass fields directly and skip the whitespace,
punctuation and operator fields, which never hold anything of interest. This is several
times faster than ``node.visit(visitor)`` on the same tree.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import libcst as cst

_SKIPPED = ("whitespace", "lpar", "rpar", "comma", "semicolon", "lbracket", "rbracket",
            "lbrace", "rbrace", "colon", "equal", "header", "footer", "leading_lines",
            "lines_after", "newline", "dot", "operator", "star", "asynchronous", "prefix",
            "quote", "lines_after_decorators", "default_indent", "default_newline", "encoding",
            "has_trailing_newline", "arrow", "first_line")
_FIELDS: dict[type, tuple[str, ...]] = {}
NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(
            f.name for f in dataclasses.fields(cls)
            if not any(f.name.startswith(s) or f.name.endswith(s) for s in _SKIPPED))
    return names


# libcst's node classes use ABCMeta, whose isinstance() is a slow Python-level call;
# these walks decide by exact type, cached per class.
_IS_NODE: dict[type, bool] = {}


def _is_node(value: object) -> bool:
    kind = type(value)
    known = _IS_NODE.get(kind)
    if known is None:
        known = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)
    return known


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in _fields(type(node)):
        value = getattr(node, name)
        if _is_node(value):
            yield value
        elif value.__class__ in (list, tuple):
            for item in value:
                if _is_node(item):
                    yield item


def walk(root: cst.CSTNode, skip: tuple[type, ...] = ()) -> Iterator[cst.CSTNode]:
    """Every node under ``root`` (included), in source order; nodes of a ``skip`` type
    below the root are yielded but not entered."""
    stack = [root]
    fields = _fields
    is_node = _is_node
    skipped = frozenset(skip)
    while stack:
        node = stack.pop()
        yield node
        if skipped and node is not root and type(node) in skipped:
            continue
        found: list[cst.CSTNode] = []
        for name in fields(type(node)):
            value = getattr(node, name)
            if is_node(value):
                found.append(value)
            elif value.__class__ in (list, tuple):
                found.extend(v for v in value if is_node(v))
        if found:
            found.reverse()
            stack.extend(found)


def find(root: cst.CSTNode, kinds: type | tuple[type, ...],
         skip: tuple[type, ...] = NESTED_SCOPES) -> list:
    """Nodes of the given (concrete) types under ``root``, not entering nested scopes."""
    wanted = frozenset(kinds if isinstance(kinds, tuple) else (kinds,))
    return [n for n in walk(root, skip) if type(n) in wanted]


def collect_calls(root: cst.CSTNode) -> tuple[list[cst.Call], set[int], set[int], bool]:
    """One pass: the calls in evaluation order, the ids of awaited calls, the ids of calls
    whose value is discarded (an expression statement), and whether anything awaits."""
    calls: list[cst.Call] = []
    awaited: set[int] = set()
    discarded: set[int] = set()
    has_await = False
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            calls.append(node)
            continue
        kind = type(node)
        if node is not root and kind in NESTED_SCOPES:
            continue
        if kind is cst.Call:
            stack.append((node, True))
        elif kind is cst.Await:
            has_await = True
            if type(node.expression) is cst.Call:
                awaited.add(id(node.expression))
        elif kind is cst.Expr and type(node.value) is cst.Call:
            discarded.add(id(node.value))
        kids = list(children(node))
        for kid in reversed(kids):
            stack.append((kid, False))
    return calls, awaited, discarded, has_await
