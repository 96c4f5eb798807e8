"""What every rule family receives: the parsed module and its shared analyses."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterator

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
    locator: Locator = field(init=False)

    def __post_init__(self) -> None:
        self.locator = Locator(self.module)

    @cached_property
    def index(self) -> ModuleIndex:
        return ModuleIndex(self.module)

    @cached_property
    def websockets(self) -> WebSocketAnalysis:
        return WebSocketAnalysis(self.index, self.settings)

    def finding(self, code: str, node: cst.CSTNode, message: str, fix=None) -> Finding:
        line, col = self.locator.position(node)
        return Finding(line, col, code, message, fix)


Family = Callable[[Context], Iterator[Finding]]
