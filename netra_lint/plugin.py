"""The flake8 entry point: thin; turns findings into flake8's tuples."""

from __future__ import annotations

import ast
from typing import Any, Iterator

from . import __version__
from .api import check_source
from .settings import Settings, parse_list, parse_pairs


class NetraChecker:
    name = "netra-lint"
    version = __version__
    settings = Settings()

    def __init__(self, tree: ast.AST, lines: list[str], filename: str = "<stdin>") -> None:
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, manager: Any) -> None:
        manager.add_option(
            "--netra-websocket-types", default="", parse_from_config=True,
            comma_separated_list=True,
            help="Extra classes whose instances are server websockets (netra-lint).")
        manager.add_option(
            "--netra-accept-wrappers", default="", parse_from_config=True,
            comma_separated_list=True,
            help="Functions that accept the websocket they are given (netra-lint).")
        manager.add_option(
            "--netra-resource-pairs", default="", parse_from_config=True,
            comma_separated_list=True,
            help="acquire:release pairs for NL201/NL202 (netra-lint).")
        manager.add_option(
            "--netra-id-names", default="", parse_from_config=True,
            help="Regular expression of identifier names for NL3xx (netra-lint).")
        manager.add_option(
            "--netra-id-generators", default="", parse_from_config=True,
            comma_separated_list=True,
            help="Sanctioned id generators: dotted functions or modules (netra-lint).")

    @classmethod
    def parse_options(cls, options: Any) -> None:
        values: dict[str, Any] = {}
        types = parse_list(getattr(options, "netra_websocket_types", None))
        if types:
            values["websocket_types"] = types
        wrappers = parse_list(getattr(options, "netra_accept_wrappers", None))
        if wrappers:
            values["accept_wrappers"] = wrappers
        pairs = getattr(options, "netra_resource_pairs", None)
        if pairs:
            values["resource_pairs"] = parse_pairs(pairs)
        id_names = getattr(options, "netra_id_names", None)
        if id_names:
            values["id_names"] = id_names
        generators = parse_list(getattr(options, "netra_id_generators", None))
        if generators:
            values["id_generators"] = generators
        cls.settings = Settings(**values)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        for finding in check_source("".join(self.lines), self.filename, self.settings):
            yield finding.line, finding.col, finding.text, type(self)
