"""The flake8 entry point: thin; turns findings into flake8's tuples."""

from __future__ import annotations

import ast
from typing import Any, Iterator

from . import __version__
from .config import ConfigError, add_flake8_options, settings_from_flake8
from .screen import ALL_FAMILIES, families_for
from .settings import Settings


class NetraChecker:
    name = "netra-lint"
    version = __version__
    settings = Settings()

    def __init__(self, tree: ast.AST, lines: list[str], filename: str = "<stdin>") -> None:
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, manager: Any) -> None:
        # One --netra-<name> option per Settings field (config.py maps both front ends).
        add_flake8_options(manager)

    @classmethod
    def parse_options(cls, options: Any) -> None:
        try:
            cls.settings = settings_from_flake8(options)
        except ConfigError as exc:
            from flake8.exceptions import ExecutionError

            raise ExecutionError(f"netra-lint: {exc}") from None

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        text = "".join(self.lines)
        if not families_for(text, self.settings, ALL_FAMILIES):
            return  # most files: decided without importing libcst or the rules
        from .api import check_source

        # flake8 only calls a tree plugin once CPython has parsed the file
        for finding in check_source(text, self.filename, self.settings, python_checked=True):
            yield finding.line, finding.col, finding.text, type(self)
