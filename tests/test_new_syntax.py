"""NL001 under any interpreter: valid syntax of a newer Python that libcst parses is
analysed, not reported as NL001, whatever Python runs netra-lint (SPEC, NL0xx)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from netra_lint.api import check_source
from tests.harness import expected_from_annotations

FIXTURE = Path(__file__).parent / "fixtures" / "py312" / "new_syntax.py"


def _cpython_parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def test_the_fixture_is_3_12_syntax() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    # the point of the fixture: this interpreter's parser rejects it below 3.12
    assert _cpython_parses(text) == (sys.version_info >= (3, 12))


def test_3_12_syntax_is_analysed_on_any_interpreter() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    found = {(f.line, f.code) for f in check_source(text, str(FIXTURE))}
    assert found == expected_from_annotations(FIXTURE)
    assert not any(code == "NL001" for _, code in found)


def test_3_12_syntax_through_the_cli() -> None:
    proc = subprocess.run([sys.executable, "-m", "netra_lint", "check", "--no-cache", "--isolated",
                           str(FIXTURE)], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    codes = {(int(m.group(1)), m.group(2)) for m in re.finditer(
        r"new_syntax\.py:(\d+):\d+: (NL\d+)", proc.stdout)}
    assert codes == expected_from_annotations(FIXTURE)


def test_a_real_syntax_error_is_still_nl001_at_cpythons_position() -> None:
    text = "type X = int\nfrom fastapi import WebSocket\nx = = 1\n"
    findings = check_source(text, "broken.py")
    assert [(f.line, f.code) for f in findings] == [(3 if sys.version_info >= (3, 12) else 1, "NL001")]
    assert "not valid Python" in findings[0].message


def test_deep_nesting_is_refused_without_cpythons_guard() -> None:
    """Once CPython has rejected the file (3.12 syntax under 3.11), its nesting guard did
    not look at the rest: netra-lint bounds it itself (libcst's native parser crashes from
    ~2,000 nested brackets), with one NL001 line."""
    for body in ("x = " + "(" * 300 + "1" + ")" * 300, "x = " + "-" * 3000 + "1",
                 "x = " + "lambda: " * 3000 + "1"):
        text = "type X = int\nfrom fastapi import WebSocket\n" + body + "\n"
        findings = check_source(text, "deep.py")
        assert [f.code for f in findings] == ["NL001"], findings
        assert "\n" not in findings[0].message
