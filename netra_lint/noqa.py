"""``# noqa`` as flake8 reads it, for front ends other than flake8 (CLI, editors)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .finding import Finding

# flake8's own pattern (flake8/defaults.py), so both front ends agree.
NOQA_INLINE = re.compile(
    r"# noqa"
    r"(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.IGNORECASE)
_SEPARATOR = re.compile(r"[,\s]+")


def apply_noqa(findings: Iterable[Finding], text: str) -> list[Finding]:
    lines = text.splitlines()
    if any(NOQA_FILE.match(line) for line in lines):
        return []
    kept = []
    for finding in findings:
        line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        match = NOQA_INLINE.search(line)
        if match is None:
            kept.append(finding)
            continue
        codes = match.group("codes")
        if not codes:
            continue  # bare ``# noqa`` silences everything on the line
        if not any(finding.code.startswith(c.upper()) for c in _SEPARATOR.split(codes) if c):
            kept.append(finding)
    return kept


# -- writing ``# noqa`` comments (``netra-lint check --add-noqa``) ---------------------------

_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


def _unsafe_lines(text: str) -> set[int] | None:
    """Lines (1-based) where a comment cannot be appended: inside a multi-line string, or
    ending with a backslash continuation. None when the text does not tokenize."""
    import io
    import tokenize

    unsafe: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.start[0] < token.end[0] and token.type not in (tokenize.NL, tokenize.NEWLINE):
                unsafe.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if line.rstrip().endswith("\\") and "#" not in line:
            unsafe.add(number)
    return unsafe


def _with_codes(line: str, codes: list[str]) -> tuple[str, int]:
    """``line`` (without its line ending) with ``codes`` in its ``# noqa`` comment, and
    how many codes were written."""
    match = NOQA_INLINE.search(line)
    if match is None:
        return f"{line.rstrip()}  # noqa: {', '.join(codes)}", len(codes)
    listed = match.group("codes")
    if not listed:
        return line, 0  # a bare '# noqa' already silences every code
    present = [c.upper() for c in _CODE.findall(listed)]
    missing = [c for c in codes if not any(c.startswith(p) for p in present)]
    if not missing:
        return line, 0
    last = list(_CODE.finditer(line, match.start("codes"), match.end("codes")))[-1]
    if ", " in listed or "," not in listed.strip() and " " not in listed.strip():
        separator = ", "  # the list's own style; ', ' for a single code
    else:
        separator = "," if "," in listed else " "
    return line[:last.end()] + separator + separator.join(missing) + line[last.end():], len(missing)


@dataclass
class NoqaResult:
    text: str
    added: int  # codes written
    lines: int  # lines changed
    skipped: list[Finding]  # findings on lines that cannot hold a comment


def add_noqa(text: str, findings: Iterable[Finding]) -> NoqaResult:
    """Write ``# noqa: CODE`` on each finding's reported line, keeping everything else of
    the file byte for byte: an existing ``# noqa: X`` list is extended (a code already
    there, or covered by a listed prefix, is not written again), other comments are kept,
    line endings are kept. Running it again on the result changes nothing."""
    wanted: dict[int, list[Finding]] = {}
    for finding in findings:
        if finding.code != "NL001":
            wanted.setdefault(finding.line, []).append(finding)
    if not wanted:
        return NoqaResult(text, 0, 0, [])
    unsafe = _unsafe_lines(text)
    lines = text.splitlines(keepends=True)
    added = changed = 0
    skipped: list[Finding] = []
    for number, group in sorted(wanted.items()):
        if unsafe is None or number in unsafe or not 0 < number <= len(lines):
            skipped.extend(group)
            continue
        raw = lines[number - 1]
        body = raw.rstrip("\r\n")
        ending = raw[len(body):]
        codes = sorted({f.code for f in group})
        new, count = _with_codes(body, codes)
        if count:
            added += count
            changed += 1
            lines[number - 1] = new + ending
    return NoqaResult("".join(lines), added, changed, skipped)
