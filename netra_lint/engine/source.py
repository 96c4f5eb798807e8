"""Parse once, every failure one line. libcst decides what is valid Python, whatever
interpreter runs netra-lint (a 3.12 ``type X = ...`` file is analysed under 3.11);
CPython's parser runs first as a guard against what would crash libcst's native parser."""

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
            try:
                tree = ast.parse(text[1:] if text.startswith("\ufeff") else text)
            except (SyntaxError, RecursionError, MemoryError, ValueError):
                # newer syntax than this interpreter's: no tree to place the chain on
                raise AnalysisError(
                    f"over {_MAX_CHAIN} boolean operators in a file this Python cannot parse "
                    f"is beyond libcst's parser") from None
            for node in ast.walk(tree):
                if isinstance(node, ast.BoolOp) and len(node.values) > _MAX_CHAIN:
                    raise AnalysisError(
                        f"a boolean chain of over {_MAX_CHAIN} operands is beyond libcst's parser",
                        node.lineno, node.col_offset)


# CPython's messages for input nested beyond its own limits: libcst's native parser would
# overflow the C stack on the same input, so these are never handed to it.
_TOO_DEEP = ("too many nested", "too many statically nested", "too complex", "nested too deeply")
# When CPython rejects the text (newer syntax, or a real syntax error), its guard did not
# see the rest of the file: these bound what libcst is handed then. Measured crash points
# of libcst 1.x: ~2,000 nested brackets or f-strings, ~5,000 chained lambdas, ~10,000
# unary operators or conditional expressions; CPython itself stops at 200 brackets.
_MAX_BRACKETS = 200
_MAX_PREFIX_CHAIN = 1_000
_PREFIX_CHAINS = (
    re.compile(r"(?:[-+~][ \t]*){%d}" % _MAX_PREFIX_CHAIN),
    re.compile(r"(?:\bnot\b[ \t]*){%d}" % _MAX_PREFIX_CHAIN),
    re.compile(r"(?:\blambda\b[^:\n]*:[ \t]*){%d}" % _MAX_PREFIX_CHAIN),
)
_CHAINED_WORDS = re.compile(r"\b(?:lambda|else|not)\b")


def _refuse_unguarded_nesting(text: str) -> None:
    """Without CPython's guard: refuse brackets nested deeper than CPython allows and long
    chains of prefix operators. Counted on the raw text (brackets in strings and comments
    count too: a bound, on a path only files this interpreter cannot parse take)."""
    depth = deepest = 0
    line = deepest_line = 1
    for char in text:
        if char in "([{":
            depth += 1
            if depth > deepest:
                deepest, deepest_line = depth, line
        elif char in ")]}":
            depth = max(depth - 1, 0)
        elif char == "\n":
            line += 1
    if deepest > _MAX_BRACKETS:
        raise AnalysisError(
            f"brackets nested over {_MAX_BRACKETS} deep are beyond libcst's parser", deepest_line)
    if len(text) < 2 * _MAX_PREFIX_CHAIN and len(_CHAINED_WORDS.findall(text)) < _MAX_PREFIX_CHAIN:
        return
    for line_no, line_text in enumerate(text.splitlines(), start=1):
        if len(line_text) >= _MAX_PREFIX_CHAIN and any(p.search(line_text) for p in _PREFIX_CHAINS):
            raise AnalysisError(
                f"a chain of over {_MAX_PREFIX_CHAIN} prefix operators is beyond libcst's parser",
                line_no)
        if len(_CHAINED_WORDS.findall(line_text)) > _MAX_PREFIX_CHAIN:
            raise AnalysisError(
                f"an expression chained over {_MAX_PREFIX_CHAIN} deep is beyond libcst's parser",
                line_no)


def parse(text: str, python_checked: bool = False) -> cst.Module:
    """Parse with libcst, turning every failure into a one-line AnalysisError.
    ``python_checked``: CPython's parser already accepted the text (flake8 built its tree).

    libcst decides: a file that this interpreter's parser rejects but libcst parses (newer
    syntax: PEP 695 ``type`` statements and generics, PEP 701 f-strings) is analysed.
    CPython's parser still runs first, for what it guards against (input nested deeply
    enough to crash libcst's native parser) and for its exact syntax error positions."""
    if "\x00" in text:
        raise AnalysisError("source contains a NUL byte; not valid Python source")
    python_error: AnalysisError | None = None
    if not python_checked:
        try:
            # a leading BOM is legal (libcst accepts it) but ast.parse of a str rejects U+FEFF
            ast.parse(text[1:] if text.startswith("\ufeff") else text)
        except SyntaxError as exc:
            reason = (exc.msg or "invalid syntax").splitlines()[0]
            python_error = AnalysisError(f"not valid Python: {reason}", exc.lineno or 1,
                                         max((exc.offset or 1) - 1, 0))
            if any(marker in reason for marker in _TOO_DEEP):
                raise python_error from None
        except (RecursionError, MemoryError):
            raise AnalysisError("file is nested too deeply to analyse") from None
        except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
            raise AnalysisError(f"not valid Python: {exc}") from None
    if python_error is not None:
        try:
            _refuse_unguarded_nesting(text)
        except AnalysisError as unsafe:
            raise AnalysisError(f"{unsafe} (and this Python cannot parse line {python_error.line}: "
                                f"{python_error})", unsafe.line) from None
    _refuse_what_libcst_cannot_parse(text)
    limit = sys.getrecursionlimit()
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        if python_error is not None:
            raise python_error from None  # both reject it: CPython's message and position
        reason = exc.message.splitlines()[0] if exc.message else "syntax error"
        if len(reason) > 120:
            reason = reason[:117] + "..."
        raise AnalysisError(
            f"libcst cannot parse this file: {reason}", exc.raw_line, exc.raw_column
        ) from None
    except RecursionError:
        raise AnalysisError("file is nested too deeply for libcst to parse") from None
    except Exception as exc:  # the native parser reports some errors as other types
        if python_error is not None:
            raise python_error from None
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
