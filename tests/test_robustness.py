"""Bad input: every case through ``check_source``, through flake8 as a real subprocess, and
through the ``netra-lint check`` command.

What each case proves: the result is the one right outcome for that case, either the exact
findings (line and column) or exactly one NL001 whose message is one clear line, whichever
the case's literal expectation says; ``check_source`` never raises; flake8 and the command
never print a traceback and exit 1 exactly when they report something, else 0 (the command
2 only for a usage error).

Every expectation is literal or computed independently of netra-lint (CPython's own
``compile()`` for syntax errors): a test never takes the API's output as the expectation
for flake8 or the command, and never accepts "either outcome". A test that fails because
of a known netra-lint bug is marked ``xfail(strict=True)`` naming the bug.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from netra_lint.api import check_source
from netra_lint.finding import Finding

PY = sys.executable
NL001_PREFIX = "netra-lint could not analyse this file: "
OUTPUT_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<message>.*)$")
# flake8's report of a plugin that raised: '<path>: "pyflakes[F]" failed during execution due to ...'
PLUGIN_FAILED = re.compile(r'^(?P<path>.+?): "(?P<plugin>[^"]+)" failed during execution due to (?P<error>.*)$')

# A FastAPI handler with one NL101: line 8, the receive_text() call at column 17 (0-based).
HANDLER = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def chat(websocket: WebSocket):
    data = await websocket.receive_text()
    await websocket.accept()
    await websocket.send_text(data)
'''
HANDLER_FINDINGS = {(8, 17, "NL101")}

# The same bug on the file's last line (tests a file without a final newline).
HANDLER_LAST = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def chat(websocket: WebSocket):
    await websocket.send_text("hello")'''
HANDLER_LAST_FINDINGS = {(8, 10, "NL101")}


# -- front ends ---------------------------------------------------------------------------------

def _no_traceback(proc: subprocess.CompletedProcess) -> None:
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream, stream
        assert "Fatal Python error" not in stream, stream


def run_flake8(path: Path, select: str = "NL", timeout: float = 600) -> set[tuple[int, int, str]]:
    """flake8 as a subprocess; returns {(line, 0-based col, code)}."""
    proc = subprocess.run([PY, "-m", "flake8", "--isolated", f"--select={select}", str(path)],
                          capture_output=True, text=True, timeout=timeout)
    _no_traceback(proc)
    found = _parse_output(proc.stdout)
    # exit 1 exactly when something was reported (a plugin failure counts)
    assert proc.returncode == (1 if found else 0), f"flake8 exited {proc.returncode}: {proc.stderr[-2000:]}"
    return found


def run_cli(path: Path, timeout: float = 600) -> set[tuple[int, int, str]]:
    """``netra-lint check`` as a subprocess; returns {(line, 0-based col, code)}."""
    proc = subprocess.run([PY, "-m", "netra_lint", "check", "--isolated", "--no-cache", "-q",
                           "--no-progress", "--color", "never", "-j", "1", str(path)],
                          capture_output=True, text=True, timeout=timeout)
    _no_traceback(proc)
    found = _parse_output(proc.stdout)
    assert proc.returncode == (1 if found else 0), (
        f"netra-lint check exited {proc.returncode}: {proc.stderr[-2000:]}")
    for line in proc.stdout.splitlines():
        match = OUTPUT_LINE.match(line)
        if match and match.group("code") == "NL001":
            _assert_clear_reason(match.group("message"))
    return found


def flake8_lines(*paths: Path, select: str = "NL", extra: tuple[str, ...] = (),
                 timeout: float = 600) -> list[str]:
    """flake8's exact output lines, each file's path replaced by its name."""
    proc = subprocess.run([PY, "-m", "flake8", "--isolated", f"--select={select}", *extra, *map(str, paths)],
                          capture_output=True, text=True, timeout=timeout)
    _no_traceback(proc)
    assert proc.returncode == (1 if proc.stdout else 0), f"flake8 exited {proc.returncode}: {proc.stderr[-2000:]}"
    assert proc.stderr == "", proc.stderr[-2000:]
    out = proc.stdout
    for path in paths:
        out = out.replace(str(path), path.name)
    return out.splitlines()


def _parse_output(stdout: str) -> set[tuple[int, int, str]]:
    found = set()
    for line in stdout.splitlines():
        failed = PLUGIN_FAILED.match(line)
        if failed:
            # flake8 stops checking a file when any plugin raises; another plugin's failure
            # (pyflakes' RecursionError on a 1,000-deep tree) is not netra-lint's to fix,
            # but netra-lint itself must never be the one that failed.
            assert "NL" not in failed.group("plugin") and "netra" not in failed.group("plugin"), line
            found.add((0, 0, "PLUGIN-FAILED:" + failed.group("plugin")))
            continue
        if line == "Run flake8 with greater verbosity to see more details":
            continue
        match = OUTPUT_LINE.match(line)
        assert match, f"unexpected output line: {line!r}"
        found.add((int(match.group("line")), int(match.group("col")) - 1, match.group("code")))
    return found


def triples(findings: list[Finding]) -> set[tuple[int, int, str]]:
    return {(f.line, f.col, f.code) for f in findings}


def _assert_clear_reason(message: str) -> None:
    assert "\n" not in message and "Traceback" not in message, message
    assert message.startswith(NL001_PREFIX), message
    assert "internal error" not in message, f"an internal error is a bug: {message}"
    assert len(message) < 300, message


def assert_one_clear_nl001(findings: list[Finding], text: str) -> Finding:
    assert len(findings) == 1, findings
    finding = findings[0]
    assert finding.code == "NL001", findings
    _assert_clear_reason(finding.message)
    assert 1 <= finding.line <= max(len(text.splitlines()), 1), finding
    assert finding.col >= 0
    return finding


def check(text: str, filename: str = "case.py") -> list[Finding]:
    """check_source, asserting that it returns and leaves the recursion limit alone."""
    limit = sys.getrecursionlimit()
    findings = check_source(text, filename)
    assert sys.getrecursionlimit() == limit
    assert all(isinstance(f, Finding) for f in findings)
    return findings


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def cpython_syntax_error(text: str) -> SyntaxError | None:
    try:
        compile(text, "<case>", "exec", flags=1024, dont_inherit=True)  # PyCF_ONLY_AST
    except SyntaxError as exc:
        return exc
    return None


# -- syntax errors ---------------------------------------------------------------------------------

SYNTAX_ERRORS = {
    "unclosed_paren": HANDLER.replace("await websocket.send_text(data)", "await websocket.send_text(data"),
    "bad_indent": HANDLER.replace("    await websocket.accept()", "      await websocket.accept()"),
    "missing_colon": HANDLER.replace("async def chat(websocket: WebSocket):", "async def chat(websocket: WebSocket)"),
    "python2_print": HANDLER + 'print "websocket closed"\n',
    "unterminated_string": HANDLER.replace('"/ws"', '"/ws'),
    "unterminated_triple_quote": HANDLER + '"""docstring that never ends\n',
    "stray_dollar": HANDLER.replace("data = await", "data = $ await"),
    "tabs_and_spaces": HANDLER.replace("    await websocket.accept()", "\tawait websocket.accept()"),
    "bare_decorator_at_eof": HANDLER + "\n@app.websocket('/other')\n",
    "bad_parameter_list": "from fastapi import WebSocket\n\ndef f(:\n    websocket\n",
    "keyword_as_name": HANDLER.replace("data = await", "class = await"),
    "continuation_at_eof": HANDLER + "x = 1 + \\\n",
}


@pytest.mark.parametrize("name", sorted(SYNTAX_ERRORS))
def test_syntax_error(tmp_path: Path, name: str) -> None:
    text = SYNTAX_ERRORS[name]
    error = cpython_syntax_error(text)
    assert error is not None, "the case must be a syntax error for this interpreter"
    finding = assert_one_clear_nl001(check(text), text)
    # Where CPython's own parser puts the error (offset is 1-based; NL001's column 0-based).
    line, col = min(error.lineno, len(text.splitlines())), max(error.offset - 1, 0)
    assert (finding.line, finding.col) == (line, col), (finding, error.lineno, error.offset, error.msg)
    assert finding.message == f"{NL001_PREFIX}not valid Python: {error.msg}"

    path = write(tmp_path, f"{name}.py", text)
    # flake8 reports E999 itself (its column is CPython's offset + 1) and runs no AST
    # plugin on the file: exactly one E999 line, no NL, no crash.
    assert flake8_lines(path, select="NL,E999") == [
        f"{name}.py:{error.lineno}:{error.offset + 1}: E999 {type(error).__name__}: {error.msg}"]
    assert run_cli(path) == {(line, col, "NL001")}


def test_syntax_error_in_a_file_no_rule_applies_to(tmp_path: Path) -> None:
    """The text screen runs before any parse: a broken file without websockets, ids or
    initialisation is not parsed and gets nothing (documented in docs/rules/NL001.md)."""
    text = "def f(:\n    return 1\n"
    assert check(text) == []
    assert run_flake8(write(tmp_path, "plain.py", text)) == set()


def test_compile_time_errors_that_parse_are_analysed(tmp_path: Path) -> None:
    """`return` outside a function and `await` outside `async def` parse (they fail only at
    compile time): flake8 runs the plugin and the handler's bug is reported."""
    text = HANDLER + "\nreturn None\nawait websocket_ready()\n"
    assert cpython_syntax_error(text) is None
    assert triples(check(text)) == HANDLER_FINDINGS
    path = write(tmp_path, "compile_errors.py", text)
    assert run_flake8(path) == {(8, 17, "NL101")}
    assert run_cli(path) == HANDLER_FINDINGS


# -- encodings ---------------------------------------------------------------------------------

LATIN1_SOURCE = '''\
# -*- coding: latin-1 -*-
"""Salon de discussion: messages en français, déjà vus."""
from fastapi import FastAPI, WebSocket

app = FastAPI()
GREETING = "Ça va? À bientôt, señor"


@app.websocket("/ws")
async def chat(websocket: WebSocket):
    prefix = "«é»"; data = await websocket.receive_text()
    await websocket.accept()
    await websocket.send_text(GREETING + prefix + data)
'''


def test_latin1_file_with_coding_cookie(tmp_path: Path) -> None:
    raw = LATIN1_SOURCE.encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the file really is latin-1, not UTF-8
    text = raw.decode("latin-1")  # what flake8 and the command decode it to (PEP 263)
    line = text.splitlines()[10]
    expected = {(11, line.index("websocket.receive_text"), "NL101")}  # column in characters
    assert triples(check(text)) == expected
    path = write(tmp_path, "latin1.py", raw)
    assert run_flake8(path) == expected
    assert run_cli(path) == expected


def test_utf8_bom(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + HANDLER.encode("utf-8")
    # flake8 and the command strip the BOM; a caller of the API may not: both are correct.
    assert triples(check(raw.decode("utf-8-sig"))) == HANDLER_FINDINGS
    assert triples(check(raw.decode("utf-8"))) == HANDLER_FINDINGS
    path = write(tmp_path, "bom.py", raw)
    assert run_flake8(path) == HANDLER_FINDINGS
    assert run_cli(path) == HANDLER_FINDINGS


def test_utf8_bom_with_a_conflicting_coding_cookie(tmp_path: Path) -> None:
    """Undecodable for Python (a BOM says UTF-8, the cookie says latin-1). flake8 falls
    back to reading the file as latin-1 (its own decoding rule), strips the BOM and checks
    it: the handler's NL101, one line lower. The command decodes as Python does and
    refuses it with one NL001 at 1:1. Neither crashes."""
    raw = b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n" + HANDLER.encode("utf-8")
    with pytest.raises(SyntaxError):
        compile(raw, "bom_cookie.py", "exec", flags=1024, dont_inherit=True)
    path = write(tmp_path, "bom_cookie.py", raw)
    assert run_flake8(path, select="NL,E9") == {(9, 17, "NL101")}
    proc = subprocess.run([PY, "-m", "netra_lint", "check", "--isolated", "--no-cache", "-q",
                           "--no-progress", "--color", "never", "-j", "1", str(path)],
                          capture_output=True, text=True, timeout=600)
    _no_traceback(proc)
    assert proc.returncode == 1
    [line] = proc.stdout.splitlines()
    assert line.startswith(f"{path}:1:1: NL001 {NL001_PREFIX}cannot decode it"), line


def test_utf8_text_without_cookie_and_non_ascii_identifiers(tmp_path: Path) -> None:
    text = HANDLER.replace("data", "données").replace("chat", "discussion_ü")
    expected = {(8, text.splitlines()[7].index("websocket."), "NL101")}  # column in characters
    assert triples(check(text)) == expected
    path = write(tmp_path, "unicode_names.py", text)
    assert run_flake8(path) == expected
    assert run_cli(path) == expected


# -- line endings ---------------------------------------------------------------------------------

def _mixed(text: str) -> str:
    """Line i ends with \\n, \\r\\n or \\r in turn (a \\r before an empty line that ends
    in \\n would make one \\r\\n of two line ends: such a line gets \\r\\n instead)."""
    endings = ("\n", "\r\n", "\r")
    lines = text.split("\n")[:-1]
    out = []
    for i, line in enumerate(lines):
        end = endings[i % 3]
        if end == "\r" and i + 1 < len(lines) and lines[i + 1] == "" and endings[(i + 1) % 3] == "\n":
            end = "\r\n"
        out.append(line + end)
    text = "".join(out)
    assert len(text.splitlines()) == len(lines)
    return text


@pytest.mark.parametrize("newline", ["\r\n", "\r", "mixed"], ids=["crlf", "lone_cr", "mixed"])
def test_line_endings(tmp_path: Path, newline: str) -> None:
    text = _mixed(HANDLER) if newline == "mixed" else HANDLER.replace("\n", newline)
    assert triples(check(text)) == HANDLER_FINDINGS
    last = HANDLER_LAST.replace("\n", newline if newline != "mixed" else "\r")
    assert triples(check(last)) == HANDLER_LAST_FINDINGS

    path = write(tmp_path, "endings.py", text)
    assert run_flake8(path) == HANDLER_FINDINGS
    assert run_cli(path) == HANDLER_FINDINGS
    path = write(tmp_path, "endings_last.py", last)
    assert run_flake8(path) == HANDLER_LAST_FINDINGS
    assert run_cli(path) == HANDLER_LAST_FINDINGS


def test_no_final_newline(tmp_path: Path) -> None:
    assert triples(check(HANDLER_LAST)) == HANDLER_LAST_FINDINGS
    path = write(tmp_path, "no_newline.py", HANDLER_LAST)
    assert run_flake8(path) == HANDLER_LAST_FINDINGS
    assert run_cli(path) == HANDLER_LAST_FINDINGS


def test_form_feed_and_trailing_whitespace(tmp_path: Path) -> None:
    text = HANDLER.replace("\n\n\n@app", "\n\f\n\n@app").replace("accept()\n", "accept()   \t\n")
    assert triples(check(text)) == HANDLER_FINDINGS
    path = write(tmp_path, "formfeed.py", text)
    assert run_flake8(path) == HANDLER_FINDINGS
    assert run_cli(path) == HANDLER_FINDINGS


# -- NUL bytes, empty files ------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["comment", "string", "end"])
def test_nul_bytes(tmp_path: Path, where: str) -> None:
    text = {
        "comment": HANDLER.replace("app = FastAPI()", "app = FastAPI()  # \x00"),
        "string": HANDLER.replace('"/ws"', '"/w\x00s"'),
        "end": HANDLER + "\x00",
    }[where]
    finding = assert_one_clear_nl001(check(text), text)
    assert (finding.line, finding.col) == (1, 0)
    assert finding.message == NL001_PREFIX + "source contains a NUL byte; not valid Python source"
    path = write(tmp_path, "nul.py", text)
    assert flake8_lines(path, select="NL,E9") == [
        "nul.py:1:1: E999 SyntaxError: source code string cannot contain null bytes"]
    assert run_cli(path) == {(1, 0, "NL001")}


EMPTYISH = {
    "empty": "",
    "newline": "\n",
    "crlf_only": "\r\n",
    "whitespace": "   \n\t\n\n",
    "bom_only": "\ufeff",
    "comment_that_passes_the_screen": "# websocket thread_id global None _instance subprotocols\n",
    "docstring_only": '"""websocket run_id"""\n',
}


@pytest.mark.parametrize("name", sorted(EMPTYISH))
def test_empty_files(tmp_path: Path, name: str) -> None:
    text = EMPTYISH[name]
    assert check(text) == []
    path = write(tmp_path, f"{name}.py", text)
    assert run_flake8(path) == set()
    assert run_cli(path) == set()


# -- size -----------------------------------------------------------------------------------------

def big_module(target_bytes: int) -> tuple[str, set[tuple[int, int, str]]]:
    """~target_bytes of realistic code: handlers with one NL101 each, plain classes, data
    tables. Returns the text and the exact expected findings."""
    parts = ["from fastapi import FastAPI, WebSocket\n\napp = FastAPI()\n"]
    size = len(parts[0])
    line = parts[0].count("\n") + 1
    expected = set()
    i = 0
    while size < target_bytes:
        if i % 20 == 0:
            block = (f"\n\n@app.websocket('/ws/{i}')\nasync def endpoint_{i}(websocket: WebSocket):\n"
                     f"    data = await websocket.receive_text()\n    await websocket.accept()\n"
                     f"    await websocket.send_text(data)\n")
            expected.add((line + 4, 17, "NL101"))
        elif i % 2:
            block = (f"\n\nclass Point{i}:\n    \"\"\"A point.\"\"\"\n\n    def __init__(self, x, y):\n"
                     f"        self.x = x\n        self.y = y\n\n    def norm(self):\n        total = 0\n"
                     f"        for v in (self.x, self.y):\n            if v > 0:\n                total += v * v\n"
                     f"            else:\n                total -= v\n        return total ** 0.5\n")
        else:
            block = f"\nTABLE_{i} = (\n" + "".join(f"    {'x' * 100!r},\n" for _ in range(20)) + ")\n"
        parts.append(block)
        size += len(block)
        line += block.count("\n")
        i += 1
    return "".join(parts), expected


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_five_megabyte_file(tmp_path: Path) -> None:
    """Must finish (nothing asserted about time: speed is the benchmark's business)."""
    text, expected = big_module(5 * 1024 * 1024)
    assert len(text.encode()) >= 5 * 1024 * 1024
    assert triples(check(text)) == expected
    path = write(tmp_path, "big.py", text)
    assert run_flake8(path, timeout=1700) == expected
    # the command line skips files past max-file-size (2 MiB by default) with one NL001
    assert run_cli(path, timeout=1700) == {(1, 0, "NL001")}


# -- deep nesting ---------------------------------------------------------------------------------

N = 1000
DEEP_EXPRESSIONS = {
    # CPython accepts these at depth 1000 (flake8 builds its tree and runs the plugin)
    "binary_op": " + ".join(["1"] * N),
    "unary_minus": "-" * N + "1",
    "not": "not " * N + "x",
    "attribute_chain": "websocket" + ".a" * N,
    "call_chain": "f" + "()" * N,
    "subscript_chain": "a" + "[0]" * N,
    "boolean_chain": " and ".join(["a"] * N),
    "conditional": "1 if y else " * N + "2",
    "lambda": "lambda: " * N + "2",
    "power": "**".join(["2"] * N),
    "string_concatenation": " ".join(["'a'"] * N),
    "comparison_chain": " < ".join(["a"] * N),
    # brackets: CPython rejects more than 200 levels ("too many nested parentheses")
    "parentheses": "(" * N + "1" + ")" * N,
    "lists": "[" * N + "1" + "]" * N,
    "calls": "f(" * N + "1" + ")" * N,
    "calls_200": "f(" * 200 + "1" + ")" * 200,
}


def _deep(expression: str) -> str:
    return ("from fastapi import FastAPI, WebSocket\n\napp = FastAPI()\n\n\n"
            "@app.websocket('/ws')\nasync def chat(websocket: WebSocket):\n"
            f"    value = {expression}\n"
            "    await websocket.send_text(value)\n")


# The one right outcome per shape. Valid Python (CPython accepts it): the handler's NL101 at
# the send (line 9, column 10), through the API and the command. flake8 runs pyflakes too,
# and pyflakes' recursive visitor exceeds the recursion limit on most of these trees: flake8
# then abandons the whole file and prints only '"pyflakes[F]" failed during execution'
# (not netra-lint's to fix, and not a netra-lint failure); on the flat-in-pyflakes shapes it
# prints the NL101. Brackets deeper than 200: CPython's "too many nested parentheses" at the
# 201st opening bracket ("    value = " is 12 characters), NL001 there, and E999 in flake8
# one column further right (flake8 prints CPython's 1-based offset plus one).
PYFLAKES_FAILS = {(0, 0, "PLUGIN-FAILED:pyflakes[F]")}
DEEP_NL101 = {(9, 10, "NL101")}
TOO_MANY_PARENTHESES = "not valid Python: too many nested parentheses"
DEEP_EXPECTED = {  # shape -> (API and command findings, flake8 findings, NL001 message or None)
    "binary_op": (DEEP_NL101, PYFLAKES_FAILS, None),
    "unary_minus": (DEEP_NL101, PYFLAKES_FAILS, None),
    "not": (DEEP_NL101, PYFLAKES_FAILS, None),
    "attribute_chain": (DEEP_NL101, PYFLAKES_FAILS, None),
    "call_chain": (DEEP_NL101, PYFLAKES_FAILS, None),
    "subscript_chain": (DEEP_NL101, PYFLAKES_FAILS, None),
    "boolean_chain": (DEEP_NL101, DEEP_NL101, None),
    "conditional": (DEEP_NL101, PYFLAKES_FAILS, None),
    "lambda": (DEEP_NL101, DEEP_NL101, None),
    "power": (DEEP_NL101, PYFLAKES_FAILS, None),
    "string_concatenation": (DEEP_NL101, DEEP_NL101, None),
    "comparison_chain": (DEEP_NL101, DEEP_NL101, None),
    "parentheses": ({(8, 12 + 200, "NL001")}, {(8, 12 + 200 + 1, "E999")}, TOO_MANY_PARENTHESES),
    "lists": ({(8, 12 + 200, "NL001")}, {(8, 12 + 200 + 1, "E999")}, TOO_MANY_PARENTHESES),
    "calls": ({(8, 12 + 2 * 200 + 1, "NL001")}, {(8, 12 + 2 * 200 + 2, "E999")}, TOO_MANY_PARENTHESES),
    "calls_200": (DEEP_NL101, DEEP_NL101, None),
}


def test_deep_expectations_cover_every_shape() -> None:
    assert set(DEEP_EXPECTED) == set(DEEP_EXPRESSIONS)


@pytest.mark.parametrize("shape", list(DEEP_EXPRESSIONS))
def test_expression_nested_1000_deep(tmp_path: Path, shape: str) -> None:
    text = _deep(DEEP_EXPRESSIONS[shape])
    expected, expected_flake8, nl001 = DEEP_EXPECTED[shape]
    assert (cpython_syntax_error(text) is None) == (nl001 is None)
    findings = check(text)
    assert triples(findings) == expected
    if nl001 is not None:
        assert assert_one_clear_nl001(findings, text).message == NL001_PREFIX + nl001
    path = write(tmp_path, f"deep_{shape}.py", text)
    assert run_flake8(path, select="NL,E999") == expected_flake8
    assert run_cli(path) == expected


def test_blocks_nested_to_the_indentation_limit(tmp_path: Path) -> None:
    """CPython allows 100 indentation levels: 98 nested ifs in a handler."""
    depth = 98
    body = "".join("    " * (d + 1) + f"if c{d}:\n" for d in range(depth))
    body += "    " * (depth + 1) + "await websocket.receive_text()\n"
    text = ("from fastapi import WebSocket\n\n\nasync def chat(websocket: WebSocket):\n" + body
            + "    await websocket.accept()\n")
    expected = {(5 + depth, 4 * (depth + 1) + 6, "NL101")}  # the receive, 99 levels in
    assert triples(check(text)) == expected
    path = write(tmp_path, "nested_blocks.py", text)
    assert run_flake8(path) == expected
    assert run_cli(path) == expected


def test_nested_functions(tmp_path: Path) -> None:
    """A route registered inside 50 nested factory functions is still analysed.

    Regression: from two nested functions on, routes were not analysed at all (``def
    outer(): def inner(): @app.websocket("/ws") async def chat(websocket): await
    websocket.receive_text()`` reported nothing)."""
    depth = 50
    text = "from fastapi import FastAPI, WebSocket\n\napp = FastAPI()\n\n"
    for d in range(depth):
        text += "    " * d + f"def outer_{d}():\n"
    text += "    " * depth + "@app.websocket('/ws')\n"
    text += "    " * depth + "async def chat(websocket: WebSocket):\n"
    text += "    " * (depth + 1) + "await websocket.receive_text()\n"
    text += "    " * depth + "return chat\n"
    expected = {(depth + 7, 4 * (depth + 1) + 6, "NL101")}  # the receive in the innermost route
    assert triples(check(text)) == expected
    path = write(tmp_path, "nested_functions.py", text)
    assert run_flake8(path) == expected
    assert run_cli(path) == expected


BOOLEAN_CHAIN = "a boolean chain of over 2000 operands is beyond libcst's parser"
DOTTED_NAME = "a dotted name of over 2000 parts is beyond libcst's parser"
LONG_FLAT_IN_CPYTHON = {
    # flat lists in CPython's ast (it accepts them), one nesting level per element in libcst
    "and_chain_10000": _deep(" and ".join(["a"] * 10_000)),
    "or_chain_10000": _deep(" or ".join(["a"] * 10_000)),
    # as black formats a long condition: one operand per line, the operator first
    "and_chain_black_style": _deep("(\n        a\n" + "".join("        and a\n" for _ in range(10_000)) + "    )"),
    # the operator last on each line (regression: the guard once missed this form: SIGSEGV)
    "and_chain_trailing_operators": _deep("(\n" + " and\n".join(["        a"] * 10_000) + "\n    )"),
    "dotted_import_10000": "import " + ".".join(f"a{i}" for i in range(10_000)) + "\n" + HANDLER,
}
# shape -> the one NL001: (line, 0-based column, reason). A one-line chain is reported at
# its statement (line 8, column 0); a parenthesised one at its first operand (line 9,
# column 8); the dotted import at line 1.
LONG_FLAT_EXPECTED = {
    "and_chain_10000": (8, 0, BOOLEAN_CHAIN),
    "or_chain_10000": (8, 0, BOOLEAN_CHAIN),
    "and_chain_black_style": (9, 8, BOOLEAN_CHAIN),
    "and_chain_trailing_operators": (9, 8, BOOLEAN_CHAIN),
    "dotted_import_10000": (1, 0, DOTTED_NAME),
}
_CHECK_IN_A_CHILD = ("import sys; from netra_lint.api import check_source; "
                     "print(repr([(f.line, f.code, f.message) for f in "
                     "check_source(open(sys.argv[1]).read(), sys.argv[1])]))")


@pytest.mark.parametrize("shape", list(LONG_FLAT_IN_CPYTHON))
def test_long_chains_do_not_crash_the_process(tmp_path: Path, shape: str) -> None:
    """Regression: libcst's native parser overflows the C stack (SIGSEGV, which no except
    clause catches) on a boolean chain of ~7,050+ operands or a dotted name of ~5,950+
    parts (LibCST#1000), both of which CPython accepts. flake8 died on one such file and
    hung with -j 2 (a dead pool worker). engine/source.py now refuses them before libcst
    with one NL001 at their line. Each check runs in a child process so that a crash
    fails the test instead of killing the test run."""
    text = LONG_FLAT_IN_CPYTHON[shape]
    assert cpython_syntax_error(text) is None
    path = write(tmp_path, f"{shape}.py", text)
    proc = subprocess.run([PY, "-c", _CHECK_IN_A_CHILD, str(path)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"check_source killed the process (exit {proc.returncode})"
    line, col, reason = LONG_FLAT_EXPECTED[shape]
    assert eval(proc.stdout) == [(line, "NL001", NL001_PREFIX + reason)]
    shown = f"{line}:{col + 1}: NL001 {NL001_PREFIX}{reason}"
    assert flake8_lines(path) == [f"{path.name}:{shown}"]
    twin = write(tmp_path, f"{shape}_twin.py", text)
    # flake8 -j 2 hung on two such files before the fix (a dead pool worker)
    assert sorted(flake8_lines(path, twin, extra=("-j", "2"))) == [f"{path.name}:{shown}", f"{twin.name}:{shown}"]
    assert run_cli(path) == {(line, col, "NL001")}


def test_long_implicit_string_concatenation(tmp_path: Path) -> None:
    """A 600-line implicit string concatenation (a help text, an SQL constant; the stdlib's
    pydoc_data/topics.py has one of 2,215 pieces) next to a handler with one NL101.

    Regression: libcst nests ``"a" "b" "c"`` as ConcatenatedString(left, right=
    ConcatenatedString(...)); positioning the finding (engine/positions.py runs libcst's
    recursive code generator) exceeded the recursion limit from about 450 pieces and the
    file's findings became NL001 "it is nested too deeply"."""
    pieces = "".join(f'    "line {i} of the help text\\n"\n' for i in range(600))
    text = ("from fastapi import FastAPI, WebSocket\n\napp = FastAPI()\nHELP = (\n" + pieces + ")\n\n\n"
            "@app.websocket('/ws')\nasync def chat(websocket: WebSocket):\n"
            "    data = await websocket.receive_text()\n")
    line = len(text.splitlines())
    assert triples(check(text)) == {(line, 17, "NL101")}
    path = write(tmp_path, "concatenation.py", text)
    assert run_flake8(path) == {(line, 17, "NL101")}


def test_long_implicit_string_concatenation_in_a_handshake_file(tmp_path: Path) -> None:
    """The same with 1,200 pieces, in a handler that reads the offered subprotocols and
    accepts without choosing one (NL401).

    Regression: ``engine/module.py:string_value`` recursed once per piece of a
    ConcatenatedString and NL401 calls it on every string node, so from ~1,000 pieces the
    file got NL001 "it is nested too deeply" instead of its NL401 (the same failure as
    pydoc_data/topics.py in the corpus test)."""
    pieces = "".join(f'    "line {i} of the help text\\n"\n' for i in range(1200))
    text = ("from fastapi import FastAPI, WebSocket\n\napp = FastAPI()\nHELP = (\n" + pieces + ")\n\n\n"
            "@app.websocket('/ws')\nasync def chat(websocket: WebSocket):\n"
            "    offered = websocket.headers.get('sec-websocket-protocol')\n"
            "    await websocket.accept()\n")
    line = len(text.splitlines())
    assert triples(check(text)) == {(line, 10, "NL401")}
    path = write(tmp_path, "concatenation_handshake.py", text)
    assert run_flake8(path) == {(line, 10, "NL401")}


# -- long functions ---------------------------------------------------------------------------------

def _sequential(accepted: bool, count: int = 1000) -> tuple[str, int]:
    """A handler with `count` if/else and `count` try/except statements in a row."""
    lines = ["from fastapi import FastAPI, WebSocket", "", "app = FastAPI()", "", "",
             "@app.websocket('/ws')", "async def chat(websocket: WebSocket, flag: int):"]
    if accepted:
        lines.append("    await websocket.accept()")
    else:
        lines += ["    if flag:", "        await websocket.accept()"]
    for i in range(count):
        send = [f"        await websocket.send_text('{i}')"] if accepted else []
        lines += [f"    if flag > {i}:", f"        x = {i}", *send, "    else:", f"        x = -{i}",
                  "    try:", f"        y = int(x) + {i}", *send, "    except ValueError:", "        y = 0"]
    if accepted:
        lines += ["    await websocket.close()", "    await websocket.send_text(str(y))"]
    else:
        lines += ["    await websocket.send_text(str(y))"]
    return "\n".join(lines) + "\n", len(lines)


@pytest.mark.parametrize("accepted", [False, True], ids=["accept_in_one_branch", "accepted_then_closed"])
def test_two_thousand_sequential_if_and_try_statements(tmp_path: Path, accepted: bool) -> None:
    """Must finish, with exactly the one finding: NL101 (accept only in the first `if`) or
    NL104 (a send after the close), both at the last line; no report inside the 2,000
    statements (near-linear dataflow is measured in the benchmark, not asserted here)."""
    text, last = _sequential(accepted)
    expected = {(last, 10, "NL104" if accepted else "NL101")}
    assert triples(check(text)) == expected
    path = write(tmp_path, "sequential.py", text)
    assert run_flake8(path) == expected
    assert run_cli(path) == expected


# -- newer syntax ---------------------------------------------------------------------------------

PY312 = {
    "type_statement": "type UserId = int\n",
    "generic_type_alias": "type Pair[T] = tuple[T, T]\n",
    "generic_function": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "generic_class": "class Box[T: (int, str), *Ts, **P]:\n    pass\n",
    "nested_quotes_fstring": 'names = {"a": 1}\nlabel = f"{names["a"]}"\n',
}
PY313 = {"type_parameter_default": "def pick[T = int](x: T) -> T:\n    return x\n"}


@pytest.mark.parametrize("name", sorted(PY312) + sorted(PY313))
def test_newer_python_syntax(name: str) -> None:
    """3.12 syntax (PEP 695 type statements and generics, PEP 701 f-strings) and 3.13's
    type parameter defaults: libcst parses them all, so they are analysed whatever the
    interpreter (flake8 on an interpreter that cannot parse them reports E999 itself, so
    only check_source is tested)."""
    snippet = {**PY312, **PY313}[name]
    text = HANDLER + "\n\n" + snippet
    assert triples(check(text)) == HANDLER_FINDINGS


def test_generic_websocket_handler() -> None:
    text = HANDLER.replace("async def chat(websocket", "async def chat[T](websocket")
    assert triples(check(text)) == HANDLER_FINDINGS  # analysed under any interpreter


MATCH_PREFIX = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def chat(websocket: WebSocket, mode: str):
'''
MATCH_CASES = {
    # accept in one case only: the receive after the match is NL101
    "accept_in_one_case": ('''\
    match mode:
        case "a":
            await websocket.accept()
        case _:
            pass
    data = await websocket.receive_text()
''', {(13, 17, "NL101")}),
    "accept_in_every_case": ('''\
    match mode:
        case "a":
            await websocket.accept()
        case _:
            await websocket.accept()
    data = await websocket.receive_text()
''', set()),
    # no irrefutable case: the subject can match none of them
    "no_wildcard_case": ('''\
    match mode:
        case "a":
            await websocket.accept()
        case "b":
            await websocket.accept()
    data = await websocket.receive_text()
''', {(13, 17, "NL101")}),
    "other_case_returns": ('''\
    match mode:
        case "a" | "b":
            await websocket.accept()
        case _:
            await websocket.close()
            return
    data = await websocket.receive_text()
''', set()),
    "send_in_a_mapping_case": ('''\
    match mode:
        case {"kind": kind, **rest}:
            await websocket.send_text(kind)
        case [first, *others] if first:
            pass
    await websocket.accept()
''', {(10, 18, "NL101")}),
    "close_in_a_case": ('''\
    await websocket.accept()
    match mode:
        case Point(x=0, y=_):
            await websocket.close()
        case _:
            pass
    await websocket.send_text("x")
''', {(14, 10, "NL104")}),
    "soft_keywords_as_names": ('''\
    match = {"mode": mode}
    case = 1
    type = match
    await websocket.accept()
    data = await websocket.receive_text()
''', set()),
}


@pytest.mark.parametrize("name", list(MATCH_CASES))
def test_match_statement(tmp_path: Path, name: str) -> None:
    body, expected = MATCH_CASES[name]
    text = MATCH_PREFIX + body
    assert triples(check(text)) == expected
    path = write(tmp_path, f"match_{name}.py", text)
    assert run_flake8(path) == expected
    assert run_cli(path) == expected


def test_soft_keyword_alias_of_websocket() -> None:
    """Regression: an alias of the websocket was not followed. ``match = websocket`` (any
    name: ``conn = websocket`` did the same) then ``await match.accept()`` accepts the
    websocket, yet the later ``websocket.receive_text()`` was reported as NL101."""
    text = MATCH_PREFIX + ("    match = websocket\n"
                           "    await match.accept()\n"
                           "    data = await websocket.receive_text()\n")
    assert triples(check(text)) == set()


# -- the command's exit codes ---------------------------------------------------------------------

def test_cli_usage_error_exits_2_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run([PY, "-m", "netra_lint", "check", "--no-such-option", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    _no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stderr.strip(), "a usage error says what is wrong"


def test_cli_directory_of_bad_files(tmp_path: Path) -> None:
    """Several bad files in one run (worker processes): each gets its result, exit 1."""
    files = {"syntax.py": SYNTAX_ERRORS["unclosed_paren"], "nul.py": HANDLER + "\x00",
             "crlf.py": HANDLER.replace("\n", "\r\n"), "empty.py": "", "ok.py": HANDLER}
    for name, text in files.items():
        write(tmp_path, name, text)
    write(tmp_path, "latin1.py", LATIN1_SOURCE.encode("latin-1"))
    proc = subprocess.run([PY, "-m", "netra_lint", "check", "--isolated", "--no-cache", "-q",
                           "--no-progress", "--color", "never", "-j", "2", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    _no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    codes: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        match = OUTPUT_LINE.match(line)
        assert match, line
        codes.setdefault(Path(match.group("path")).name, []).append(match.group("code"))
    assert codes == {"syntax.py": ["NL001"], "nul.py": ["NL001"], "crlf.py": ["NL101"],
                     "ok.py": ["NL101"], "latin1.py": ["NL101"]}
