"""The ``netra-lint`` command: click's CliRunner for behaviour, and real subprocesses (the
console script's ``python -m netra_lint``, a pseudo-terminal for colour, worker processes
for --jobs, an installed wheel for ``explain``)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from netra_lint import cli as cli_module
from netra_lint.cli import Progress, cli
from netra_lint.codes import RULES
from netra_lint.config import Config

ROOT = Path(__file__).resolve().parent.parent

NL102 = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def chat(websocket: WebSocket):
    websocket.accept()
    async for prompt in websocket.iter_text():
        await websocket.send_text(prompt)
'''
NL101 = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/early")
async def early(websocket: WebSocket):
    await websocket.send_text("too early")
'''
CLEAN = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def chat(websocket: WebSocket):
    await websocket.accept()
    await websocket.send_text("hello")
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory as the working directory, with a bug of each kind and a clean file."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "accept.py").write_text(NL102)
    (tmp_path / "app" / "early.py").write_text(NL101)
    (tmp_path / "app" / "clean.py").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NETRA_LINT_CACHE_DIR", str(tmp_path / ".cache"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


def one_line_error(result: Result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("netra-lint: error: "), result.stderr
    for part in parts:
        assert part in lines[0]


# -- check ---------------------------------------------------------------------------------

def test_check_reports_and_exits_1(project: Path) -> None:
    result = run("check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "app/accept.py:8:5: NL102 'websocket.accept()' is not awaited: the coroutine is dropped "
        "and the connection is never accepted; write 'await websocket.accept()'",
        "app/early.py:8:11: NL101 websocket 'websocket' is used by send_text() before "
        "'await websocket.accept()' on some path",
    ]
    assert result.stderr == ("Found 2 findings in 2 files (3 checked). "
                             "1 fixable with 'netra-lint fix'.\n")


def test_clean_exits_0_and_exit_zero(project: Path) -> None:
    result = run("check", "app/clean.py")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == "No findings in 1 file.\n"
    assert run("check", "--exit-zero", "-q").exit_code == 0


def test_select_and_ignore_by_code_or_prefix(project: Path) -> None:
    assert {line.split()[1] for line in run("check", "--select", "NL102").stdout.splitlines()} == {"NL102"}
    assert {line.split()[1] for line in run("check", "--ignore", "NL102").stdout.splitlines()} == {"NL101"}
    assert run("check", "--select", "NL3").exit_code == 0
    assert run("check", "--select", "NL1", "--ignore", "NL10").exit_code == 0
    one_line_error(run("check", "--select", "E501"), "--select: 'E501' is not a netra-lint code")
    one_line_error(run("check", "--ignore", "XYZ"), "--ignore: 'XYZ'")


def test_pyproject_configuration_applies(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.netra-lint]\nper-file-ignores = { "app/early.py" = ["NL101"] }\n'
        'extend-exclude = ["accept.py"]\n')
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "(2 checked)" in result.stderr or "No findings in 2 files." in result.stderr
    assert run("check", "--isolated").exit_code == 1  # the configuration is ignored


def test_bad_config_and_bad_paths_are_one_line_exit_2(project: Path) -> None:
    one_line_error(run("check", "missing_dir"), "missing_dir: no such file or directory")
    (project / "pyproject.toml").write_text("[tool.netra-lint]\nwebsocket_types = ['x']\n")
    one_line_error(run("check"), "pyproject.toml: [tool.netra-lint]: unknown key 'websocket_types'",
                   "did you mean 'websocket-types'?")
    (project / "pyproject.toml").write_text("[tool.netra-lint]\nid-names = '[unclosed'\n")
    one_line_error(run("check"), "pyproject.toml", "'id-names'", "invalid regular expression")
    one_line_error(run("fix"), "'id-names'")
    one_line_error(run("check", "--config", "nope.toml"), "nope.toml: configuration file not found")
    one_line_error(run("check", "--format", "xml"), "Invalid value for '--format'")
    one_line_error(run("frobnicate"), "No such command 'frobnicate'")


def test_unparsable_and_undecodable_files_are_nl001_findings(project: Path) -> None:
    (project / "app" / "broken.py").write_text("def websocket(:\n    pass\n")
    (project / "app" / "binary.py").write_bytes(b"x = '\xff\xfe'\n")
    result = run("check", "app/broken.py", "app/binary.py")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    codes = [(line.split(":")[0], line.split()[1]) for line in result.stdout.splitlines()]
    assert codes == [("app/binary.py", "NL001"), ("app/broken.py", "NL001")]
    assert "cannot decode" in result.stdout


def test_gitignore_is_respected(project: Path) -> None:
    from tests.packaging import init_repo

    init_repo(project)
    (project / ".gitignore").write_text("app/early.py\n")
    result = run("check")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["app/accept.py"]


def test_formats(project: Path) -> None:
    data = json.loads(run("check", "--format", "json").stdout)
    assert [(d["filename"], d["line"], d["column"], d["code"], d["fixable"]) for d in data] == [
        ("app/accept.py", 8, 5, "NL102", True), ("app/early.py", 8, 11, "NL101", False)]
    github = run("check", "--format", "github")
    assert github.exit_code == 1
    assert github.stdout.startswith(
        "::error file=app/accept.py,line=8,col=5,title=NL102 accept-not-awaited::NL102 ")
    sarif = json.loads(run("check", "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == 2


def test_statistics(project: Path) -> None:
    result = run("check", "--statistics", "-q")
    assert result.stdout.splitlines()[-2:] == ["    1  NL101  use-before-accept",
                                               "    1  NL102  accept-not-awaited [*]"]
    machine = run("check", "--statistics", "--format", "json")
    assert json.loads(machine.stdout) and "NL101  use-before-accept" in machine.stderr


def test_stdin(project: Path) -> None:
    result = run("check", "-", "--stdin-filename", "app/x.py", input=NL101)
    assert result.exit_code == 1
    assert result.stdout.startswith("app/x.py:8:11: NL101 ")
    assert run("check", "-", input=CLEAN).exit_code == 0


def test_cache_serves_unchanged_files(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = project / ".cache"
    cache_dir.mkdir()
    (cache_dir / "0.0.1-stale-version.json").write_text("{}")
    first = run("check")
    assert (cache_dir / ".gitignore").read_text().strip().endswith("*")
    [cache_file] = cache_dir.glob("*.json")  # the stale version's file is gone
    assert "stale" not in cache_file.name

    calls = []
    original = Config.check

    def counting(self, text, path, display=None):
        calls.append(Path(path).name)
        return original(self, text, path, display)

    monkeypatch.setattr(Config, "check", counting)
    assert run("check").stdout == first.stdout and calls == []  # all from the cache
    (project / "app" / "clean.py").write_text(NL101)
    second = run("check")
    assert calls == ["clean.py"]  # only the changed file is analysed again
    assert "app/clean.py:8:11: NL101" in second.stdout
    run("check", "--no-cache")
    assert sorted(calls[1:]) == ["accept.py", "clean.py", "early.py"]
    cache_file.write_text("{not json")  # a damaged cache is recomputed, not an error
    assert run("check").stdout == second.stdout and len(calls) == 7


def test_jobs_use_worker_processes_with_the_same_result(project: Path) -> None:
    for index in range(10):
        (project / "app" / f"copy{index}.py").write_text(NL102 if index % 2 else NL101)
    serial = run("check", "--no-cache", "--jobs", "1")
    parallel = run("check", "--no-cache", "--jobs", "2")
    assert parallel.exit_code == serial.exit_code == 1
    assert parallel.stdout == serial.stdout and len(serial.stdout.splitlines()) == 12


def test_colour_only_when_asked_or_on_a_terminal(project: Path) -> None:
    assert "\x1b[" not in run("check").stdout  # CliRunner's stdout is not a terminal
    assert "\x1b[" in run("check", "--color", "always").stdout
    os.environ["NO_COLOR"] = "1"
    try:
        assert "\x1b[" not in run("check").stdout
    finally:
        del os.environ["NO_COLOR"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("no_color", [False, True])
def test_colour_on_a_real_terminal(project: Path, no_color: bool) -> None:
    import pty

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "netra_lint", "check", "--no-cache", "app"],
                            stdout=follower, stderr=subprocess.PIPE, env=env, cwd=project)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert proc.wait(timeout=120) == 1
    os.close(leader)
    assert b"NL102" in output
    assert (b"\x1b[" in output) is (not no_color)


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    meter = Progress(3, None)
    meter.advance()
    assert terminal.getvalue() == ""  # short runs show nothing
    meter.started -= 1.0
    meter.advance()
    meter.finish()
    assert terminal.getvalue() == "\rnetra-lint: checked 2/3 files\r\x1b[K"
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    quiet = Progress(3, None)
    quiet.started -= 1.0
    quiet.advance()
    assert sys.stderr.getvalue() == ""


# -- rules, explain ------------------------------------------------------------------------

def test_rules_table() -> None:
    result = run("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["code", "name", "fix", "summary"]
    rows = {line.split()[0]: line.split()[2] for line in lines[1:]}
    assert list(rows) == list(RULES)
    assert rows["NL102"] == "safe" and rows["NL101"] == "-"
    data = json.loads(run("rules", "--format", "json").stdout)
    assert {d["code"]: d["fixable"] for d in data} == {c: r.fixable for c, r in RULES.items()}


@pytest.mark.parametrize("code", sorted(RULES))
def test_explain_prints_the_rule_page(code: str) -> None:
    result = run("explain", code.lower())
    assert result.exit_code == 0
    page = ROOT / "docs" / "rules" / f"{code}.md"
    if page.exists():
        assert result.stdout == page.read_text(encoding="utf-8")
    else:  # a code whose page is still to be written: its summary, never an error
        assert RULES[code].summary in result.stdout


def test_explain_by_name_and_unknown() -> None:
    assert run("explain", "accept-not-awaited").stdout == run("explain", "NL102").stdout
    one_line_error(run("explain", "NL999"), "unknown rule 'NL999'")


# -- real subprocesses -----------------------------------------------------------------------

def subprocess_run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netra_lint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_commands_as_subprocesses(project: Path) -> None:
    check = subprocess_run("check", "--no-cache", cwd=project)
    assert check.returncode == 1 and "app/accept.py:8:5: NL102" in check.stdout
    bad = subprocess_run("check", "nowhere", cwd=project)
    assert bad.returncode == 2 and bad.stderr == "netra-lint: error: nowhere: no such file or directory\n"
    rules = subprocess_run("rules")
    assert rules.returncode == 0 and "NL102" in rules.stdout
    explain = subprocess_run("explain", "NL102")
    assert explain.returncode == 0 and "NL102" in explain.stdout
    version = subprocess_run("--version")
    assert version.returncode == 0 and version.stdout.startswith("netra-lint, version ")
    usage = subprocess_run()
    assert usage.returncode == 0 and "Commands:" in usage.stdout


def test_console_script_is_main() -> None:
    from netra_lint.config import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["netra-lint"] == "netra_lint.cli:main"
    assert callable(cli_module.main)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_explain_works_from_an_installed_wheel(tmp_path: Path) -> None:
    """pyproject.toml ships docs/rules in the wheel; explain then needs no source checkout."""
    from tests.packaging import source_copy

    source = source_copy(tmp_path / "src")
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                            str(source)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    wheel = next(wheels.glob("netra_lint-*.whl"))
    pages = sorted(p.name for p in (ROOT / "docs" / "rules").glob("*.md"))
    with zipfile.ZipFile(wheel) as archive:
        packaged = sorted(Path(n).name for n in archive.namelist() if n.startswith("netra_lint/_docs/rules/"))
        archive.extractall(tmp_path / "site")
    assert packaged == pages and pages

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    where = subprocess.run([sys.executable, "-c", "import netra_lint; print(netra_lint.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.startswith(str(tmp_path / "site")), where.stdout + where.stderr
    code = Path(pages[0]).stem
    explain = subprocess.run([sys.executable, "-m", "netra_lint", "explain", code], cwd=elsewhere,
                             env=env, capture_output=True, text=True, timeout=60)
    assert explain.returncode == 0, explain.stderr
    assert explain.stdout == (ROOT / "docs" / "rules" / pages[0]).read_text(encoding="utf-8")
