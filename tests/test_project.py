"""Project mode: a file is analysed with what the rest of its project does.

The fixture project ``tests/project_fixtures/chatapp`` (a project of its own: it has a
pyproject.toml) uses every import style the resolver must follow: relative and absolute
imports, an ``import ... as`` alias, a re-export from ``__init__``, a method through
``self.x`` of a class assigned in ``__init__``, a dispatch over a registry of handler
objects, a cycle between two modules and a module outside the project. Its annotations
(``# error: NLxxx``) are the exact findings, in every module, both ways.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netra_lint.api import check_source
from netra_lint.engine import project as project_mode
from netra_lint.settings import Settings
from tests.harness import expected_from_annotations, run_flake8

FIXTURE = Path(__file__).resolve().parent / "project_fixtures" / "chatapp"
PACKAGE = "chatapp"


def annotated(root: Path) -> set[tuple[str, int, str]]:
    out = set()
    for path in sorted((root / PACKAGE).rglob("*.py")):
        for line, code in expected_from_annotations(path):
            out.add((path.relative_to(root).as_posix(), line, code))
    return out


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the fixture project, with its own summary cache."""
    root = tmp_path / "chatapp"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(".netra-lint-cache", "__pycache__"))
    monkeypatch.delenv("NETRA_LINT_CACHE_DIR", raising=False)
    project_mode.forget_projects()
    yield root
    project_mode.forget_projects()


def check_tree(root: Path, settings: Settings | None = None) -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted((root / PACKAGE).rglob("*.py")):
        for finding in check_source(path.read_text(encoding="utf-8"), str(path), settings):
            found.add((path.relative_to(root).as_posix(), finding.line, finding.code))
    return found


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netra_lint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def cli_findings(proc: subprocess.CompletedProcess) -> set[tuple[str, int, str]]:
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return {(f["filename"].replace(os.sep, "/"), f["line"], f["code"])
            for f in json.loads(proc.stdout)}


def test_the_fixture_project_is_annotated() -> None:
    expected = annotated(FIXTURE)
    assert len(expected) == 9
    assert {code for _, _, code in expected} == {"NL101", "NL104", "NL105", "NL107", "NL108", "NL201"}


def test_project_mode_reports_exactly_the_annotated_lines(project: Path) -> None:
    assert check_tree(project) == annotated(project)


def test_flake8_reports_exactly_the_annotated_lines(project: Path) -> None:
    found = run_flake8(project / PACKAGE)
    got = {(Path(path).relative_to(project).as_posix(), line, code)
           for path, pairs in found.items() for line, code in pairs}
    assert got == annotated(project)


def test_the_cli_reports_exactly_the_annotated_lines(project: Path) -> None:
    proc = cli("check", "--isolated", "--format", "json", PACKAGE, cwd=project)
    assert cli_findings(proc) == annotated(project)


def test_nl107_names_the_caller_in_another_module_that_drops_the_value(project: Path) -> None:
    path = project / PACKAGE / "handlers.py"
    messages = [f.message for f in check_source(path.read_text(), str(path)) if f.code == "NL107"]
    assert messages and all(
        "chatapp/routes/ws.py:26 ignores the False returned here and receives again" in m
        for m in messages), messages
    send = project / PACKAGE / "util" / "send.py"
    [message] = [f.message for f in check_source(send.read_text(), str(send)) if f.code == "NL107"]
    assert "chatapp/routes/ws.py:32 ignores the False returned here;" in message


def test_no_project_analyses_each_file_alone(project: Path) -> None:
    alone = check_tree(project, Settings(project=False))
    together = annotated(project)
    # what only the other modules reveal is gone: the handlers' callers, the helpers that
    # accept, close or do not accept
    assert ("chatapp/routes/ws.py", 50, "NL101") not in alone
    assert ("chatapp/routes/ws.py", 56, "NL105") not in alone
    assert ("chatapp/routes/ws.py", 62, "NL104") not in alone
    assert ("chatapp/routes/ws.py", 79, "NL104") not in alone  # the imported Depends
    assert ("chatapp/routes/ws.py", 85, "NL201") not in alone  # what track() does
    assert ("chatapp/handlers.py", 13, "NL107") not in alone
    # what one module shows on its own stays
    assert ("chatapp/util/live.py", 6, "NL108") in alone
    assert alone < together | alone and alone != together
    proc = cli("check", "--isolated", "--no-project", "--no-cache", "--format", "json", PACKAGE,
               cwd=project)
    assert {(p.removeprefix("./"), line, code) for p, line, code in cli_findings(proc)} == alone
    found = run_flake8(project / PACKAGE, extra=("--netra-no-project",))
    assert {(Path(p).relative_to(project).as_posix(), line, code)
            for p, pairs in found.items() for line, code in pairs} == alone


def test_a_second_run_reads_summaries_instead_of_parsing(project: Path) -> None:
    routes = project / PACKAGE / "routes" / "ws.py"
    text = routes.read_text()
    first = check_source(text, str(routes))
    cold = project_mode.project_for(routes, Settings())
    assert cold.modules_parsed > 0
    assert list((project / ".netra-lint-cache" / "summaries").glob("*.json"))
    project_mode.forget_projects()  # a new process: nothing in memory
    second = check_source(text, str(routes))
    warm = project_mode.project_for(routes, Settings())
    assert warm is not cold
    assert second == first
    assert warm.modules_parsed == 0  # every fact came from the store


def write_helper(project: Path, accepts: bool) -> None:
    send = project / PACKAGE / "util" / "send.py"
    text = send.read_text()
    old = '    # registers the user; never accepts\n    logger.info("user %s connected", user_id)\n'
    new = '    logger.info("user %s connected", user_id)\n    await websocket.accept()\n'
    send.write_text(text.replace(old, new) if accepts else text.replace(new, old))


@pytest.mark.parametrize("front_end", ["flake8", "cli"])
def test_editing_a_helper_changes_the_findings_of_its_importer(project: Path, front_end: str) -> None:
    def run() -> set[tuple[str, int, str]]:
        project_mode.forget_projects()
        if front_end == "cli":  # with its result cache, which must notice the helper's edit
            return {(p.removeprefix("./"), line, code)
                    for p, line, code in cli_findings(cli("check", "--isolated", "--format", "json",
                                                          PACKAGE, cwd=project))}
        found = run_flake8(project / PACKAGE)
        return {(Path(p).relative_to(project).as_posix(), line, code)
                for p, pairs in found.items() for line, code in pairs}

    before = run()
    assert ("chatapp/routes/ws.py", 50, "NL101") in before
    assert run() == before  # warm: the same answer
    write_helper(project, accepts=True)
    after = run()
    assert ("chatapp/routes/ws.py", 50, "NL101") not in after
    assert after == before - {("chatapp/routes/ws.py", 50, "NL101")}
    write_helper(project, accepts=False)
    assert run() == before


@pytest.mark.parametrize("damage", ["garbage", "wrong-structure", "foreign-version", "forged-facts"])
def test_a_damaged_or_foreign_summary_entry_is_ignored(project: Path, damage: str) -> None:
    expected = annotated(project)
    assert check_tree(project) == expected  # fills the store
    entries = list((project / ".netra-lint-cache" / "summaries").glob("*.json"))
    assert entries
    for entry in entries:
        data = json.loads(entry.read_text())
        if damage == "garbage":
            entry.write_bytes(b"\x00not json{")
        elif damage == "wrong-structure":
            entry.write_text(json.dumps({"a.py": "x"}))
        elif damage == "foreign-version":
            entry.write_text(json.dumps({**data, "key": "another-version"}))
        else:  # the right key, but facts of the wrong shape
            facts = {k: "zzz" for k in data["facts"]}
            entry.write_text(json.dumps({**data, "facts": facts}))
    project_mode.forget_projects()
    assert check_tree(project) == expected


def test_a_file_outside_any_project_is_analysed_alone(tmp_path: Path) -> None:
    lone = tmp_path / "lone.py"
    lone.write_text("from fastapi import WebSocket\n\n\nasync def h(websocket: WebSocket):\n"
                    "    await websocket.send_text('x')\n")
    assert project_mode.find_root(lone) is None or project_mode.project_for(lone, Settings()) is None \
        or project_mode.project_for(lone, Settings()).module_name(lone) is not None
    assert check_source(lone.read_text(), str(lone)) == []


def test_module_names_follow_packages_and_the_root(project: Path) -> None:
    files = project_mode.ProjectFiles(project)
    ws = project / PACKAGE / "routes" / "ws.py"
    assert files.module_name(ws) == "chatapp.routes.ws"
    assert files.by_name["chatapp"] == project / PACKAGE / "__init__.py"
    p = project_mode.Project(files, Settings(), None)
    assert p.absolute("..handlers.Router", "chatapp.routes.ws") == "chatapp.handlers.Router"
    assert p.absolute(".ws", "chatapp.routes") == "chatapp.routes.ws"
    kind, function = p.resolve("chatapp.safe_send")  # through the re-export
    assert kind == "function" and function.where == "chatapp.util.send.safe_send"
    kind, cls = p.resolve("chatapp.handlers.Router")
    assert (kind, cls) == ("class", ("chatapp.handlers", "Router"))
    assert [m.where for m in p.methods_named("handle_incoming", "chatapp.handlers")] == [
        "chatapp.handlers.PingHandler.handle_incoming", "chatapp.handlers.EchoHandler.handle_incoming"]
