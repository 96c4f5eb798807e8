"""The pre-commit hooks, run by the real ``pre-commit try-repo``.

pre-commit builds its own virtualenv from a copy of this repository (the working tree as
it is on disk, see tests/packaging.py) and runs the hooks in a temporary git repository
with a buggy file: the check hook fails with NL102, the fix hook repairs the file, and the
check hook then passes. Needs no network beyond the package index.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.packaging import ROOT, commit_all, git, init_repo, source_copy

BUGGY = '''\
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def chat(websocket: WebSocket):
    websocket.accept()  # dropped coroutine
    async for prompt in websocket.iter_text():
        await websocket.send_text(f"you said {prompt}")
'''


def test_hook_definitions() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"netra-lint", "netra-lint-all", "netra-lint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["entry"].split()[0] == "netra-lint"
        assert set(hook["types_or"]) == {"python", "pyi"}
    assert hooks["netra-lint"]["entry"].split()[1] == "check"
    assert hooks["netra-lint-all"]["entry"].split()[1] == "check"
    assert hooks["netra-lint-fix"]["entry"].split()[1] == "fix"
    # at commit time: only the lines changed since the commit's parent (docs/usage.md#pre-commit)
    assert hooks["netra-lint"]["entry"].split()[-2:] == ["--diff-base", "HEAD"]
    assert "--diff-base" not in hooks["netra-lint-all"]["entry"]


def _try_repo(hook_repo: Path, project: Path, hook: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never",
           "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("NETRA_LINT_CACHE_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--all-files",
         "--verbose"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_try_repo_fails_on_the_bug_then_passes_after_fix(tmp_path: Path) -> None:
    hook_repo = source_copy(tmp_path / "netra-lint")
    project = init_repo(tmp_path / "project")
    (project / "clean.py").write_text("print('nothing to see')\n", encoding="utf-8")
    commit_all(project)
    # the buggy file is what this commit adds: staged, not committed (--diff-base HEAD)
    (project / "app.py").write_text(BUGGY, encoding="utf-8")
    git(project, "add", "app.py")
    home = tmp_path / "pre-commit-home"

    failing = _try_repo(hook_repo, project, "netra-lint", home)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "app.py:8:5: NL102" in failing.stdout, failing.stdout
    assert "clean.py:" not in failing.stdout

    fixing = _try_repo(hook_repo, project, "netra-lint-fix", home)
    # pre-commit fails a hook that modifies files; the file now awaits accept()
    assert fixing.returncode == 1, fixing.stdout + fixing.stderr
    assert "files were modified by this hook" in fixing.stdout
    assert "    await websocket.accept()  # dropped coroutine\n" in (project / "app.py").read_text()

    passing = _try_repo(hook_repo, project, "netra-lint", home)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
    # once committed, the hook (changed lines only) passes and netra-lint-all still sees a bug
    (project / "app.py").write_text(BUGGY, encoding="utf-8")
    commit_all(project, "the bug, committed")
    assert _try_repo(hook_repo, project, "netra-lint", home).returncode == 0
    everything = _try_repo(hook_repo, project, "netra-lint-all", home)
    assert everything.returncode == 1 and "app.py:8:5: NL102" in everything.stdout
    # the result cache stays out of the user's git status
    assert "netra-lint-cache" not in subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True).stdout
