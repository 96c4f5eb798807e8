"""Line and column of reported nodes only.

Resolving libcst's PositionProvider costs several times the parse, so it is done only
for files that have something to report, once, and only when asked.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider


class Locator:
    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._positions = None

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        if self._positions is None:
            # The module is fresh parser output that nobody mutates: no deep copy needed.
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = wrapper.resolve(PositionProvider)
        code_range = self._positions.get(node)
        if code_range is None:
            return (1, 0)
        return (code_range.start.line, code_range.start.column)
