"""The docs cannot drift from the code.

For every code in ``netra_lint.codes.RULES`` (whatever it lists, so a new rule is checked
the moment it is declared):

* ``docs/rules/<CODE>.md`` exists, starts with ``# <CODE>: <name>`` and has ruff's
  sections (What it does, Why is this bad?, Example, Use instead, Options; Fix safety
  for a fixable rule);
* the example really is an example: the first ``python`` block under ``## Example``
  makes netra-lint report the code; every page shows flake8's output for its example,
  and the output shown after a python block is exactly what netra-lint reports for it
  (including the page's own code); and the first ``python`` block under ``## Use
  instead`` (every page has one) does not report the code;
* the code appears in CHANGELOG.md (a range such as ``NL101-NL106`` counts) and has a
  row in docs/README.md, which lists no other codes;
* every rule but NL001 has at least one ``# error: <CODE>`` annotation in tests/fixtures/.

Relative links between the pages must point at existing pages and headings.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netra_lint.api import check_source
from netra_lint.codes import RULES
from tests.harness import ANNOTATION

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RULE_DOCS = DOCS / "rules"
INDEX = DOCS / "README.md"
CHANGELOG = ROOT / "CHANGELOG.md"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

CODES = sorted(RULES)
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options")

FENCE = re.compile(r"^```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
# A flake8 report line as the docs show it: path:line:col: CODE message
REPORT_LINE = re.compile(r"^(?P<path>[^\s:]+\.pyi?):(?P<line>\d+):(?P<col>\d+): "
                         r"(?P<code>NL\d{3}) (?P<message>.*)$")
CODE_RANGE = re.compile(r"\bNL(\d{3})\s*(?:-|–|\.\.)\s*NL(\d{3})\b")
CODE_MENTION = re.compile(r"\bNL\d{3}\b")
INDEX_ROW = re.compile(r"^\|\s*\[(?P<code>NL\d{3})\]\((?P<link>[^)]+)\)\s*\|\s*`?(?P<name>[^|`]+?)`?\s*\|"
                       r"\s*(?P<fix>[^|]*?)\s*\|", re.MULTILINE)
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def page_path(code: str) -> Path:
    return RULE_DOCS / f"{code}.md"


def read_page(code: str) -> str:
    path = page_path(code)
    if not path.is_file():
        pytest.fail(f"{code}: {path.relative_to(ROOT)} is missing")
    return path.read_text(encoding="utf-8")


def sections(text: str) -> dict[str, str]:
    """``## Heading`` -> the text up to the next ``## `` heading (fences respected)."""
    found: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    in_fence = False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            if current is not None:
                found.setdefault(current, "".join(lines))
            current, lines = line[3:].strip(), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        found.setdefault(current, "".join(lines))
    return found


def fences(text: str) -> list[tuple[str, str]]:
    return [(m.group("lang").lower(), m.group("body")) for m in FENCE.finditer(text)]


def first_python(section: str) -> str | None:
    return next((body for lang, body in fences(section) if lang in ("python", "py")), None)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


# -- pages ---------------------------------------------------------------------------------

def test_every_declared_code_is_checked() -> None:
    """The parametrised tests below run once per code: an empty list would check nothing."""
    assert len(CODES) >= 17 and "NL001" in CODES and "NL501" in CODES, CODES
    assert sorted(p.stem for p in RULE_DOCS.glob("NL*.md")) == CODES


@pytest.mark.parametrize("code", CODES)
def test_page_starts_with_code_and_name(code: str) -> None:
    text = read_page(code)
    first = text.splitlines()[0] if text else ""
    assert first == f"# {code}: {RULES[code].name}", (
        f"{code}: the page must start with '# {code}: {RULES[code].name}', not {first!r}")


@pytest.mark.parametrize("code", CODES)
def test_page_has_the_sections(code: str) -> None:
    found = sections(read_page(code))
    wanted = REQUIRED_SECTIONS + (("Fix safety",) if RULES[code].fixable else ())
    missing = [s for s in wanted if s not in found]
    assert not missing, f"{code}: missing sections {missing}"
    empty = [s for s in wanted if not found[s].strip()]
    assert not empty, f"{code}: empty sections {empty}"


@pytest.mark.parametrize("code", CODES)
def test_example_reports_the_code(code: str) -> None:
    example = sections(read_page(code)).get("Example")
    assert example is not None, f"{code}: no '## Example' section"
    snippet = first_python(example)
    assert snippet is not None, f"{code}: no ```python block under '## Example'"
    reported = {f.code for f in check_source(snippet, "example.py")}
    assert code in reported, (
        f"{code}: the example does not produce {code} (netra-lint reports {sorted(reported)})")


def _selected(block: str) -> tuple[str, ...]:
    """The code prefixes of a ``$ flake8 ... --select X,Y`` line in an output block."""
    match = re.search(r"^\$ .*--select[= ](?P<codes>[A-Z0-9,]+)", block, re.MULTILINE)
    return tuple(match.group("codes").split(",")) if match else ("NL",)


@pytest.mark.parametrize("code", CODES)
def test_example_output_is_what_netra_lint_prints(code: str) -> None:
    """The report lines shown under '## Example' are exactly what netra-lint reports for
    the python block before them (for the codes the shown command selects; flake8 prints
    columns 1-based)."""
    example = sections(read_page(code)).get("Example") or ""
    snippet: str | None = None
    checked = 0
    for lang, body in fences(example):
        if lang in ("python", "py"):
            snippet = body
            continue
        shown_lines = [m for m in map(REPORT_LINE.match, body.splitlines()) if m]
        if not shown_lines:
            continue
        assert snippet is not None, f"{code}: report lines shown before any python block"
        prefixes = _selected(body)
        actual = sorted((f.line, f.col + 1, f.code, f.message)
                        for f in check_source(snippet, "example.py") if f.code.startswith(prefixes))
        shown = sorted((int(m.group("line")), int(m.group("col")), m.group("code"), m.group("message"))
                       for m in shown_lines)
        assert code in {c for _, _, c, _ in shown}, f"{code}: the output shown has no {code} line"
        assert shown == actual, (
            f"{code}: the page shows\n  "
            + "\n  ".join(f"example.py:{a}:{b}: {c} {d}" for a, b, c, d in shown)
            + "\nbut netra-lint reports\n  "
            + "\n  ".join(f"example.py:{a}:{b}: {c} {d}" for a, b, c, d in actual))
        checked += 1
    assert checked, f"{code}: the example shows no flake8 output line"


@pytest.mark.parametrize("code", CODES)
def test_use_instead_does_not_report_the_code(code: str) -> None:
    fixed = sections(read_page(code)).get("Use instead")
    snippet = first_python(fixed or "")
    assert snippet is not None, f"{code}: no python block under '## Use instead'"
    reported = [f for f in check_source(snippet, "example.py") if f.code == code]
    assert not reported, f"{code}: the fixed example still reports {reported}"


# -- changelog, index, fixtures ---------------------------------------------------------------

def mentioned_codes(text: str) -> set[str]:
    codes = set(CODE_MENTION.findall(text))
    for start, end in CODE_RANGE.findall(text):
        codes.update(c for c in RULES if start <= c[2:] <= end)
    return codes


@pytest.mark.parametrize("code", CODES)
def test_code_is_in_the_changelog(code: str) -> None:
    assert code in mentioned_codes(CHANGELOG.read_text(encoding="utf-8")), (
        f"{code} is not mentioned in CHANGELOG.md")


def index_rows() -> dict[str, re.Match]:
    text = INDEX.read_text(encoding="utf-8")
    return {m.group("code"): m for m in INDEX_ROW.finditer(text)}


@pytest.mark.parametrize("code", CODES)
def test_code_is_in_the_index(code: str) -> None:
    rows = index_rows()
    assert code in rows, f"{code} has no row in docs/README.md"
    row = rows[code]
    assert row.group("name").strip() == RULES[code].name, f"{code}: name in docs/README.md"
    assert row.group("link") == f"rules/{code}.md", f"{code}: link in docs/README.md"
    wanted = "safe" if RULES[code].fixable else "unsafe" if RULES[code].unsafe_fix else "-"
    assert row.group("fix").strip() == wanted, (
        f"{code}: fix column in docs/README.md")


def test_index_lists_only_declared_codes() -> None:
    text = INDEX.read_text(encoding="utf-8")
    assert "docs/rules" in text.split("\n## ", 1)[0], "docs/README.md must say what docs/rules holds"
    extra = sorted(set(index_rows()) - set(RULES))
    assert not extra, f"docs/README.md has rows for codes not in netra_lint/codes.py: {extra}"


def annotated_codes() -> set[str]:
    found: set[str] = set()
    for path in sorted(FIXTURES.rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = ANNOTATION.search(line)
            if match:
                found.update(c.strip() for c in match.group("codes").split(","))
    return found


@pytest.mark.parametrize("code", [c for c in CODES if c != "NL001"])
def test_code_has_an_annotated_fixture(code: str) -> None:
    assert code in annotated_codes(), f"no '# error: {code}' annotation in tests/fixtures/"


# -- links -------------------------------------------------------------------------------------

def _doc_files() -> list[Path]:
    return sorted([INDEX, *RULE_DOCS.glob("*.md")]) if RULE_DOCS.is_dir() else [INDEX]


@pytest.mark.parametrize("path", _doc_files(), ids=lambda p: str(p.relative_to(DOCS)))
def test_relative_links_resolve(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    prose = FENCE.sub("", text)
    for match in LINK.finditer(prose):
        target = match.group("target")
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("<"):
            continue  # an absolute URL
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if file_part and linked.stem in RULES and not linked.exists():
            continue  # another rule's page: test_page_* reports it once, by code
        assert linked.exists(), f"{path.name}: broken link {target!r}"
        if anchor and linked.suffix == ".md":
            headings = {slug(h.lstrip("#")) for h in
                        re.findall(r"^#{1,6} .+$", FENCE.sub("", linked.read_text(encoding="utf-8")),
                                   re.MULTILINE)}
            assert anchor in headings, f"{path.name}: link {target!r}: no such heading"
