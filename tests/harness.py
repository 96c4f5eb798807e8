"""Shared test helpers: annotated fixtures and flake8 as a real subprocess.

A fixture (or example) marks each expected report on its own line with a trailing
comment ``# error: NL101`` (several codes: ``# error: NL101, NL104``). The harness
compares the exact set of (line, code) pairs both ways.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ANNOTATION = re.compile(r"#\s*error:\s*(?P<codes>NL\d{3}(?:\s*,\s*NL\d{3})*)")
FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) ")


# Anything that looks like an annotation (``# error`` followed by ``:`` or a code) must be a
# well-formed one: a misspelt ``# error NL101`` or ``# error: NL10`` would otherwise be
# silently ignored and turn an expected report into a must-not-report line.
ANNOTATION_LIKE = re.compile(r"#\s*error\b\s*(?::|NL)")


def expected_from_annotations(path: Path | str) -> set[tuple[int, str]]:
    expected = set()
    text = Path(path).read_text(encoding="utf-8")
    for lineno, line in enumerate(text.splitlines(), start=1):
        match = ANNOTATION.search(line)
        if match:
            rest = line[match.end():]
            assert not ANNOTATION_LIKE.search(rest), f"{path}:{lineno}: malformed annotation: {line!r}"
            for code in match.group("codes").split(","):
                expected.add((lineno, code.strip()))
        elif ANNOTATION_LIKE.search(line):
            raise AssertionError(f"{path}:{lineno}: malformed annotation: {line!r}")
    return expected


def run_flake8(*paths: Path | str, select: str = "NL", extra: tuple[str, ...] = ()) -> dict[str, set[tuple[int, str]]]:
    """Run flake8 in a subprocess; return {path: {(line, code), ...}}."""
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", f"--select={select}", *extra, *map(str, paths)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    found: dict[str, set[tuple[int, str]]] = {}
    for line in proc.stdout.splitlines():
        match = FLAKE8_LINE.match(line)
        assert match, f"unexpected flake8 output: {line!r}"
        found.setdefault(str(Path(match.group("path"))), set()).add(
            (int(match.group("line")), match.group("code")))
    return found
