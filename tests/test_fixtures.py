"""Every annotated fixture: exact (line, code) pairs both ways, in-process and through flake8.

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


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture_in_process(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    settings, _ = _settings(text)
    found = {(f.line, f.code) for f in check_source(text, str(path), settings)}
    expected = expected_from_annotations(path)
    assert sorted(found - expected) == [], "reported but not annotated"
    assert sorted(expected - found) == [], "annotated but not reported"


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
    for path in plain:
        text = path.read_text(encoding="utf-8")
        (tmp_path / path.name).write_text(
            ANNOTATION.sub(lambda m: "# noqa: " + m.group("codes"), text), encoding="utf-8")
    assert run_flake8(tmp_path) == {}


def test_fixtures_through_flake8() -> None:
    """One real flake8 subprocess over every fixture without options."""
    plain = [p for p in FILES if not OPTIONS.search(p.read_text(encoding="utf-8"))]
    found = run_flake8(*plain)
    for path in plain:
        assert found.get(str(path), set()) == expected_from_annotations(path), path.name


def test_every_code_has_fixtures() -> None:
    from netra_lint.codes import RULES

    seen = set()
    for path in FILES:
        seen |= {code for _, code in expected_from_annotations(path)}
    missing = sorted(set(RULES) - seen - {"NL001"})
    assert missing == []
