"""Baselines: record today's findings, then report only new ones.

A finding's fingerprint is made of its code, its file (relative to the baseline file's
directory, so the CLI and the flake8 plugin agree), a hash of the enclosing function's
qualified name, the offending statement's text normalised by ``ast.unparse`` (so
formatting and comments do not matter) and an occurrence index among identical
(code, function, statement) triples. Line numbers are not part of it: a finding keeps its
fingerprint when lines above it move, when its function moves, and when unrelated code
changes. Rule messages are not part of it either, so rewording a message keeps the
baseline valid.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .finding import Finding

FORMAT_VERSION = 1
_COMPOUND_PARTS = ("body", "orelse", "finalbody", "handlers", "cases")
_SPACES = re.compile(r"\s+")


class BaselineError(Exception):
    """A baseline file that cannot be read or written: one line, exit code 2."""


# -- where a finding is -------------------------------------------------------------------

class _Index:
    """The statements and functions of one file, from CPython's parser."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.statements: list[ast.stmt] = []
        self.scopes: list[tuple[int, int, str]] = []  # (first line, last line, qualname)
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        self._visit(tree, "")

    def _visit(self, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.statements.append(child)
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                self.scopes.append((first, child.end_lineno or child.lineno, qualname))
                inner = qualname + (".<locals>." if not isinstance(child, ast.ClassDef) else ".")
                self._visit(child, inner)
            else:
                self._visit(child, prefix)

    def function(self, line: int) -> str:
        best: tuple[int, str] | None = None
        for first, last, qualname in self.scopes:
            if first <= line <= last and (best is None or last - first < best[0]):
                best = (last - first, qualname)
        return best[1] if best else "<module>"

    def statement(self, line: int) -> str:
        best: ast.stmt | None = None
        for node in self.statements:
            last = node.end_lineno or node.lineno
            if node.lineno <= line <= last and (
                    best is None or last - node.lineno < (best.end_lineno or best.lineno) - best.lineno):
                best = node
        if best is None:
            raw = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            return _SPACES.sub(" ", raw.split("#", 1)[0]).strip()
        return _statement_text(best)


def _statement_text(node: ast.stmt) -> str:
    """A simple statement's normalised source; for a compound statement, its header only
    (the body changes for unrelated reasons)."""
    if any(hasattr(node, part) for part in _COMPOUND_PARTS):
        node = copy.copy(node)
        for part in _COMPOUND_PARTS:
            if hasattr(node, part):
                setattr(node, part, [ast.Pass()] if part == "body" else [])
        if isinstance(node, ast.Match):
            node.cases = []  # type: ignore[attr-defined]
    try:
        text = ast.unparse(node)
    except Exception:  # an odd node ast.unparse cannot print: its position still identifies it
        return type(node).__name__
    return _SPACES.sub(" ", text.replace("\n    pass", "")).strip()


def _digest(text: str, size: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:size]


def fingerprints(file_key: str, text: str, findings: Sequence[Finding]) -> list[str]:
    """One fingerprint per finding, in the order given."""
    index = _Index(text)
    keys = []
    for finding in findings:
        function = _digest(index.function(finding.line))
        keys.append((finding.code, function, index.statement(finding.line)))
    order = sorted(range(len(findings)), key=lambda i: (findings[i].line, findings[i].col))
    seen: Counter = Counter()
    occurrence = [0] * len(findings)
    for i in order:
        occurrence[i] = seen[keys[i]]
        seen[keys[i]] += 1
    return [_digest("\0".join((code, file_key, function, statement, str(occurrence[i]))), 24)
            for i, (code, function, statement) in enumerate(keys)]


def file_key(baseline_path: Path | str, path: Path | str) -> str:
    """The file's path relative to the baseline file's directory, with '/'."""
    base = os.path.dirname(os.path.realpath(baseline_path))
    target = os.path.realpath(path)
    try:
        relative = os.path.relpath(target, base)
    except ValueError:  # pragma: no cover - another drive on Windows
        return Path(target).as_posix()
    return Path(relative).as_posix()


# -- the file -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    code: str
    file: str
    fingerprint: str
    line: int = 0  # where it was when recorded: for people reading the file, not for matching
    message: str = ""


@dataclass
class Baseline:
    path: Path
    entries: list[Entry]

    @classmethod
    def load(cls, path: Path | str) -> "Baseline":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{path}: baseline file not found (write one with "
                                f"--write-baseline {path})") from None
        except OSError as exc:
            raise BaselineError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{path}: not a netra-lint baseline (invalid JSON: {exc})") from None
        if not isinstance(data, dict) or data.get("tool") != "netra-lint" \
                or not isinstance(data.get("findings"), list):
            raise BaselineError(f"{path}: not a netra-lint baseline")
        if data.get("version") != FORMAT_VERSION:
            raise BaselineError(f"{path}: baseline format version {data.get('version')!r} is not "
                                f"{FORMAT_VERSION}; write it again with --write-baseline")
        entries = []
        for item in data["findings"]:
            try:
                entries.append(Entry(str(item["code"]), str(item["file"]), str(item["fingerprint"]),
                                     int(item.get("line", 0)), str(item.get("message", ""))))
            except (KeyError, TypeError, ValueError, AttributeError):
                raise BaselineError(f"{path}: not a netra-lint baseline (bad entry {item!r:.60})") from None
        return cls(path, entries)

    def write(self) -> None:
        data = {
            "tool": "netra-lint",
            "version": FORMAT_VERSION,
            "findings": [
                {"code": e.code, "file": e.file, "fingerprint": e.fingerprint, "line": e.line,
                 "message": e.message}
                for e in sorted(self.entries, key=lambda e: (e.file, e.line, e.code, e.fingerprint))
            ],
        }
        try:
            self.path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            raise BaselineError(f"{self.path}: cannot write: {exc.strerror or exc}") from None

    def counts(self, file: str) -> Counter:
        return Counter(e.fingerprint for e in self.entries if e.file == file)


def entries_for(baseline_path: Path | str, path: Path | str, text: str,
                findings: Sequence[Finding]) -> list[Entry]:
    key = file_key(baseline_path, path)
    return [Entry(f.code, key, fp, f.line, f.message)
            for f, fp in zip(findings, fingerprints(key, text, findings))]


@dataclass
class Outcome:
    kept: list  # the findings not in the baseline (the caller's item type)
    matched: int  # findings the baseline silenced
    stale: list[Entry]  # baseline entries of checked files that no finding matches (fixed)


def apply(baseline: Baseline, items: Iterable, checked: Iterable[Path | str],
          path_of: Callable[[object], str], finding_of: Callable[[object], Finding],
          text_of: Callable[[str], str | None], count_stale: bool = True) -> Outcome:
    """Drop the items whose fingerprint is in the baseline. ``checked`` are the files this
    run looked at: only their entries (and entries of files that no longer exist) can be
    stale, so a run on part of the project does not call the rest stale."""
    by_path: dict[str, list] = {}
    for item in items:
        by_path.setdefault(path_of(item), []).append(item)
    kept: list = []
    matched = 0
    used: dict[str, Counter] = {}
    for path, group in by_path.items():
        key = file_key(baseline.path, path)
        available = baseline.counts(key)
        text = text_of(path)
        if text is None or not available:
            kept.extend(group)
            continue
        prints = fingerprints(key, text, [finding_of(item) for item in group])
        consumed = used.setdefault(key, Counter())
        for item, fp in zip(group, prints):
            if consumed[fp] < available[fp]:
                consumed[fp] += 1
                matched += 1
            else:
                kept.append(item)
    if not count_stale:
        return Outcome(kept, matched, [])
    checked_keys = {file_key(baseline.path, p) for p in checked}
    base = Path(os.path.dirname(os.path.realpath(baseline.path)))
    stale: list[Entry] = []
    remaining = {key: Counter(counts) for key, counts in used.items()}
    for entry in baseline.entries:
        if entry.file not in checked_keys and (base / entry.file).exists():
            continue
        if remaining.get(entry.file, Counter())[entry.fingerprint] > 0:
            remaining[entry.file][entry.fingerprint] -= 1
        else:
            stale.append(entry)
    return Outcome(kept, matched, stale)
