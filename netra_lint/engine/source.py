"""Parse once: CPython's parser as a guard, then libcst, every failure one line."""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass

import libcst as cst


class AnalysisError(Exception):
    """The file cannot be analysed; the message is one line for the NL001 report."""

    def __init__(self, message: str, line: int = 1, col: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


_SYNTAX_LOCATION = re.compile(r"@(\d+):(\d+)")

# Shapes CPython keeps flat but libcst's native parser recurses on once per element,
# overflowing the C stack (a segfault, which no except clause can catch) from about
# 7,000 elements: boolean chains and dotted names. Far beyond any real code.
_MAX_CHAIN = 2_000
_CHAIN_WORDS = re.compile(r"\b(?:and|or)\b")
_LONG_DOTTED = re.compile(r"(?:\w+\s*\.\s*){%d}" % _MAX_CHAIN)


def _refuse_what_libcst_cannot_parse(text: str) -> None:
    if len(text) < 4 * _MAX_CHAIN:
        return
    longest = max(map(len, text.splitlines()), default=0)
    # substring counts are a cheap upper bound of the operators, however the lines break
    if longest >= 4 * _MAX_CHAIN or text.count("and") + text.count("or") > _MAX_CHAIN:
        for line_no, line in enumerate(text.splitlines(), start=1):
            if len(_CHAIN_WORDS.findall(line)) > _MAX_CHAIN:
                raise AnalysisError(
                    f"a boolean chain of over {_MAX_CHAIN} operands is beyond libcst's parser",
                    line_no)
            if len(line) >= 4 * _MAX_CHAIN and _LONG_DOTTED.search(line):
                raise AnalysisError(
                    f"a dotted name of over {_MAX_CHAIN} parts is beyond libcst's parser", line_no)
        if len(_CHAIN_WORDS.findall(text)) > _MAX_CHAIN:
            # a chain broken over lines inside brackets: find its first line
            tree = ast.parse(text[1:] if text.startswith("\ufeff") else text)
            for node in ast.walk(tree):
                if isinstance(node, ast.BoolOp) and len(node.values) > _MAX_CHAIN:
                    raise AnalysisError(
                        f"a boolean chain of over {_MAX_CHAIN} operands is beyond libcst's parser",
                        node.lineno, node.col_offset)


def parse(text: str, python_checked: bool = False) -> cst.Module:
    """Parse with libcst, turning every failure into a one-line AnalysisError.
    ``python_checked``: CPython's parser already accepted the text (flake8 built its tree)."""
    if "\x00" in text:
        raise AnalysisError("source contains a NUL byte; not valid Python source")
    # CPython's own parser first: it rejects what libcst's native parser could overflow
    # its stack on (brackets nested hundreds deep) and gives exact syntax error positions.
    try:
        if not python_checked:
            # a leading BOM is legal (libcst accepts it) but ast.parse of a str rejects U+FEFF
            ast.parse(text[1:] if text.startswith("\ufeff") else text)
    except SyntaxError as exc:
        reason = (exc.msg or "invalid syntax").splitlines()[0]
        raise AnalysisError(f"not valid Python: {reason}", exc.lineno or 1,
                            max((exc.offset or 1) - 1, 0)) from None
    except (RecursionError, MemoryError):
        raise AnalysisError("file is nested too deeply to analyse") from None
    except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
        raise AnalysisError(f"not valid Python: {exc}") from None
    _refuse_what_libcst_cannot_parse(text)
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
