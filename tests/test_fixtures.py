"""Every annotated fixture: exact (line, code) pairs both ways, in-process and through flake8.

Both directions, always: every annotated line is reported (with exactly its codes) and
every report is on an annotated line. A guard makes sure the fixture set is not empty (an
empty parametrisation would pass by checking nothing) and that the harness really fails
on a missing or an extra report.

Each fixture also runs a second time with every annotation turned into ``# noqa: CODE``
and must then report nothing, so ``# noqa`` support is tested for free.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netra_lint.api import check_source
from netra_lint.noqa import apply_noqa
from netra_lint.settings import Settings
from tests.harness import ANNOTATION, expected_from_annotations, run_flake8

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(FIXTURES.glob("*.py"))
_SCALAR = ("netra-id-names", "netra-close-after-received-disconnect")  # not lists
OPTIONS = re.compile(r"^# options: (?P<options>.*)$", re.MULTILINE)


def _settings(text: str) -> tuple[Settings, tuple[str, ...]]:
    """A fixture may start with ``# options: --netra-accept-wrappers=x`` lines."""
    from netra_lint.plugin import NetraChecker

    flags: list[str] = []
    for match in OPTIONS.finditer(text):
        flags.extend(match.group("options").split())
    if not flags:
        return Settings(), ()

    class Options:
        pass

    options = Options()
    for flag in flags:
        key, _, value = flag.lstrip("-").partition("=")
        setattr(options, key.replace("-", "_"), value.split(",") if "," in value or key not in _SCALAR else value)
    NetraChecker.parse_options(options)
    settings = NetraChecker.settings
    NetraChecker.settings = Settings()
    return settings, tuple(flags)


def compare(found: set[tuple[int, str]], expected: set[tuple[int, str]]) -> list[str]:
    """Both directions: what was reported without an annotation, what was annotated and
    not reported."""
    return ([f"line {line}: {code} reported but not annotated" for line, code in sorted(found - expected)]
            + [f"line {line}: {code} annotated but not reported" for line, code in sorted(expected - found)])


def test_the_fixture_set_is_not_empty() -> None:
    assert len(FILES) >= 20, [p.name for p in FILES]
    annotated = [p for p in FILES if expected_from_annotations(p)]
    assert len(annotated) >= 17, "most fixtures carry '# error:' annotations"
    total = sum(len(expected_from_annotations(p)) for p in FILES)
    assert total >= 100, total


def test_the_comparison_fails_both_ways(tmp_path: Path) -> None:
    """The harness is not vacuous: a missing and an extra report are both caught, and a
    malformed annotation is an error, not a silent must-not-report line."""
    text = ("from fastapi import WebSocket\n\n\nasync def chat(websocket: WebSocket):\n"
            "    data = await websocket.receive_text()  # error: NL101\n"
            "    await websocket.accept()\n")
    path = tmp_path / "case.py"
    path.write_text(text, encoding="utf-8")
    expected = expected_from_annotations(path)
    assert expected == {(5, "NL101")}
    assert compare({(f.line, f.code) for f in check_source(text, str(path))}, expected) == []
    assert compare(set(), expected) == ["line 5: NL101 annotated but not reported"]
    assert compare(expected | {(6, "NL105")}, expected) == ["line 6: NL105 reported but not annotated"]
    path.write_text(text.replace("# error: NL101", "# error NL101"), encoding="utf-8")
    with pytest.raises(AssertionError, match="malformed annotation"):
        expected_from_annotations(path)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture_in_process(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    settings, _ = _settings(text)
    found = {(f.line, f.code) for f in check_source(text, str(path), settings)}
    problems = compare(found, expected_from_annotations(path))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture_noqa_silences(path: Path, tmp_path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    settings, _ = _settings(text)
    silenced = ANNOTATION.sub(lambda m: "# noqa: " + m.group("codes"), text)
    target = tmp_path / path.name
    target.write_text(silenced, encoding="utf-8")
    findings = apply_noqa(check_source(silenced, str(target), settings), silenced)
    assert findings == []


def test_noqa_through_flake8(tmp_path: Path) -> None:
    plain = [p for p in FILES if not OPTIONS.search(p.read_text(encoding="utf-8"))]
    assert len(plain) >= 15
    for path in plain:
        text = path.read_text(encoding="utf-8")
        (tmp_path / path.name).write_text(
            ANNOTATION.sub(lambda m: "# noqa: " + m.group("codes"), text), encoding="utf-8")
    assert run_flake8(tmp_path) == {}


def test_fixtures_through_flake8() -> None:
    """One real flake8 subprocess over every fixture without options."""
    plain = [p for p in FILES if not OPTIONS.search(p.read_text(encoding="utf-8"))]
    assert len(plain) >= 15
    found = run_flake8(*plain)
    assert set(found) <= {str(p) for p in plain}, sorted(set(found) - {str(p) for p in plain})
    problems = [f"{path.name}: {problem}" for path in plain
                for problem in compare(found.get(str(path), set()), expected_from_annotations(path))]
    assert problems == [], "\n".join(problems)


def test_every_code_has_fixtures() -> None:
    from netra_lint.codes import RULES

    seen = set()
    for path in FILES:
        seen |= {code for _, code in expected_from_annotations(path)}
    missing = sorted(set(RULES) - seen - {"NL001"})
    assert missing == []
