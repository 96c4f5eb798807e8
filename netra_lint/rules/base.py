"""What every rule family receives: the parsed module and its shared analyses."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterator

import libcst as cst

from ..engine.module import ModuleIndex
from ..engine.positions import Locator
from ..engine.websockets import WebSocketAnalysis
from ..finding import Finding
from ..settings import Settings


@dataclass
class Context:
    """One file under analysis. Analyses are built on first use and shared by families."""

    module: cst.Module
    filename: str
    settings: Settings
    project: Any = None  # engine.project.Project in project mode, else None
    locator: Locator = field(init=False)

    def __post_init__(self) -> None:
        self.locator = Locator(self.module)

    @cached_property
    def module_name(self) -> str | None:
        return self.project.module_name(self.filename) if self.project is not None else None

    @cached_property
    def index(self) -> ModuleIndex:
        index = ModuleIndex(self.module)
        if self.project is not None:
            index.project, index.module_name = self.project, self.module_name
        return index

    @cached_property
    def websockets(self) -> WebSocketAnalysis:
        analysis = WebSocketAnalysis(self.index, self.settings)
        if self.project is not None:
            self.project.adopt(self.module_name, analysis)
        return analysis

    def finding(self, code: str, node: cst.CSTNode, message: str, fix=None) -> "Pending":
        """A finding whose position is resolved later, for all findings of the file at once."""
        return Pending(code, node, message, fix)

    def resolve(self, pending: list["Pending"]) -> list[Finding]:
        positions = self.locator.positions(p.node for p in pending)
        return [Finding(*positions.get(id(p.node), (1, 0)), p.code, p.message, p.fix,
                        not getattr(p.fix, "unsafe", False))  # fixes.UnsafeFix: --unsafe-fixes only
                for p in pending]


@dataclass(frozen=True)
class Pending:
    code: str
    node: cst.CSTNode
    message: str
    fix: object = None


Family = Callable[[Context], Iterator[Pending]]
