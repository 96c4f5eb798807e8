"""A finding is a value: created in one place, rendered by the front ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class Finding:
    line: int
    col: int
    code: str
    message: str  # without the code prefix
    # libcst replacement pairs (original node, new node) for `netra-lint fix`; not compared.
    fix: Any = field(default=None, compare=False, repr=False)
    fix_safe: bool = field(default=True, compare=False, repr=False)

    @property
    def text(self) -> str:
        return f"{self.code} {self.message}"
