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
    baseline_path: str = ""  # --netra-baseline: findings recorded there are not reported
    _baseline: Any = None

    def __init__(self, tree: ast.AST, lines: list[str], filename: str = "<stdin>") -> None:
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, manager: Any) -> None:
        # One --netra-<name> option per Settings field (config.py maps both front ends).
        add_flake8_options(manager)
        manager.add_option(
            "--netra-baseline", default="", parse_from_config=True,
            help="A baseline file written by 'netra-lint check --write-baseline': the "
                 "findings recorded in it are not reported (netra-lint)")

    @classmethod
    def parse_options(cls, options: Any) -> None:
        try:
            cls.settings = settings_from_flake8(options)
            cls.baseline_path = getattr(options, "netra_baseline", "") or ""
            cls._baseline = None
            if cls.baseline_path:
                from .baseline import Baseline, BaselineError

                try:
                    cls._baseline = Baseline.load(cls.baseline_path)
                except BaselineError as exc:
                    raise ConfigError(f"--netra-baseline: {exc}") from None
        except ConfigError as exc:
            from flake8.exceptions import ExecutionError

            raise ExecutionError(f"netra-lint: {exc}") from None

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        text = "".join(self.lines)
        if not families_for(text, self.settings, ALL_FAMILIES):
            return  # most files: decided without importing libcst or the rules
        from .api import check_source

        # flake8 only calls a tree plugin once CPython has parsed the file
        findings = check_source(text, self.filename, self.settings, python_checked=True)
        if self._baseline is not None and findings:
            findings = self._without_baseline(text, findings)
        for finding in findings:
            yield finding.line, finding.col, finding.text, type(self)

    def _without_baseline(self, text: str, findings: list) -> list:
        """The findings not recorded in the baseline, fingerprinted as the CLI does (after
        ``# noqa``, which flake8 would apply anyway)."""
        from .baseline import apply
        from .noqa import apply_noqa

        outcome = apply(self._baseline, apply_noqa(findings, text), (),
                        lambda _: self.filename, lambda finding: finding, lambda _: text,
                        count_stale=False)
        return outcome.kept
