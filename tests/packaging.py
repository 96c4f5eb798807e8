"""Test helpers for the tests that install netra-lint the way users do (pre-commit, wheels).

They work on a copy of the source tree as it is on disk, committed to a throwaway git
repository, so they test the working tree (uncommitted files included) and never write
into the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SKIP = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__",
                               ".pytest_cache", ".netra-lint-cache", "benchmarks", "*.pyc")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "netra-lint tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "netra-lint tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(cwd)}
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    return proc.stdout


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def commit_all(path: Path, message: str = "snapshot") -> None:
    git(path, "add", "-A")
    git(path, "commit", "-q", "--no-verify", "-m", message)


def source_copy(destination: Path) -> Path:
    """The project's files (no VCS data, builds or caches) as a fresh git repository."""
    shutil.copytree(ROOT, destination, ignore=_SKIP)
    init_repo(destination)
    commit_all(destination)
    return destination
