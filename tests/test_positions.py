"""The targeted position pass agrees with libcst's PositionProvider."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from netra_lint.engine.positions import Locator
from netra_lint.engine.walk import walk

SOURCES = sorted((Path(__file__).parent / "fixtures").glob("*.py"))[:6]
WEIRD = [
    "x = 1\r\ny = f(\r\n  a)\r\n",                 # CRLF
    "x = 1\ry = f(a)\r",                            # lone CR
    "if a:\n\tb = g(\n\t\th(1))\n",                 # tabs
    'x = f("""a\nb\nc""", g(1))\n',                 # multi-line string
    "@dec(1)\nclass A(B):\n    def m(self): return k(2)\n",
]


@pytest.mark.parametrize("source", [p.read_text() for p in SOURCES] + WEIRD)
def test_positions_match_position_provider(source: str) -> None:
    module = cst.parse_module(source)
    nodes = [n for n in walk(module)
             if isinstance(n, (cst.Call, cst.ExceptHandler, cst.Comparison, cst.Attribute,
                               cst.Assign, cst.ClassDef, cst.FunctionDef))]
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    found = Locator(module).positions(nodes)
    for node in nodes:
        start = expected[node].start
        assert found[id(node)] == (start.line, start.column), cst.Module([]).code_for_node(node)[:40]
