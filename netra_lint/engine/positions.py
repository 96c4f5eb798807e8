"""Line and column of reported nodes only.

libcst's PositionProvider records a range for every node of the module, which costs
several times the parse. Findings need the start of a handful of nodes, so this runs
libcst's own code generator once per file that has findings, with a state that tracks
only the line and column and records the start of the requested nodes. The positions are
the same as PositionProvider's (syntactic start), which a test checks.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Iterable

import libcst as cst
from libcst._nodes.internal import CodegenState

_NOTHING = nullcontext()


class _Recorder:
    __slots__ = ("state", "node")

    def __init__(self, state: "_TargetedState", node: cst.CSTNode) -> None:
        self.state = state
        self.node = node

    def __enter__(self) -> None:
        state = self.state
        state.found.setdefault(id(self.node), (state.line, state.column))

    def __exit__(self, *exc: object) -> None:
        return None


@dataclass
class _TargetedState(CodegenState):
    targets: set[int] = field(default_factory=set)
    found: dict[int, tuple[int, int]] = field(default_factory=dict)
    line: int = 1
    column: int = 0

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        newlines = value.count("\n") + value.count("\r") - value.count("\r\n")
        if newlines:
            self.line += newlines
            self.column = len(value) - max(value.rfind("\n"), value.rfind("\r")) - 1
        else:
            self.column += len(value)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node=None, end_node=None):
        if id(node) in self.targets and start_node is None:
            return _Recorder(self, node)
        if id(node) in self.targets:
            self.targets.add(id(start_node))
            self._aliases[id(start_node)] = id(node)
        return _NOTHING

    def __post_init__(self) -> None:
        self._aliases: dict[int, int] = {}


class Locator:
    def __init__(self, module: cst.Module) -> None:
        self.module = module

    def positions(self, nodes: Iterable[cst.CSTNode]) -> dict[int, tuple[int, int]]:
        """(line, column) of each node's syntactic start, keyed by ``id(node)``."""
        targets = {id(n) for n in nodes}
        if not targets:
            return {}
        state = _TargetedState(default_indent=self.module.default_indent,
                               default_newline=self.module.default_newline, targets=targets)
        # libcst's code generator recurses once per nesting level, and it nests implicit
        # string concatenations and boolean chains pairwise (a 600-piece help text is 600
        # deep); Python 3.11 frames of pure-Python calls do not use the C stack.
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 50_000))
        try:
            self.module._codegen(state)
        finally:
            sys.setrecursionlimit(limit)
        found = dict(state.found)
        for start_id, node_id in state._aliases.items():
            if start_id in found:
                found.setdefault(node_id, found[start_id])
        return found
