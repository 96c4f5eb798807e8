"""``# noqa`` as flake8 reads it, for front ends other than flake8 (CLI, editors)."""

from __future__ import annotations

import re
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
