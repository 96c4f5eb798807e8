"""What the docs promise about the code stays true (issue 16).

* docs/README.md names the sections every rule page has: every page has each of them,
  and each page's *Fix safety* says "no automatic fix" exactly when the rule has none;
* the fix column of docs/README.md agrees with ``codes.RULES``, and docs/usage.md's
  account of ``fix --unsafe`` agrees with that column (it says no rule has an unsafe fix
  exactly when no row is marked ``unsafe``); the options of ``fix`` that docs/usage.md
  names exist;
* every NL001 message the code can produce (read from the code's own string literals)
  is listed, word for word up to its first placeholder, on docs/rules/NL001.md.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from netra_lint.cli import cli
from netra_lint.codes import RULES
from tests.test_docs import INDEX, INDEX_ROW, RULE_DOCS, sections

ROOT = Path(__file__).resolve().parent.parent
USAGE = ROOT / "docs" / "usage.md"
PREFIX = "netra-lint could not analyse this file: "
# Modules that build NL001 messages.
NL001_SOURCES = ["netra_lint/api.py", "netra_lint/engine/source.py", "netra_lint/cli.py",
                 "netra_lint/config.py"]


def promised_sections() -> list[str]:
    """The italic section names of docs/README.md's 'in the same sections for every rule'."""
    text = " ".join(INDEX.read_text(encoding="utf-8").split())
    match = re.search(r"in the same sections for every rule: (.*?)\. ", text)
    assert match, "docs/README.md no longer says which sections every rule page has"
    names = re.findall(r"\*([^*]+)\*", match.group(1))
    assert "Fix safety" in names
    return names


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_page_has_the_promised_sections(code: str) -> None:
    found = sections((RULE_DOCS / f"{code}.md").read_text(encoding="utf-8"))
    missing = [name for name in promised_sections() if name not in found]
    assert not missing, f"{code}: docs/README.md promises sections {missing}"


@pytest.mark.parametrize("code", sorted(RULES))
def test_fix_safety_says_what_the_rule_does(code: str) -> None:
    section = sections((RULE_DOCS / f"{code}.md").read_text(encoding="utf-8")).get("Fix safety", "")
    # "There is no automatic fix" opens the section of a rule without any fix; a rule with
    # a fix may still say where it has none ("in a plain-def route there is no ...")
    says_none = " ".join(section.split()).lower().startswith("there is no automatic fix")
    has_fix = RULES[code].fixable or RULES[code].unsafe_fix
    assert says_none is not has_fix, (
        f"{code}: 'Fix safety' {'says' if says_none else 'does not say'} 'no automatic fix', "
        f"but the rule {'has' if has_fix else 'has no'} fix")


def index_fix_column() -> dict[str, str]:
    return {m.group("code"): m.group("fix").strip()
            for m in INDEX_ROW.finditer(INDEX.read_text(encoding="utf-8"))}


def test_index_fix_column_matches_the_rules() -> None:
    column = index_fix_column()
    assert sorted(column) == sorted(RULES)
    for code, value in column.items():
        assert (value == "safe") is RULES[code].fixable, (code, value)
        assert (value == "unsafe") is RULES[code].unsafe_fix, (code, value)


def test_usage_says_what_unsafe_does() -> None:
    usage = " ".join(USAGE.read_text(encoding="utf-8").split())
    any_unsafe = "unsafe" in index_fix_column().values()
    says_none = "no rule has one today" in usage
    assert says_none is not any_unsafe, (
        "docs/usage.md's account of 'fix --unsafe' disagrees with docs/README.md's fix column")


def test_the_fix_options_usage_names_exist() -> None:
    fix_options = {opt for param in cli.commands["fix"].params for opt in param.opts}
    paragraph = USAGE.read_text(encoding="utf-8").split("**Fixes.**", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"`(--[a-z-]+)", paragraph))
    assert named and named <= fix_options, named - fix_options


def _nl001_messages() -> list[str]:
    """The fixed text (up to the first placeholder) of every NL001 message in the code."""
    messages = []

    def literal(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            head = ""
            for part in node.values:
                if not isinstance(part, ast.Constant):
                    break
                head += part.value
            return head
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return literal(node.left)
        return None

    for name in NL001_SOURCES:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            text = None
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "AnalysisError" \
                    and node.args:
                text = literal(node.args[0])
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding" \
                    and len(node.args) >= 4 and literal(node.args[2]) == "NL001":
                text = literal(node.args[3])
            elif isinstance(node, ast.Assign) and any(
                    getattr(t, "id", "") == "WORKER_DIED" for t in node.targets):
                text = "".join(
                    part.value for part in ast.walk(node.value)
                    if isinstance(part, ast.Constant) and isinstance(part.value, str))
            if text is not None:
                text = text.removeprefix(PREFIX).strip()
                if text:
                    messages.append(text)
    return sorted(set(messages))


def test_every_nl001_message_is_on_its_page() -> None:
    page = " ".join((RULE_DOCS / "NL001.md").read_text(encoding="utf-8").split())
    messages = _nl001_messages()
    assert any("nested too deeply" in m for m in messages), messages  # the extraction works
    missing = [m for m in messages if " ".join(m.split()) not in page]
    assert not missing, f"docs/rules/NL001.md does not list these NL001 messages: {missing}"
