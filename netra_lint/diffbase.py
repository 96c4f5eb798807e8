"""``--diff-base REF``: only the findings on lines changed since a git ref.

The changed lines come from ``git diff -U0 REF`` (the working tree against REF: committed,
staged and unstaged changes alike, renames followed), and every line of an untracked file
counts as new. An unborn ``HEAD`` (a repository with no commit yet) is compared with the
empty tree, so everything is new.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, TypeVar

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's well-known empty tree
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", '"': '"'}

T = TypeVar("T")


class DiffBaseError(Exception):
    """git is missing, this is not a repository, or the ref is unknown: one line."""


@dataclass
class Changes:
    root: Path  # the work tree's top level, resolved
    lines: dict[str, set[int]] = field(default_factory=dict)  # resolved path -> changed lines
    new_files: set[str] = field(default_factory=set)  # untracked: every line is new

    def changed(self, path: str | Path, line: int) -> bool:
        resolved = os.path.realpath(path)
        return resolved in self.new_files or line in self.lines.get(resolved, ())


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd,
                              capture_output=True, timeout=120)
    except FileNotFoundError:
        raise DiffBaseError("--diff-base needs git, and git is not installed") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise DiffBaseError(f"--diff-base: git failed: {exc}") from None


def _unquote(name: str) -> str:
    """git's C-style quoting of unusual file names ("a\\tb", octal bytes)."""
    if not (len(name) >= 2 and name.startswith('"') and name.endswith('"')):
        return name
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if re.fullmatch(r"[0-7]{3}", body[i + 1:i + 4]):
                out.append(int(body[i + 1:i + 4], 8))
                i += 4
                continue
            out.extend(_ESCAPES.get(nxt, nxt).encode())
            i += 2
            continue
        out.extend(ch.encode())
        i += 1
    return out.decode("utf-8", "surrogateescape")


def parse_diff(diff: str) -> dict[str, set[int]]:
    """``git diff -U0`` output -> {path in the new tree (relative): changed line numbers}."""
    changed: dict[str, set[int]] = {}
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = _unquote(line[4:].rstrip("\t"))
            current = None if name == "/dev/null" else name[2:] if name.startswith("b/") else name
            if current is not None:
                changed.setdefault(current, set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or 1)
                changed[current].update(range(start, start + count))
    return changed


def changes_since(ref: str, cwd: Path | str | None = None) -> Changes:
    cwd = Path(cwd or Path.cwd())
    top = _git(cwd, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise DiffBaseError(f"--diff-base: {os.path.abspath(cwd)} is not in a git work tree")
    root = Path(os.path.realpath(top.stdout.decode("utf-8", "surrogateescape").strip()))
    base = ref
    if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        unborn = ref == "HEAD" and _git(root, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0
        if not unborn:
            raise DiffBaseError(f"--diff-base: {ref!r} is not a commit in this repository")
        base = EMPTY_TREE
    diff = _git(root, "diff", "--no-color", "--no-ext-diff", "-M", "-U0",
                "--src-prefix=a/", "--dst-prefix=b/", base, "--")
    if diff.returncode != 0:
        message = diff.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffBaseError(f"--diff-base: git diff failed: {message[0] if message else diff.returncode}")
    changes = Changes(root)
    for name, lines in parse_diff(diff.stdout.decode("utf-8", "surrogateescape")).items():
        changes.lines[os.path.realpath(root / name)] = lines
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard")
    if untracked.returncode == 0:
        for name in untracked.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if name:
                changes.new_files.add(os.path.realpath(root / name))
    return changes


def only_changed(items: Iterable[T], changes: Changes, path_of: Callable[[T], str],
                 line_of: Callable[[T], int]) -> list[T]:
    return [item for item in items if changes.changed(path_of(item), line_of(item))]
