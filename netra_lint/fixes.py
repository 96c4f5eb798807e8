"""Automatic fixes: the libcst replacements that findings carry, applied to the same module.

A finding's ``fix`` is ``(original node, replacement node)`` taken from the parsed module
the rules ran on. ``fix_text`` applies them by node identity on that module, so every
byte it does not replace (formatting, comments, line endings) is kept. Each pass re-parses
and re-analyses its output; passes repeat until nothing fixable is left, so fixing is
idempotent. A fix whose output libcst cannot parse, or that Python no longer compiles,
is dropped, never written.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Iterable, Sequence

import libcst as cst

from .api import analyse_source
from .finding import Finding
from .noqa import apply_noqa
from .settings import Settings

MAX_PASSES = 16

# What the quick fix does, for editors and the fix summary (a code without a title gets a
# generic one).
FIX_TITLES = {
    "NL102": "Add 'await' before accept()",
}


def fix_title(code: str) -> str:
    return FIX_TITLES.get(code, f"Apply the {code} fix")


def is_fixable(finding: Finding, unsafe: bool = False) -> bool:
    return finding.fix is not None and (finding.fix_safe or unsafe)


class _Replace(cst.CSTTransformer):
    """Replace nodes by identity. A replaced node's children are not visited: a fix
    nested inside another one waits for the next pass, which sees the new tree."""

    def __init__(self, fixes: Iterable[Finding]) -> None:
        super().__init__()
        self.wanted = {id(f.fix[0]): f for f in fixes}
        self.applied: list[Finding] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) not in self.wanted or self.wanted[id(node)].fix[0] is not node

    def on_leave(self, original_node, updated_node):
        finding = self.wanted.get(id(original_node))
        if finding is None or finding.fix[0] is not original_node:
            return updated_node
        self.applied.append(finding)
        return finding.fix[1]


def apply_fixes(module: cst.Module, fixes: Sequence[Finding]) -> tuple[str, list[Finding]]:
    """The module's code with the fixes' replacements made, and the fixes that were made."""
    transformer = _Replace(fixes)
    new_module = module.visit(transformer)
    return new_module.code, transformer.applied


def _compiles(text: str, filename: str) -> bool:
    try:
        compile(text, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def is_valid_output(original: str, fixed: str, filename: str) -> bool:
    """libcst parses the output, and Python compiles it if it compiled the original
    (``await`` outside an async function parses but does not compile)."""
    try:
        cst.parse_module(fixed)
    except Exception:
        return False
    return _compiles(fixed, filename) or not _compiles(original, filename)


@dataclass
class FixResult:
    text: str  # the fixed text (the original when nothing was fixed)
    fixed: list[Finding] = field(default_factory=list)  # fixes applied, as first reported
    remaining: list[Finding] = field(default_factory=list)  # what a check reports afterwards
    changed: bool = False


def fix_text(text: str, filename: str = "<string>", settings: Settings | None = None,
             select: Sequence[str] | None = None, unsafe: bool = False,
             only: Finding | None = None) -> FixResult:
    """Apply every fix (``only``: just that one) of the findings in ``select``, skipping
    findings silenced by ``# noqa`` and, unless ``unsafe``, the unsafe fixes."""
    settings = settings or Settings()
    codes = None if select is None else set(select)
    current = text
    applied: list[Finding] = []
    rejected: set[tuple[int, int, str]] = set()
    findings: list[Finding] = []
    for _ in range(MAX_PASSES):
        module, findings = analyse_source(current, filename, settings, select)
        findings = apply_noqa([f for f in findings if codes is None or f.code in codes], current)
        candidates = [f for f in findings if is_fixable(f, unsafe)
                      and (f.line, f.col, f.code) not in rejected]
        if only is not None:
            candidates = [f for f in candidates
                          if (f.line, f.col, f.code) == (only.line, only.col, only.code)]
        if module is None or not candidates:
            break
        new_text, made = apply_fixes(module, candidates)
        if not made or new_text == current:
            break
        if not is_valid_output(current, new_text, filename):
            # Find the culprit: keep the first fix that is valid on its own.
            for candidate in candidates:
                single, made = apply_fixes(module, [candidate])
                if made and is_valid_output(current, single, filename):
                    new_text = single
                    break
                rejected.add((candidate.line, candidate.col, candidate.code))
            else:
                continue
        applied.extend(made)
        current = new_text
        if only is not None:
            module, findings = analyse_source(current, filename, settings, select)
            findings = apply_noqa([f for f in findings if codes is None or f.code in codes], current)
            break
    return FixResult(current, applied, findings, current != text)


# -- files ----------------------------------------------------------------------------------

@dataclass
class SourceFile:
    """A file's text as Python reads it, and what is needed to write it back byte-exact."""

    path: Path
    raw: bytes
    text: str
    encoding: str

    @classmethod
    def decode(cls, path: Path, raw: bytes) -> "SourceFile":
        """Decode as Python does (coding cookie, BOM, else UTF-8). Raises
        UnicodeDecodeError, SyntaxError (a bad cookie) or LookupError (unknown codec)."""
        encoding, _ = tokenize.detect_encoding(BytesIO(raw).readline)
        # Decoding bytes keeps '\r\n' and '\r' as they are (no universal newlines).
        return cls(Path(path), raw, raw.decode(encoding), encoding)

    @classmethod
    def read(cls, path: Path) -> "SourceFile":
        """``decode`` of the file's bytes; OSError when it cannot be read."""
        return cls.decode(path, Path(path).read_bytes())

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


class ReadOnlyFile(OSError):
    """The file has no write permission: ``fix`` refuses it and leaves it as it is."""


def check_writable(path: Path) -> os.stat_result:
    """The file's stat; ReadOnlyFile when it is read-only (no write bit at all, or not
    writable by this user). Root can write a 0444 file, but a file nobody may write is
    a file its owner meant to keep: netra-lint does not rewrite it either."""
    target = os.path.realpath(path)
    info = os.stat(target)
    if not stat.S_IMODE(info.st_mode) & 0o222 or not os.access(target, os.W_OK):
        raise ReadOnlyFile(13, "read-only file, not rewritten")
    return info


def write_fixed(path: Path, data: bytes) -> str:
    """Write a fixed file. Returns how: ``"atomic"`` or ``"in place"``.

    Read-only files raise ReadOnlyFile and are not touched. An ordinary file (one link,
    owned by this user or chown-able back to its owner, in a writable directory) is
    replaced atomically (``write_atomic``), so a kill at any moment leaves either the
    old or the new bytes. A file with other hard links, in a directory this user cannot
    write, or owned by someone whose ownership the rename would lose, is rewritten in
    place (same inode: the links, owner, group, mode, ACLs and extended attributes stay);
    that write is one ``pwrite`` of the whole text followed by a truncate, not atomic
    against a kill in between."""
    info = check_writable(path)
    target = Path(os.path.realpath(path))
    directory_writable = os.access(target.parent, os.W_OK | os.X_OK)
    can_keep_owner = os.geteuid() == 0 or (
        info.st_uid == os.geteuid() and (info.st_gid == os.getegid() or info.st_gid in os.getgroups()))
    if info.st_nlink == 1 and directory_writable and can_keep_owner:
        write_atomic(target, data, info)
        return "atomic"
    write_in_place(target, data)
    return "in place"


def write_in_place(path: Path, data: bytes) -> None:
    """Overwrite the file's bytes through its own inode."""
    fd = os.open(path, os.O_WRONLY)
    try:
        written = 0
        while written < len(data):
            written += os.pwrite(fd, data[written:], written)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, info: os.stat_result | None = None) -> None:
    """Write via a temporary file in the same directory and rename it over ``path``,
    keeping the file's permission bits, owner and group. A symlink is followed and its
    target replaced."""
    target = Path(os.path.realpath(path))
    info = info or target.stat()
    mode = stat.S_IMODE(info.st_mode)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".netra-lint.tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                os.fchown(stream.fileno(), info.st_uid, info.st_gid)
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def unified_diff(before: str, after: str, name: str) -> str:
    """git's style (a/ and b/ prefixes) for relative paths, the path itself otherwise."""
    name = Path(name).as_posix()
    old, new = (name, name) if Path(name).is_absolute() else (f"a/{name}", f"b/{name}")
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=old, tofile=new))
