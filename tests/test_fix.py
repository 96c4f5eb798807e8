"""Automatic fixes: libcst replacements by node identity, formatting kept, re-parsed,
idempotent, written atomically (mode and line endings kept), unchanged files untouched."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from netra_lint import fixes
from netra_lint.api import analyse_source, check_source
from netra_lint.cli import cli
from netra_lint.finding import Finding
from netra_lint.fixes import SourceFile, apply_fixes, fix_text, write_atomic

ROOT = Path(__file__).resolve().parent.parent

BUGGY = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def chat(websocket: WebSocket):
    # accept first
    websocket.accept( )   # keep this comment
    async for prompt in websocket.iter_text():
        await websocket.send_text(f"you said {prompt}")


@app.websocket("/other")
async def other(websocket: WebSocket):
    (websocket.accept())
    await websocket.send_text("hi")
'''

FIXED = BUGGY.replace("    websocket.accept( )   # keep", "    await websocket.accept( )   # keep").replace(
    "    (websocket.accept())", "    await (websocket.accept())")


def test_nl102_fix_keeps_formatting_and_comments() -> None:
    result = fix_text(BUGGY)
    assert result.text == FIXED
    assert [f.code for f in result.fixed] == ["NL102", "NL102"]
    assert result.remaining == [] and result.changed
    cst.parse_module(result.text)
    compile(result.text, "<fixed>", "exec")


def test_fix_is_idempotent() -> None:
    once = fix_text(BUGGY).text
    again = fix_text(once)
    assert again.text == once and not again.changed and again.fixed == []


def test_fix_of_the_example_matches_the_fixed_example() -> None:
    buggy = (ROOT / "examples" / "accept" / "nl102_buggy.py").read_text(encoding="utf-8")
    result = fix_text(buggy, "nl102_buggy.py")
    assert "    await websocket.accept()  # error: NL102\n" in result.text
    assert not [f for f in check_source(result.text) if f.code == "NL102"]


def test_fix_respects_select_and_noqa() -> None:
    silenced = BUGGY.replace("# keep this comment", "# noqa: NL102")
    result = fix_text(silenced)
    assert "    websocket.accept( )   # noqa: NL102" in result.text
    assert "await (websocket.accept())" in result.text
    assert not fix_text(BUGGY, select=["NL101"]).changed


def test_fix_never_produces_code_python_rejects() -> None:
    """NL102 in a plain def: 'await' would parse (libcst) but not compile, so no fix."""
    text = '''\
from fastapi import WebSocket


def helper(websocket: WebSocket):
    websocket.accept()
'''
    assert [f.code for f in check_source(text)] == ["NL102"]
    result = fix_text(text)
    assert result.text == text and not result.changed
    assert [f.code for f in result.remaining] == ["NL102"]


def test_unsafe_fixes_only_with_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    def analyse_with_unsafe_fix(text, filename="<string>", settings=None, select=None):
        module, findings = analyse_source(text, filename, settings, select)
        return module, [Finding(f.line, f.col, f.code, f.message, f.fix, fix_safe=False) for f in findings]

    monkeypatch.setattr(fixes, "analyse_source", analyse_with_unsafe_fix)
    assert not fix_text(BUGGY).changed
    assert fix_text(BUGGY, unsafe=True).text == FIXED


def test_nested_replacements_take_two_passes() -> None:
    module = cst.parse_module("x = f(g(1))\n")
    outer = module.body[0].body[0].value
    inner = outer.args[0].value
    findings = [
        Finding(1, 4, "NL999", "outer", (outer, outer.with_changes(func=cst.Name("F")))),
        Finding(1, 6, "NL999", "inner", (inner, inner.with_changes(func=cst.Name("G")))),
    ]
    text, made = apply_fixes(module, findings)
    assert text == "x = F(g(1))\n" and [f.message for f in made] == ["outer"]


# -- files ---------------------------------------------------------------------------------

def run_fix(*args: str) -> object:
    return CliRunner().invoke(cli, ["fix", "--isolated", *args])


def test_fix_command_writes_atomically_keeping_mode_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_bytes(BUGGY.replace("\n", "\r\n").encode())
    os.chmod(path, 0o754)
    clean = tmp_path / "clean.py"
    clean.write_text("x = 1\n")
    before = clean.stat()

    result = run_fix(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == FIXED.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o754
    assert "Fixed 2 findings in 1 file; 0 remaining." in result.stderr
    after = clean.stat()  # never rewritten
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_fix_keeps_encoding_and_bom(tmp_path: Path) -> None:
    latin = tmp_path / "latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\n# café\n" + BUGGY).encode("latin-1"))
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + BUGGY.encode())
    assert run_fix(str(tmp_path)).exit_code == 0
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\n# café\n" + FIXED).encode("latin-1")
    assert bom.read_bytes() == b"\xef\xbb\xbf" + FIXED.encode()


def test_fix_follows_symlinks(tmp_path: Path) -> None:
    target = tmp_path / "real.py"
    target.write_text(BUGGY)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    assert run_fix(str(link)).exit_code == 0
    assert link.is_symlink() and target.read_text() == FIXED


def test_diff_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(BUGGY)
    result = run_fix("--diff", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"--- {path.as_posix()}\n+++ {path.as_posix()}\n@@ -6,12 +6,12 @@")
    assert "-    websocket.accept( )   # keep this comment\n" in result.stdout
    assert "+    await websocket.accept( )   # keep this comment\n" in result.stdout
    assert path.read_text() == BUGGY
    path.write_text(FIXED)
    assert run_fix("--diff", str(path)).exit_code == 0


def test_fix_reports_what_is_left(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(BUGGY + '''

@app.websocket("/early")
async def early(websocket: WebSocket):
    await websocket.send_text("too early")
''')
    result = run_fix(str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}:22:11: NL101 ")
    assert "NL102" not in result.stdout
    assert "1 remaining" in result.stderr


def test_atomic_write_leaves_the_original_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "app.py"
    path.write_text(BUGGY)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(path, FIXED.encode())
    assert path.read_text() == BUGGY
    assert [p.name for p in tmp_path.iterdir()] == ["app.py"]


def test_source_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mixed.py"
    raw = b"x = 1\r\ny = 2\nz = 3\r\n"
    path.write_bytes(raw)
    source = SourceFile.read(path)
    assert source.text == raw.decode() and source.encode(source.text) == raw


def test_fix_through_a_subprocess(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "app.py"
    path.write_text(BUGGY)
    proc = subprocess.run([sys.executable, "-m", "netra_lint", "fix", "--isolated", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert path.read_text() == FIXED
