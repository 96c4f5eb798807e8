"""Read, decode, screen cheaply, parse once."""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass

import libcst as cst

from ..settings import Settings

# Families of rules and the text that must be present for one of their rules to apply.
# Cheap substring checks on the raw text decide which families run before any libcst parse.
_WS_MARKERS = ("websocket", "WebSocket", "Websocket")
_ID_MARKERS = ("_id", "Id", "uuid", "token_hex", "token_urlsafe")
_HANDSHAKE_MARKERS = ("sec-websocket-protocol", "Sec-WebSocket-Protocol", "subprotocols")
_INIT_MARKERS = ("global ", "_instance")


class AnalysisError(Exception):
    """The file cannot be analysed; the message is one line for the NL001 report."""

    def __init__(self, message: str, line: int = 1, col: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


def families_for(text: str, settings: Settings, wanted: frozenset[str]) -> set[str]:
    """The rule families that can possibly report on this text."""
    families: set[str] = set()
    websocket_families = [f for f in ("accept", "disconnect", "resources") if f in wanted]
    if websocket_families:
        markers = _WS_MARKERS + tuple(t.rsplit(".", 1)[-1] for t in settings.websocket_types)
        if any(m in text for m in markers):
            families.update(websocket_families)
    if "ids" in wanted and any(m in text for m in _ID_MARKERS):
        families.add("ids")
    if "handshake" in wanted and any(m in text for m in _HANDSHAKE_MARKERS):
        families.add("handshake")
    if "init" in wanted and "None" in text and any(m in text for m in _INIT_MARKERS):
        families.add("init")
    return families


_SYNTAX_LOCATION = re.compile(r"@(\d+):(\d+)")


def parse(text: str) -> cst.Module:
    """Parse with libcst, turning every failure into a one-line AnalysisError."""
    if "\x00" in text:
        raise AnalysisError("source contains a NUL byte; not valid Python source")
    # CPython's own parser first: it rejects what libcst's native parser could overflow
    # its stack on (brackets nested hundreds deep) and gives exact syntax error positions.
    try:
        ast.parse(text)
    except SyntaxError as exc:
        reason = (exc.msg or "invalid syntax").splitlines()[0]
        raise AnalysisError(f"not valid Python: {reason}", exc.lineno or 1,
                            max((exc.offset or 1) - 1, 0)) from None
    except (RecursionError, MemoryError):
        raise AnalysisError("file is nested too deeply to analyse") from None
    except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
        raise AnalysisError(f"not valid Python: {exc}") from None
    limit = sys.getrecursionlimit()
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        reason = exc.message.splitlines()[0] if exc.message else "syntax error"
        if len(reason) > 120:
            reason = reason[:117] + "..."
        raise AnalysisError(
            f"libcst cannot parse this file: {reason}", exc.raw_line, exc.raw_column
        ) from None
    except RecursionError:
        raise AnalysisError("file is nested too deeply for libcst to parse") from None
    except Exception as exc:  # the native parser reports some errors as other types
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        match = _SYNTAX_LOCATION.search(str(exc))
        line = int(match.group(1)) if match else 1
        raise AnalysisError(f"libcst cannot parse this file: {message}", line) from None
    finally:
        sys.setrecursionlimit(limit)


@dataclass
class Source:
    filename: str
    text: str
    module: cst.Module
