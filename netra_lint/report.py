"""Output formats for the CLI: text (flake8's format), json, sarif (2.1.0) and github.

Every formatter takes the same list of ``Located`` findings. Columns are printed 1-based,
as flake8 prints them (``Finding.col`` is libcst's 0-based column).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import quote

import click

from . import __version__
from .codes import RULES
from .finding import Finding

FORMATS = ("text", "json", "sarif", "github")
# The one place the documentation's address is written: every output links here.
DOCS_URL = "https://github.com/netra-lint/netra-lint/blob/main/docs/"
DOCS_BASE_URL = DOCS_URL + "rules/"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@dataclass(frozen=True, order=True)
class Located:
    path: str  # as shown to the user: relative to the working directory when inside it
    finding: Finding

    @property
    def fixable(self) -> bool:
        return self.finding.fix is not None and self.finding.fix_safe


def rule_name(code: str) -> str:
    rule = RULES.get(code)
    return rule.name if rule else code


def rule_url(code: str) -> str:
    """The rule's documentation page on the web (docs/rules/<code>.md in the repository)."""
    return f"{DOCS_BASE_URL}{code}.md"


# -- severity: one model for every output (SARIF level, GitHub annotations, LSP) -------------

SEVERITIES = ("error", "warning")
# error: the bug crashes or breaks the connection at run time; warning: leaks and ids.
DEFAULT_SEVERITY: tuple[tuple[str, str], ...] = (
    ("NL0", "error"), ("NL1", "error"), ("NL2", "warning"), ("NL3", "warning"),
    ("NL4", "error"), ("NL5", "error"),
)


def severity_of(code: str, overrides: Sequence[tuple[str, str]] = ()) -> str:
    """``error`` or ``warning``: the longest matching code prefix decides, the configured
    ``severity`` table winning over the defaults at equal length."""
    best, level = -1, "error"
    for prefix, value in (*DEFAULT_SEVERITY, *overrides):
        if code.startswith(prefix) and len(prefix) >= best:
            best, level = len(prefix), value
    return level


# -- rule documentation (docs/rules/NLxxx.md) -------------------------------------------------

def rule_doc(code: str) -> str | None:
    """The rule's documentation page: the copy packaged into the wheel (pyproject.toml maps
    docs/ onto netra_lint._docs), else the source checkout's docs/rules."""
    name = f"{code}.md"
    try:
        return resources.files("netra_lint").joinpath("_docs", "rules", name).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, OSError):
        pass
    checkout = Path(__file__).resolve().parent.parent / "docs" / "rules" / name
    try:
        return checkout.read_text(encoding="utf-8")
    except OSError:
        return None


def fallback_doc(code: str) -> str:
    rule = RULES[code]
    fix = "a safe automatic fix (`netra-lint fix`)" if rule.fixable else "no automatic fix"
    return (f"# {code}: {rule.name}\n\n{rule.summary}.\n\nThis rule has {fix}.\n\n"
            f"(The full page, docs/rules/{code}.md, is not installed with this copy of netra-lint.)\n")


# -- text -----------------------------------------------------------------------------------

SourceLines = Callable[[str], "list[str] | None"]


def read_source_lines(path: str) -> list[str] | None:
    """A file's lines for --show-source (None when it cannot be read or decoded)."""
    from .fixes import SourceFile

    try:
        return SourceFile.read(Path(path)).text.splitlines()
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None


def source_excerpt(lines: Sequence[str] | None, finding: Finding, color: bool = False) -> list[str]:
    """ruff's style: the reported line under a gutter with its number, and a caret under
    the reported column (tabs kept, so the caret lines up in a terminal)."""
    if not lines or not 0 < finding.line <= len(lines):
        return []
    text = lines[finding.line - 1].rstrip()
    number = str(finding.line)
    gutter = " " * len(number)
    col = min(finding.col, len(text))
    padding = "".join(ch if ch == "\t" else " " for ch in text[:col])
    caret = click.style("^", fg="red", bold=True) if color else "^"
    bar = click.style("|", fg="blue", bold=True) if color else "|"
    return [f" {gutter} {bar}", f" {number} {bar} {text}", f" {gutter} {bar} {padding}{caret}"]


def format_text(items: Sequence[Located], color: bool = False, show_source: bool = False,
                source: SourceLines | None = None, **_: object) -> str:
    def style(text: str, **kwargs) -> str:
        return click.style(text, **kwargs) if color else text

    lines = []
    cache: dict[str, list[str] | None] = {}
    reader = source or read_source_lines
    for item in items:
        f = item.finding
        lines.append(f"{style(item.path, bold=True)}:{f.line}:{f.col + 1}: "
                     f"{style(f.code, fg='red', bold=True)} {f.message}")
        if show_source:
            if item.path not in cache:
                cache[item.path] = reader(item.path)
            lines.extend(source_excerpt(cache[item.path], f, color))
    return "".join(line + "\n" for line in lines)


def format_statistics(items: Sequence[Located], color: bool = False) -> str:
    counts = Counter(item.finding.code for item in items)
    fixable = {item.finding.code for item in items if item.fixable}
    lines = []
    for code, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])):
        marker = " [*]" if code in fixable else ""
        code_text = click.style(code, fg="red", bold=True) if color else code
        lines.append(f"{count:>5}  {code_text}  {rule_name(code)}{marker}")
    return "".join(line + "\n" for line in lines)


def summary(items: Sequence[Located], files: int) -> str:
    if not items:
        return f"No findings in {files} file{'s' if files != 1 else ''}."
    fixable = sum(1 for item in items if item.fixable)
    where = len({item.path for item in items})
    text = (f"Found {len(items)} finding{'s' if len(items) != 1 else ''} in {where} "
            f"file{'s' if where != 1 else ''} ({files} checked).")
    if fixable:
        text += f" {fixable} fixable with 'netra-lint fix'."
    return text


# -- json -----------------------------------------------------------------------------------

def format_json(items: Sequence[Located], color: bool = False,
                severity: Sequence[tuple[str, str]] = (), **_: object) -> str:
    return json.dumps([
        {
            "filename": item.path,
            "line": item.finding.line,
            "column": item.finding.col + 1,
            "code": item.finding.code,
            "name": rule_name(item.finding.code),
            "message": item.finding.message,
            "fixable": item.fixable,
            "severity": severity_of(item.finding.code, severity),
            "url": rule_url(item.finding.code),
        }
        for item in items
    ], indent=2) + "\n"


# -- sarif ----------------------------------------------------------------------------------

def _sarif_rule(code: str, severity: Sequence[tuple[str, str]] = ()) -> dict:
    rule = RULES[code]
    doc = rule_doc(code) or fallback_doc(code)
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": doc, "markdown": doc},
        "helpUri": rule_url(code),
        "defaultConfiguration": {"level": severity_of(code, severity)},
        "properties": {"tags": [rule.family], "fixable": rule.fixable},
    }


def _artifact(path: str) -> dict:
    """A relative path is a percent-encoded URI reference (RFC 3986: ``my dir/ü.py`` is
    ``my%20dir/%C3%BC.py``) against ``%SRCROOT%``; an absolute one a ``file:`` URI."""
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(Path(path).as_posix(), safe="/"), "uriBaseId": "%SRCROOT%"}


def sarif_document(items: Sequence[Located], severity: Sequence[tuple[str, str]] = ()) -> dict:
    codes = list(RULES)
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "netra-lint",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_sarif_rule(code, severity) for code in codes],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True}],
            "results": [
                {
                    "ruleId": item.finding.code,
                    "ruleIndex": index[item.finding.code],
                    "level": severity_of(item.finding.code, severity),
                    "message": {"text": item.finding.message},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": _artifact(item.path),
                        "region": {"startLine": item.finding.line,
                                   "startColumn": item.finding.col + 1},
                    }}],
                    "properties": {"fixable": item.fixable},
                }
                for item in items
            ],
        }],
    }


def format_sarif(items: Sequence[Located], color: bool = False,
                 severity: Sequence[tuple[str, str]] = (), **_: object) -> str:
    return json.dumps(sarif_document(items, severity), indent=2) + "\n"


# -- github workflow commands ---------------------------------------------------------------

def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(items: Sequence[Located], color: bool = False,
                  severity: Sequence[tuple[str, str]] = (), **_: object) -> str:
    lines = []
    for item in items:
        f = item.finding
        title = f"{f.code} {rule_name(f.code)}"
        # annotations have no link field: the rule page's address ends the message
        lines.append(
            f"::{severity_of(f.code, severity)} file={_escape_property(Path(item.path).as_posix())},"
            f"line={f.line},col={f.col + 1},title={_escape_property(title)}::"
            f"{_escape_data(f'{f.code} {f.message} ({rule_url(f.code)})')}")
    return "".join(line + "\n" for line in lines)


FORMATTERS: dict[str, Callable[..., str]] = {
    "text": format_text,
    "json": format_json,
    "sarif": format_sarif,
    "github": format_github,
}
