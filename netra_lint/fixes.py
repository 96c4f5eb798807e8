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


# -- the unsafe fix of NL106/NL107: let the disconnect through before a broad handler -----

FIX_TITLES["NL106"] = FIX_TITLES["NL107"] = (
    "Let WebSocketDisconnect through before the broad except (changes behaviour)")

_BROAD = frozenset({"Exception", "BaseException"})
_TAKES = _BROAD | {"WebSocketDisconnect"}


class UnsafeFix(tuple):
    """A ``(original, replacement)`` fix applied only with ``--unsafe-fixes``."""

    unsafe = True


def _names(handler: cst.ExceptHandler) -> tuple[str, ...] | None:
    from .engine.module import caught_names

    return caught_names(handler)


def broad_handler_fixable(statement: cst.Try, handler: cst.ExceptHandler) -> bool:
    """``handler`` is a broad clause (``except Exception``, bare, ``BaseException``) that
    takes the disconnect: no clause before it names WebSocketDisconnect or is broad."""
    for clause in statement.handlers:
        names = _names(clause)
        takes = names is None or any(n in _TAKES for n in names)
        if clause is handler:
            return takes and not (names and "WebSocketDisconnect" in names)
        if takes:
            return False
    return False


def _disconnect_name(index) -> str | None:
    """``WebSocketDisconnect`` when this module binds that name to it (an alias such as
    ``as Gone`` is not used: the analysis knows the exception by its own name)."""
    target = index.aliases.get("WebSocketDisconnect")
    if target is not None and target.rsplit(".", 1)[-1] == "WebSocketDisconnect":
        return "WebSocketDisconnect"
    return None


def _import_line(index) -> cst.SimpleStatementLine:
    source = "fastapi" if any(t.split(".", 1)[0] == "fastapi" for t in index.aliases.values()) \
        else "starlette.websockets"
    return cst.parse_statement(f"from {source} import WebSocketDisconnect\n")


def let_disconnect_through(module: cst.Module, index, statement: cst.Try,
                           handler: cst.ExceptHandler, leave: str) -> UnsafeFix | None:
    """Insert ``except WebSocketDisconnect: <leave>`` (``raise`` or ``return``) right
    before ``handler``, importing WebSocketDisconnect when nothing binds it. Returns the
    fix: the ``try`` replaced, or the whole module when an import is added."""
    if not broad_handler_fixable(statement, handler):
        return None
    name = _disconnect_name(index)
    body_statement = cst.Raise() if leave == "raise" else cst.Return()
    if isinstance(handler.body, cst.IndentedBlock):
        body = cst.IndentedBlock(body=[cst.SimpleStatementLine([body_statement])],
                                 indent=handler.body.indent)
    else:
        body = cst.SimpleStatementSuite(body=[body_statement])
    new_clause = cst.ExceptHandler(
        body=body, type=cst.Name(name or "WebSocketDisconnect"),
        leading_lines=handler.leading_lines,
        whitespace_after_except=cst.SimpleWhitespace(" "))
    handlers = []
    for clause in statement.handlers:
        if clause is handler:
            handlers.append(new_clause)
            clause = clause.with_changes(leading_lines=())
        handlers.append(clause)
    new_try = statement.with_changes(handlers=handlers)
    if name is not None:
        return UnsafeFix((statement, new_try))
    # add the import after the module's last top-level import (or its docstring)
    body = list(module.body)
    position = 0
    for i, top in enumerate(body):
        if isinstance(top, cst.SimpleStatementLine) and top.body and isinstance(
                top.body[0], (cst.Import, cst.ImportFrom)):
            position = i + 1
        elif i == 0 and isinstance(top, cst.SimpleStatementLine) and top.body and isinstance(
                top.body[0], cst.Expr) and isinstance(top.body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            position = 1

    class _Swap(cst.CSTTransformer):
        def on_leave(self, original_node, updated_node):
            return new_try if original_node is statement else updated_node

    swapped = module.visit(_Swap())
    new_body = list(swapped.body)
    extended = _extend_import(new_body, index)
    if extended is None:
        new_body.insert(position, _import_line(index))
    return UnsafeFix((module, swapped.with_changes(body=new_body)))


def _extend_import(body: list, index) -> bool | None:
    """Add WebSocketDisconnect to an existing one-line ``from fastapi import ...`` (or
    ``from starlette.websockets import ...``); None when there is none."""
    from .engine.module import dotted

    for i, top in enumerate(body):
        if not (isinstance(top, cst.SimpleStatementLine) and len(top.body) == 1
                and isinstance(top.body[0], cst.ImportFrom)):
            continue
        node = top.body[0]
        if (node.relative or node.module is None or isinstance(node.names, cst.ImportStar)
                or node.lpar is not None or dotted(node.module) not in ("fastapi", "starlette.websockets")):
            continue
        names = list(node.names)
        names[-1] = names[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        names.append(cst.ImportAlias(name=cst.Name("WebSocketDisconnect")))
        body[i] = top.with_changes(body=[node.with_changes(names=names)])
        return True
    return None


def disconnect_fix(ctx, info, node: cst.CSTNode) -> UnsafeFix | None:
    """The unsafe fix for an NL106 finding at ``node`` (a send/close inside a broad
    handler) or an NL107 finding (``node`` is the handler): ``return`` when the ``try``
    is in the websocket endpoint itself, else ``raise`` (a helper's caller must learn)."""
    from .engine.walk import find, walk

    found: tuple[cst.Try, cst.ExceptHandler] | None = None
    for statement in find(info.node.body, cst.Try):
        for handler in statement.handlers:
            if handler is node or any(n is node for n in walk(handler.body, ())):
                found = (statement, handler)  # pre-order: the last match is the innermost
    if found is None:
        return None
    statement, handler = found
    endpoint = ctx.index.route_style(info) is not None or (
        info.cls is not None and info.name in ("on_receive", "on_connect")
        and info.cls.name in ctx.websockets._endpoint_classes)
    # In the endpoint itself nothing above it catches a re-raised disconnect (uvicorn would
    # log "Exception in ASGI application"): returning ends the connection cleanly there.
    leave = "return" if endpoint else "raise"
    return let_disconnect_through(ctx.module, ctx.index, statement, handler, leave)
