"""Adopting netra-lint on a codebase that already has findings (issue 15), end to end.

Every command runs as a real process (``python -m netra_lint``, or flake8) in a real git
repository made in the test: the baseline survives a moved function and counts fixed
entries; --diff-base sees only the new line; --add-noqa then check reports nothing and a
second --add-noqa changes nothing; init writes a section that the next run uses; why
names the right rules for every line it knows and, in a project, the sites. Also the
output model: one severity in SARIF, GitHub annotations, JSON and the language server,
a link to the rule page in each, --show-source, and explain's pager on a terminal only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from netra_lint import report, why
from netra_lint.codes import RULES
from netra_lint.config import load_config
from tests.packaging import commit_all, git, init_repo

ROOT = Path(__file__).resolve().parent.parent

HANDLERS = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/chat")
async def chat(websocket: WebSocket):
    websocket.accept()
    async for prompt in websocket.iter_text():
        await websocket.send_text(prompt)


async def notify(websocket: WebSocket, event: dict):
    try:
        await websocket.send_json(event)
    except Exception:
        pass
'''

NEW_BUG = '''

@app.websocket("/news")
async def news(websocket: WebSocket):
    websocket.accept()
    await websocket.send_text("hello")
'''


def netra(cwd: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "NETRA_LINT_CACHE_DIR")}
    return subprocess.run([sys.executable, "-m", "netra_lint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, input=input)


def findings(result: subprocess.CompletedProcess) -> list[tuple[str, int, str]]:
    return [(path, int(line), code) for path, line, code in
            re.findall(r"^(\S+?\.py):(\d+):\d+: (NL\d{3}) ", result.stdout, re.MULTILINE)]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    project = init_repo(tmp_path / "project")
    (project / "app.py").write_text(HANDLERS, encoding="utf-8")
    commit_all(project, "the app as it is on day one")
    return project


# -- baseline ------------------------------------------------------------------------------

def test_baseline_survives_a_moved_function_and_counts_fixed_entries(repo: Path) -> None:
    day_one = netra(repo, "check", "--no-cache")
    assert day_one.returncode == 1
    assert {code for _, _, code in findings(day_one)} == {"NL102", "NL107"}

    written = netra(repo, "check", "--no-cache", "--write-baseline", "netra-baseline.json")
    assert written.returncode == 0, written.stderr
    assert written.stdout == ""
    assert "Wrote 2 findings in 1 file to the baseline netra-baseline.json." in written.stderr
    data = json.loads((repo / "netra-baseline.json").read_text())
    assert data["tool"] == "netra-lint" and {e["code"] for e in data["findings"]} == {"NL102", "NL107"}

    clean = netra(repo, "check", "--no-cache", "--baseline", "netra-baseline.json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "2 findings in the baseline netra-baseline.json not shown." in clean.stderr

    # move `notify` above `chat`, add unrelated code above both, reformat a line
    text = (repo / "app.py").read_text()
    chat = text[text.index('@app.websocket("/chat")'):text.index("async def notify")]
    notify = text[text.index("async def notify"):]
    header = text[:text.index('@app.websocket("/chat")')]
    moved = (header + "LIMIT = 5\n\n\ndef unrelated(x):\n    return x * 2\n\n\n" + notify
             + "\n\n" + chat.replace("websocket.accept()", "websocket.accept( )"))
    (repo / "app.py").write_text(moved)
    assert line_of(moved, "websocket.accept(") != line_of(HANDLERS, "websocket.accept(")
    after_move = netra(repo, "check", "--no-cache", "--baseline", "netra-baseline.json")
    assert after_move.returncode == 0, after_move.stdout + after_move.stderr
    assert "no longer match" not in after_move.stderr

    # a new bug is reported, the old ones are not
    (repo / "app.py").write_text(moved + NEW_BUG)
    new = netra(repo, "check", "--no-cache", "--baseline", "netra-baseline.json")
    assert new.returncode == 1
    assert findings(new) == [("app.py", line_of(moved + NEW_BUG, "async def news") + 1, "NL102")]

    # fixing a baselined finding makes its entry stale, and the run says so
    fixed = (moved + NEW_BUG).replace("    except Exception:\n        pass\n",
                                      "    except Exception:\n        raise\n")
    (repo / "app.py").write_text(fixed)
    stale = netra(repo, "check", "--no-cache", "--baseline", "netra-baseline.json")
    assert stale.returncode == 1
    assert "1 baseline entry no longer matches a finding (fixed): prune it" in stale.stderr
    assert "--write-baseline netra-baseline.json" in stale.stderr


def test_baseline_counts_identical_statements_one_by_one(repo: Path) -> None:
    twice = HANDLERS.replace("    websocket.accept()\n", "    websocket.accept()\n    websocket.accept()\n")
    (repo / "app.py").write_text(twice)
    first = netra(repo, "check", "--no-cache", "--select", "NL102")
    assert [code for _, _, code in findings(first)] == ["NL102", "NL102"]
    assert netra(repo, "check", "--no-cache", "--select", "NL102", "--write-baseline", "b.json").returncode == 0
    (repo / "app.py").write_text(twice.replace("    websocket.accept()\n" * 2, "    websocket.accept()\n" * 3))
    third = netra(repo, "check", "--no-cache", "--select", "NL102", "--baseline", "b.json")
    assert third.returncode == 1
    assert len(findings(third)) == 1  # two are in the baseline, the third is new
    (repo / "app.py").write_text(HANDLERS)
    one_left = netra(repo, "check", "--no-cache", "--select", "NL102", "--baseline", "b.json")
    assert one_left.returncode == 0
    assert "1 baseline entry no longer matches" in one_left.stderr


def test_baseline_for_flake8_users(repo: Path) -> None:
    assert netra(repo, "check", "--no-cache", "--write-baseline", "netra-baseline.json").returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "NETRA_LINT_CACHE_DIR"}

    def flake8(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flake8", "--select", "NL", *args, "app.py"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=300)

    without = flake8()
    assert without.returncode == 1 and "NL102" in without.stdout and "NL107" in without.stdout
    assert flake8("--netra-baseline", "netra-baseline.json").stdout == ""
    (repo / "setup.cfg").write_text("[flake8]\nnetra-baseline = netra-baseline.json\n")
    (repo / "app.py").write_text(HANDLERS + NEW_BUG)
    configured = flake8()
    reported = re.findall(r"^app\.py:(\d+):\d+: (NL\d{3})", configured.stdout, re.MULTILINE)
    assert reported == [(str(line_of(HANDLERS + NEW_BUG, "async def news") + 1), "NL102")]
    broken = flake8("--netra-baseline", "missing.json")
    assert broken.returncode != 0 and "baseline file not found" in broken.stdout + broken.stderr
    assert "Traceback" not in broken.stderr


def test_bad_baseline_is_one_line(repo: Path) -> None:
    (repo / "bad.json").write_text("{not json")
    for name in ("bad.json", "missing.json"):
        result = netra(repo, "check", "--no-cache", "--baseline", name)
        assert result.returncode == 2
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith(f"netra-lint: error: {name}: ")


def test_fingerprints_ignore_formatting_and_lines_but_not_the_function() -> None:
    from netra_lint.baseline import fingerprints
    from netra_lint.finding import Finding

    source = ("class Chat:\n    async def handle(self, ws):\n        def inner():\n"
              "            return 1\n        await ws.send_text( 'x' )  # why\n")
    moved = "import os\n\n\n" + source.replace("send_text( 'x' )  # why", 'send_text("x")')
    renamed = source.replace("def handle", "def serve")
    one = fingerprints("a.py", source, [Finding(5, 8, "NL101", "m")])
    assert one == fingerprints("a.py", moved, [Finding(8, 8, "NL101", "other words")])
    assert one != fingerprints("a.py", renamed, [Finding(5, 8, "NL101", "m")])
    assert one != fingerprints("b.py", source, [Finding(5, 8, "NL101", "m")])
    assert one != fingerprints("a.py", source, [Finding(5, 8, "NL104", "m")])
    # a compound statement is fingerprinted by its header: its body may change
    loop = "async def f(ws):\n    while ws.client_state == 1:\n        await ws.receive()\n"
    grown = loop + "        print('more')\n"
    assert fingerprints("a.py", loop, [Finding(2, 10, "NL108", "m")]) == \
        fingerprints("a.py", grown, [Finding(2, 10, "NL108", "m")])
    # a file CPython cannot parse still gets stable fingerprints, from the line's text
    broken = "x = (\n"
    assert fingerprints("a.py", broken, [Finding(1, 0, "NL001", "m")]) == \
        fingerprints("a.py", "\n\n" + broken, [Finding(3, 0, "NL001", "m")]) != \
        fingerprints("a.py", "y = (\n", [Finding(1, 0, "NL001", "m")])


# -- --diff-base ---------------------------------------------------------------------------

def test_diff_base_reports_only_the_new_lines(repo: Path) -> None:
    everything = netra(repo, "check", "--no-cache")
    assert len(findings(everything)) == 2
    assert netra(repo, "check", "--no-cache", "--diff-base", "HEAD").returncode == 0

    # an edit elsewhere in the file, a new buggy handler, and an untracked buggy file
    edited = HANDLERS.replace('app = FastAPI()', 'app = FastAPI(title="chat")') + NEW_BUG
    (repo / "app.py").write_text(edited)
    (repo / "extra.py").write_text(HANDLERS)
    (repo / "extra.txt").write_text("not python\n")
    result = netra(repo, "check", "--no-cache", "--diff-base", "HEAD")
    assert result.returncode == 1
    new_line = line_of(edited, "async def news") + 1
    assert findings(result) == [("app.py", new_line, "NL102"),
                                ("extra.py", 8, "NL102"), ("extra.py", 16, "NL107")]

    # committed: HEAD~1 still sees it, HEAD does not
    commit_all(repo, "news")
    assert netra(repo, "check", "--no-cache", "--diff-base", "HEAD").returncode == 0
    since_parent = netra(repo, "check", "--no-cache", "--diff-base", "HEAD~1", "app.py")
    assert findings(since_parent) == [("app.py", new_line, "NL102")]
    # a staged-only change counts too (what the pre-commit hook sees)
    (repo / "app.py").write_text(edited.replace('websocket.send_text("hello")',
                                                'websocket.send_text("hello!")') + NEW_BUG.replace("news", "more"))
    git(repo, "add", "app.py")
    staged = netra(repo, "check", "--no-cache", "--diff-base", "HEAD")
    assert [code for _, _, code in findings(staged)] == ["NL102"]


def test_diff_base_errors_and_unborn_head(tmp_path: Path, repo: Path) -> None:
    unknown = netra(repo, "check", "--no-cache", "--diff-base", "no-such-ref")
    assert unknown.returncode == 2
    assert unknown.stderr == "netra-lint: error: --diff-base: 'no-such-ref' is not a commit in this repository\n"
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "app.py").write_text(HANDLERS)
    not_git = netra(outside, "check", "--no-cache", "--diff-base", "HEAD")
    assert not_git.returncode == 2 and "is not in a git work tree" in not_git.stderr
    fresh = init_repo(tmp_path / "fresh")  # no commit yet: everything is new
    (fresh / "app.py").write_text(HANDLERS)
    assert len(findings(netra(fresh, "check", "--no-cache", "--diff-base", "HEAD"))) == 2


def test_diff_parser_handles_renames_deletions_and_quoted_names() -> None:
    from netra_lint.diffbase import parse_diff

    diff = ("diff --git a/old.py b/new.py\nsimilarity index 90%\nrename from old.py\n"
            "rename to new.py\n--- a/old.py\n+++ b/new.py\n@@ -3 +3,2 @@\n-x\n+y\n+z\n"
            "--- a/gone.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"
            '--- a/"sp ace.py"\n+++ "b/t\\303\\251st\\tx.py"\n@@ -0,0 +1 @@\n+q\n'
            "--- a/del.py\n+++ b/del.py\n@@ -5,2 +4,0 @@\n-a\n-b\n")
    assert parse_diff(diff) == {"new.py": {3, 4}, "tést\tx.py": {1}, "del.py": set()}


# -- --add-noqa ----------------------------------------------------------------------------

NOQA_SOURCE = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/chat")
async def chat(websocket: WebSocket):
    websocket.accept()  # noqa: E501
    async for prompt in websocket.iter_text():
        await websocket.send_text(prompt)


async def notify(websocket: WebSocket, event: dict):
    try:
        await websocket.send_json(
            event,
        )
    except (
        Exception
    ):  # a comment that stays
        pass


def make_ids(user_id: str, thread_id: str):
    run_id = f"run_{thread_id}"
    return run_id.split("_")[1]
'''


def test_add_noqa_then_check_reports_nothing_and_twice_changes_nothing(repo: Path) -> None:
    (repo / "app.py").write_bytes(NOQA_SOURCE.replace("\n", "\r\n").encode())
    before = netra(repo, "check", "--no-cache", "--format", "json")
    reported = {(item["line"], item["code"]) for item in json.loads(before.stdout)}
    assert {code for _, code in reported} >= {"NL102", "NL107"}, reported

    added = netra(repo, "check", "--no-cache", "--add-noqa")
    assert added.returncode == 0, added.stdout + added.stderr
    assert f"Added {len(reported)} noqa code" in added.stderr
    raw = (repo / "app.py").read_bytes()
    assert raw.count(b"\r\n") == NOQA_SOURCE.count("\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.decode().split("\r\n")
    original = NOQA_SOURCE.splitlines()
    for number, code in reported:
        assert code in lines[number - 1], (number, code, lines[number - 1])
    assert lines[7] == "    websocket.accept()  # noqa: E501, NL102"  # the list is extended
    changed = {i + 1 for i, (a, b) in enumerate(zip(original, lines)) if a != b}
    assert changed == {line for line, _ in reported}  # nothing else is touched
    for number in changed:
        assert lines[number - 1].startswith(original[number - 1].rstrip())

    after = netra(repo, "check", "--no-cache")
    assert after.returncode == 0 and after.stdout == "", after.stdout
    again = netra(repo, "check", "--no-cache", "--add-noqa")
    assert again.returncode == 0
    assert "Added 0 noqa codes in 0 files." in again.stderr
    assert (repo / "app.py").read_bytes() == raw
    # flake8 reads the same comments
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "NL", "app.py"], cwd=repo,
                            capture_output=True, text=True, timeout=300)
    assert flake8.stdout == ""


def test_add_noqa_never_breaks_a_string_or_a_continuation(repo: Path) -> None:
    from netra_lint.finding import Finding
    from netra_lint.noqa import add_noqa

    text = 'x = """\nline\n"""\ny = 1 + \\\n    2\nz = 3  # noqa:E1,E2\n'
    result = add_noqa(text, [Finding(2, 0, "NL301", "m"), Finding(4, 0, "NL301", "m"),
                             Finding(6, 0, "NL302", "m"), Finding(6, 0, "NL301", "m")])
    assert [f.line for f in result.skipped] == [2, 4]
    assert result.text.splitlines()[5] == "z = 3  # noqa:E1,E2,NL301,NL302"
    assert add_noqa(result.text, [Finding(6, 0, "NL302", "m")]).text == result.text


# -- init ----------------------------------------------------------------------------------

def test_init_writes_the_documented_defaults(repo: Path) -> None:
    ids = 'def f(thread_id):\n    run_id = f"run_{thread_id}"\n    return run_id\n'
    (repo / "tests").mkdir()
    (repo / "tests" / "helpers.py").write_text(ids)
    (repo / "test_ids.py").write_text(ids)
    (repo / "ids.py").write_text(ids)
    before = netra(repo, "check", "--no-cache", "--select", "NL3")
    assert {path for path, _, _ in findings(before)} == {"ids.py", "test_ids.py", "tests/helpers.py"}

    created = netra(repo, "init")
    assert created.returncode == 0 and "Created [tool.netra-lint] in pyproject.toml." in created.stdout
    config = load_config(start=repo)
    assert config.select == ("NL",) and config.severity == report.DEFAULT_SEVERITY
    assert config.codes_for(repo / "tests" / "helpers.py") == config.codes_for(repo / "conftest.py")
    assert not any(c.startswith("NL3") for c in config.codes_for(repo / "pkg" / "tests" / "a.py"))
    after = netra(repo, "check", "--no-cache", "--select", "NL3")
    assert {path for path, _, _ in findings(after)} == {"ids.py"}

    refused = netra(repo, "init")
    assert refused.returncode == 2
    assert refused.stderr == ("netra-lint: error: pyproject.toml: already has a [tool.netra-lint] "
                              "table; use --force to replace it with the defaults\n")


def test_init_keeps_the_rest_of_pyproject(repo: Path) -> None:
    existing = ('[project]\nname = "chat"\n\n[tool.netra-lint]\nignore = ["NL303"]\n\n'
                '[tool.netra-lint.extra]\n\n[tool.ruff]\nline-length = 100\n')
    (repo / "pyproject.toml").write_text('[project]\nname = "chat"\n\n[tool.ruff]\nline-length = 100\n')
    assert netra(repo, "init").returncode == 0
    text = (repo / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "chat"\n\n[tool.ruff]\nline-length = 100\n\n[tool.netra-lint]\n')
    (repo / "pyproject.toml").write_text(existing)
    assert netra(repo, "init").returncode == 2
    assert (repo / "pyproject.toml").read_text() == existing
    forced = netra(repo, "init", "--force")
    assert forced.returncode == 0 and "Replaced" in forced.stdout
    text = (repo / "pyproject.toml").read_text()
    assert "NL303" not in text and "extra" not in text and "[tool.ruff]\nline-length = 100" in text
    assert text.count("[tool.netra-lint]") == 1
    (repo / "pyproject.toml").write_text("[project\n")
    broken = netra(repo, "init")
    assert broken.returncode == 2 and "invalid TOML, not changed" in broken.stderr


# -- why -----------------------------------------------------------------------------------

# What each incident line and runtime error must name, written independently of the table.
EXPECTED = {
    'WebSocket is not connected. Need to call "accept" first.': ["NL107", "NL108", "NL101"],
    'Cannot call "send" once a close message has been sent.': ["NL106", "NL104"],
    'Cannot call "receive" once a disconnect message has been received.': ["NL107"],
    "Unexpected ASGI message 'websocket.send', after sending 'websocket.close'.": ["NL106", "NL104"],
    "User has reached the maximum number of WebSocket managers (5). Emergency cleanup "
    "attempted but limit still exceeded": ["NL201", "NL202", "NL203"],
    "Thread ID mismatch: run_id contains 'X' but thread_id is 'Y'": ["NL302", "NL301"],
    "DatabaseManager not initialized": ["NL501"],
    "No JWT in WebSocket headers or subprotocols": ["NL401"],
    "Socket has not been accepted, so cannot send over it": ["NL101"],
    "Call .prepare() first": ["NL101"],
    "Cannot write to closing transport": ["NL106"],
    "connection is disconnected": ["NL107"],
    "RuntimeError: WebSocket connection is closed.": ["NL107"],
    "Expected ASGI message 'websocket.send' or 'websocket.close', but got 'websocket.accept'.": ["NL105"],
}


def _rules_line(stdout: str) -> list[str]:
    line = next(line for line in stdout.splitlines() if "rules, most likely first:" in line)
    return re.findall(r"NL\d{3}", line)


@pytest.mark.parametrize("log_line", sorted(EXPECTED))
def test_why_names_the_rules_of_each_known_line(tmp_path: Path, log_line: str) -> None:
    # as it appears in a log: a prefix, maybe JSON-escaped quotes
    logged = f'2025-09-08 23:19:37 ERROR app.ws - RuntimeError: {log_line}'.replace('"', '\\"')
    result = netra(tmp_path, "why", logged)
    assert result.returncode == 0, result.stdout + result.stderr
    rules = _rules_line(result.stdout)
    assert rules[:len(EXPECTED[log_line])] == EXPECTED[log_line]
    assert "netra-lint why" in result.stdout  # how to find the sites


def test_accept_first_after_a_working_connection_is_not_an_accept_race() -> None:
    (cause,) = why.explain_line('WebSocket is not connected. Need to call "accept" first.')
    assert cause.rules.index("NL107") < cause.rules.index("NL101")
    assert cause.rules.index("NL108") < cause.rules.index("NL101")
    assert "not an accept race" in cause.chain


@pytest.mark.parametrize("cause", why.CAUSES, ids=lambda c: c.text[:40])
def test_every_table_entry_matches_its_own_text_and_is_sound(cause: why.Cause) -> None:
    assert cause in why.explain_line(cause.text) or (cause.generic and why.explain_line(cause.text))
    assert cause.rules and all(code in RULES for code in cause.rules)
    sentences = [s for s in re.split(r"(?<=[.)])\s+(?=[A-Z])", cause.chain) if s.strip()]
    assert 2 <= len(sentences) <= 4, cause.chain
    assert all(code in cause.chain for code in cause.rules)


def _example(code: str) -> str:
    from tests.test_docs import first_python, read_page, sections

    body = first_python(sections(read_page(code))["Example"])
    assert body is not None
    return body


@pytest.mark.parametrize("log_line", sorted(EXPECTED))
def test_why_in_a_project_lists_the_sites(repo: Path, log_line: str) -> None:
    rules = EXPECTED[log_line]
    for code in rules:  # one documented example per rule the line names
        (repo / f"example_{code.lower()}.py").write_text(_example(code), encoding="utf-8")
    result = netra(repo, "why", log_line, ".")
    assert result.returncode == 0, result.stdout + result.stderr
    sites = findings(result)
    for code in rules:  # each example's own finding is listed
        assert any(path == f"example_{code.lower()}.py" and found == code for path, _, found in sites)
    assert {code for _, _, code in sites} <= set(_rules_line(result.stdout))
    order = [code for _, _, code in sites]
    ranked = _rules_line(result.stdout)
    assert order == sorted(order, key=ranked.index)  # most likely first
    assert result.stdout.index("Sites, most likely first") > result.stdout.index("rules, most likely")
    if log_line.startswith("DatabaseManager"):  # --path is the same as a positional path
        assert netra(repo, "why", log_line, "--path", ".").stdout == result.stdout


def test_why_with_no_site_and_with_an_unknown_line(repo: Path) -> None:
    (repo / "app.py").write_text("print('fine')\n")
    quiet = netra(repo, "why", "DatabaseManager not initialized", "app.py")
    assert quiet.returncode == 0 and "No site in app.py: none of NL501 reports there." in quiet.stdout
    unknown = netra(repo, "why", "KeyError: 'price' in checkout")
    assert unknown.returncode == 1
    assert unknown.stdout.startswith("no rule explains this line.\nThe closest lines netra-lint knows:\n")
    assert len([line for line in unknown.stdout.splitlines() if line.startswith("  ")]) == 3
    near = netra(repo, "why", "Cannot call send once the close message was sent")
    assert near.returncode == 1
    assert 'Cannot call "send" once a close message has been sent.' in near.stdout.splitlines()[2]
    listing = netra(repo, "why", "--list")
    assert listing.returncode == 0 and listing.stdout.count("\n") == 2 * len(why.CAUSES)
    empty = netra(repo, "why")
    assert empty.returncode == 2 and empty.stderr.startswith("netra-lint: error: give the log line")


# -- output: severity, links, source -------------------------------------------------------

def test_one_severity_model_and_links_in_every_output(repo: Path) -> None:
    (repo / "ids.py").write_text('def f(thread_id):\n    run_id = f"run_{thread_id}"\n    return run_id\n')
    sarif = json.loads(netra(repo, "check", "--no-cache", "--format", "sarif").stdout)
    run = sarif["runs"][0]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"NL102": "error", "NL107": "error", "NL301": "warning"}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["NL101"]["helpUri"] == f"{report.DOCS_BASE_URL}NL101.md"
    assert rules["NL201"]["defaultConfiguration"]["level"] == "warning"
    github = netra(repo, "check", "--no-cache", "--format", "github").stdout.splitlines()
    assert sum(line.startswith("::warning file=ids.py") for line in github) == 1
    assert sum(line.startswith("::error file=app.py") for line in github) == 2
    assert all(f"{report.DOCS_BASE_URL}NL" in line for line in github)
    as_json = json.loads(netra(repo, "check", "--no-cache", "--format", "json").stdout)
    assert {(i["code"], i["severity"]) for i in as_json} == {
        ("NL102", "error"), ("NL107", "error"), ("NL301", "warning")}

    (repo / "pyproject.toml").write_text('[tool.netra-lint]\nseverity = { "NL3" = "error", "NL107" = "warning" }\n')
    sarif = json.loads(netra(repo, "check", "--no-cache", "--format", "sarif").stdout)
    assert {r["ruleId"]: r["level"] for r in sarif["runs"][0]["results"]} == {
        "NL102": "error", "NL107": "warning", "NL301": "error"}
    (repo / "pyproject.toml").write_text('[tool.netra-lint]\nseverity = { "NL3" = "fatal" }\n')
    bad = netra(repo, "check", "--no-cache")
    assert bad.returncode == 2 and "'severity'" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_language_server_diagnostics_use_the_same_model() -> None:
    pytest.importorskip("pygls")
    from pygls.workspace import TextDocument

    from netra_lint.finding import Finding
    from netra_lint.lsp import diagnostic

    document = TextDocument("file:///a.py", "x = 1\n")
    crash = diagnostic(document, Finding(1, 0, "NL101", "m"))
    leak = diagnostic(document, Finding(1, 0, "NL201", "m"))
    assert crash.severity == 1 and leak.severity == 2  # Error, Warning
    assert crash.code_description.href == f"{report.DOCS_BASE_URL}NL101.md"
    assert diagnostic(document, Finding(1, 0, "NL201", "m"), (("NL2", "error"),)).severity == 1


def test_show_source_prints_the_line_and_a_caret(repo: Path) -> None:
    result = netra(repo, "check", "--no-cache", "--show-source", "--select", "NL102")
    assert result.stdout.splitlines() == [
        result.stdout.splitlines()[0],
        "   |",
        " 8 |     websocket.accept()",
        "   |     ^",
    ]
    piped = netra(repo, "check", "--no-cache", "--show-source", "--select", "NL102", "-",
                  "--stdin-filename", "app.py", input=HANDLERS.replace("    ", "\t"))
    assert piped.stdout.splitlines()[2:] == [" 8 | \twebsocket.accept()", "   | \t^"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_explain_uses_a_pager_only_on_a_terminal(tmp_path: Path) -> None:
    import pty

    env = {**os.environ, "PAGER": "sed s/^/PAGED:/", "TERM": "dumb"}
    piped = subprocess.run([sys.executable, "-m", "netra_lint", "explain", "NL107"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and piped.stdout.startswith("# NL107: swallowed-disconnect\n")
    assert "PAGED:" not in piped.stdout

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "netra_lint", "explain", "NL107"],
                            stdin=follower, stdout=follower, stderr=subprocess.PIPE, env=env,
                            cwd=tmp_path)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert proc.wait(timeout=120) == 0
    os.close(leader)
    assert b"PAGED:# NL107: swallowed-disconnect" in output


# The table's Starlette texts are what Starlette really raises for each bug's shape.

async def _accept_twice(ws):
    await ws.accept()
    await ws.accept()


async def _send_before_accept(ws):
    ws.accept()  # NL102: the coroutine is dropped
    await ws.send_text("hi")


async def _receive_after_close(ws):
    await ws.accept()
    await ws.close()
    await ws.receive_text()


async def _send_after_close(ws):
    await ws.accept()
    await ws.close()
    await ws.send_text("bye")


async def _receive_before_accept(ws):
    await ws.receive_text()


async def _swallowed_disconnect(ws):
    from starlette.websockets import WebSocketDisconnect

    await ws.accept()
    for _ in range(2):
        try:
            await ws.receive_text()
        except WebSocketDisconnect:
            pass  # NL107: the loop goes on


async def _swallowed_send_failure(ws):  # the incident
    await ws.accept()
    ws.fail_sends = True
    try:
        await ws.send_json({"chunk": 1})
    except Exception:
        pass  # NL107: the owner never learns the client is gone
    await ws.receive_text()


@pytest.mark.filterwarnings("ignore:coroutine 'WebSocket.accept' was never awaited")
@pytest.mark.parametrize("handler, code", [
    (_accept_twice, "NL105"), (_send_before_accept, "NL102"), (_receive_after_close, "NL104"),
    (_send_after_close, "NL104"), (_receive_before_accept, "NL101"),
    (_swallowed_disconnect, "NL107"), (_swallowed_send_failure, "NL107"),
])
def test_why_explains_what_starlette_really_raises(handler, code: str) -> None:
    import asyncio

    from starlette.websockets import WebSocket

    incoming = [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1001}]

    async def receive():
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1001}

    sockets = []

    async def send(message):
        if getattr(sockets[0], "fail_sends", False):
            raise OSError("the client is gone")  # what uvicorn raises on a dead connection

    async def run() -> BaseException:
        ws = WebSocket({"type": "websocket", "path": "/", "headers": []}, receive, send)
        sockets.append(ws)
        try:
            await handler(ws)
        except Exception as exc:  # what the server would log
            return exc
        raise AssertionError("the shape did not fail")

    error = asyncio.run(run())
    logged = f"{type(error).__module__}.{type(error).__name__}: {error}"
    causes = why.explain_line(logged)
    assert causes, logged
    assert code in why.ranked_rules(causes), (logged, why.ranked_rules(causes))
    if handler is _swallowed_send_failure:  # ranked first, before the accept race
        assert why.ranked_rules(causes)[0] == "NL107" and "Need to call" in logged


@pytest.mark.parametrize("module", ["websockets_impl", "websockets_sansio_impl", "wsproto_impl"])
def test_why_knows_uvicorns_texts_for_both_protocols(module: str) -> None:
    import importlib.util

    spec = importlib.util.find_spec(f"uvicorn.protocols.websockets.{module}")
    if spec is None or spec.origin is None:
        pytest.skip(f"this uvicorn has no {module}")
    source = Path(spec.origin).read_text(encoding="utf-8")  # read, not imported (deprecations)
    after_close = re.search(r"Unexpected ASGI message '\{message\['type'\]\}', after sending 'websocket\.close'[^\"]*",
                            source)
    assert after_close, "uvicorn no longer writes this text: update netra_lint/why.py"
    logged = after_close.group(0).replace("{message['type']}", "websocket.send")
    assert why.ranked_rules(why.explain_line(logged))[:2] == ["NL106", "NL104"]
    before_accept = re.search(r"Expected ASGI message 'websocket\.accept', 'websocket\.close'", source)
    assert before_accept
    assert "NL101" in why.ranked_rules(why.explain_line(before_accept.group(0) + " but got 'websocket.send'."))
