#!/usr/bin/env python3
"""Create one virtual environment per benchmark contender under <cache>/venvs/.

    bare     flake8 only
    bugbear  flake8 + flake8-bugbear
    async    flake8 + flake8-async
    netra    flake8 + netra-lint (editable install of this repository)

Idempotent: a venv whose installed set matches its pins is left alone. ``--reinstall-netra``
re-runs the editable install (needed after netra-lint's dependencies or entry points change;
plain source edits are picked up without it).

    python benchmarks/venvs.py
    python benchmarks/venvs.py --only netra --reinstall-netra
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

FLAKE8 = "flake8==7.5.0"
CONTENDERS: dict[str, list[str]] = {
    "bare": [FLAKE8],
    "bugbear": [FLAKE8, "flake8-bugbear==26.10.27"],
    "async": [FLAKE8, "flake8-async==26.8.1"],
    "netra": [FLAKE8],  # + the editable install of the repo
}
STAMP = ".netra-bench-venv.json"


def default_cache() -> Path:
    return Path(os.environ.get("NETRA_BENCH_CACHE", "/work/cache"))


def venv_python(cache: Path, name: str) -> Path:
    return cache / "venvs" / name / "bin" / "python"


def base_python() -> str:
    """The real interpreter behind this one (a venv's python, if run from a venv)."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(base) if base.exists() else sys.executable


def pip(py: Path, *args: str) -> None:
    cmd = [str(py), "-m", "pip", "--disable-pip-version-check", *args]
    print("  $", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def ensure(cache: Path, name: str, repo: Path, reinstall_netra: bool) -> dict:
    root = cache / "venvs" / name
    py = root / "bin" / "python"
    want = {"pins": CONTENDERS[name], "netra": str(repo) if name == "netra" else None,
            "python": base_python()}
    stamp = root / STAMP
    have = json.loads(stamp.read_text()) if stamp.exists() else None
    if have != want or not py.exists():
        print(f"[{name}] creating {root}", flush=True)
        venv.EnvBuilder(clear=True, with_pip=True).create(root)
        # EnvBuilder uses sys.executable's interpreter; that is fine: a venv's python
        # resolves to the same base interpreter.
        pip(py, "install", "--quiet", *CONTENDERS[name])
        if name == "netra":
            pip(py, "install", "--quiet", "-e", str(repo))
        stamp.write_text(json.dumps(want, indent=2) + "\n")
    elif name == "netra" and reinstall_netra:
        print(f"[{name}] re-installing netra-lint from {repo}", flush=True)
        pip(py, "install", "--quiet", "-e", str(repo))
    else:
        print(f"[{name}] present: {root}", flush=True)
    return {"name": name, "python": str(py)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=default_cache())
    ap.add_argument("--only", nargs="+", choices=sorted(CONTENDERS))
    ap.add_argument("--repo", type=Path, default=REPO, help="netra-lint checkout to install (default %(default)s)")
    ap.add_argument("--reinstall-netra", action="store_true")
    args = ap.parse_args(argv)
    failed = []
    for name in args.only or list(CONTENDERS):
        try:
            ensure(args.cache, name, args.repo.resolve(), args.reinstall_netra)
        except subprocess.CalledProcessError as exc:
            print(f"[{name}] FAILED: {exc}", file=sys.stderr)
            failed.append(name)
    for name in args.only or list(CONTENDERS):
        py = venv_python(args.cache, name)
        if py.exists():
            r = subprocess.run([str(py), "-m", "flake8", "--version"], capture_output=True, text=True)
            print(f"{name:8} {py}  flake8 --version: {(r.stdout or r.stderr).strip().splitlines()[0:1]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
