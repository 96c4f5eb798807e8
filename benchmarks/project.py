#!/usr/bin/env python3
"""Project mode's cost on real applications, side by side with bare flake8.

    python benchmarks/project.py APP_DIR [APP_DIR ...] [--rounds N] [--write]

Each APP_DIR is a real application's source tree (an sdist or wheel extracted outside
the repository, e.g. by the commands in benchmarks/README.md). For each, one process at a
time, contenders alternating, median of --rounds:

* ``bare``: ``flake8 -j1 --isolated`` without netra-lint's codes (``--select E,F,W,C90``)
* ``cold``: ``flake8 -j1 --isolated --select E,F,W,C90,NL`` with the summary store removed
* ``warm``: the same again, the store left from the previous run
* ``check cold``/``check warm``: ``netra-lint check --no-cache -j1`` without/with the store
* ``edit``: in one process, the language server's work after an edit: one file (the
  largest that mentions websockets) re-checked with ``check_source`` after
  ``forget_projects()`` (what did_save does), warm store; the median of 5.

Times are wall and CPU (children's rusage). ``--write`` appends a "project" section to
RESULTS.md with the measured ratios against the goals (cold ≤ 1.6x bare, warm ≤ 1.3x
bare, edit < 300 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE_SELECT = "E,F,W,C90"


def py_files(root: Path) -> list[Path]:
    skip = {".git", ".venv", "node_modules", "__pycache__", ".netra-lint-cache"}
    out = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        out.extend(Path(directory, n) for n in names if n.endswith(".py"))
    return out


def lines_of(files: list[Path]) -> int:
    total = 0
    for path in files:
        try:
            total += path.read_bytes().count(b"\n")
        except OSError:
            pass
    return total


def timed(argv: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    before = os.times()
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def edit_recheck(root: Path, env: dict) -> tuple[float, float]:
    """Median seconds for one warm single-file re-check, in a fresh interpreter: of the
    median-sized and of the largest file that mentions websockets."""
    code = r"""
import statistics, sys, time
from pathlib import Path
from netra_lint.api import check_source
from netra_lint.engine.project import forget_projects
root = Path(sys.argv[1])
files = sorted((p for p in root.rglob("*.py")
                if "websocket" in p.read_text(encoding="utf-8", errors="ignore").lower()),
               key=lambda p: p.stat().st_size)
out = []
for target in (files[len(files) // 2], files[-1]) if files else ():
    text = target.read_text(encoding="utf-8", errors="ignore")
    check_source(text, str(target))  # warm the store and the interpreter
    times = []
    for _ in range(5):
        forget_projects()
        start = time.perf_counter()
        check_source(text, str(target))
        times.append(time.perf_counter() - start)
    out.append(statistics.median(times))
print(*out)
"""
    proc = subprocess.run([sys.executable, "-c", code, str(root)], cwd=root, env=env,
                          capture_output=True, text=True)
    try:
        median, largest = (float(x) for x in proc.stdout.split())
        return median, largest
    except ValueError:
        print(proc.stderr, file=sys.stderr)
        return float("nan"), float("nan")


def measure(root: Path, rounds: int) -> dict:
    env = dict(os.environ)
    store = root / ".netra-lint-cache"
    env["NETRA_LINT_CACHE_DIR"] = str(store)
    flake8 = [sys.executable, "-m", "flake8", "-j1", "--isolated", "--exit-zero"]
    # the result cache off: "warm" is the summary store alone
    check = [sys.executable, "-m", "netra_lint", "check", "--isolated", "--no-cache", "-j", "1",
             "--no-progress"]
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in
                                                     ("bare", "cold", "warm", "check cold", "check warm")}
    for _ in range(rounds):
        results["bare"].append(timed([*flake8, f"--select={BASE_SELECT}", "."], root, env))
        shutil.rmtree(store, ignore_errors=True)
        results["cold"].append(timed([*flake8, f"--select={BASE_SELECT},NL", "."], root, env))
        results["warm"].append(timed([*flake8, f"--select={BASE_SELECT},NL", "."], root, env))
        shutil.rmtree(store, ignore_errors=True)
        results["check cold"].append(timed([*check, "."], root, env))
        results["check warm"].append(timed([*check, "."], root, env))
    files = py_files(root)
    summary = {name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
               for name, runs in results.items()}
    summary_edit = edit_recheck(root, env)
    shutil.rmtree(store, ignore_errors=True)
    return {"root": root.name, "files": len(files), "lines": lines_of(files), "times": summary,
            "edit": summary_edit, "rounds": rounds}


def render(measured: list[dict], command: str) -> str:
    load = os.getloadavg()
    out = ["## project mode", "",
           f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC · nproc {os.cpu_count()} · "
           f"load at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", "", f"`{command}`", "",
           "flake8 `-j1 --isolated`; bare = `--select E,F,W,C90`, netra = the same plus `NL` "
           "(project mode on); cold = summary store removed, warm = store from the previous "
           "run; check = `netra-lint check --no-cache -j 1`; edit = one warm single-file "
           "re-check in process after `forget_projects()` (the language server's did_save).", "",
           "| app | files | lines | bare s (CPU) | cold s (CPU) | × bare | warm s (CPU) | × bare "
           "| check cold s | check warm s | edit ms (median file / largest) |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in measured:
        t = m["times"]
        bare = t["bare"][1] or float("nan")
        out.append(
            f"| {m['root']} | {m['files']:,} | {m['lines']:,} | {t['bare'][0]:.1f} ({t['bare'][1]:.1f}) "
            f"| {t['cold'][0]:.1f} ({t['cold'][1]:.1f}) | {t['cold'][1] / bare:.2f}× "
            f"| {t['warm'][0]:.1f} ({t['warm'][1]:.1f}) | {t['warm'][1] / bare:.2f}× "
            f"| {t['check cold'][0]:.1f} | {t['check warm'][0]:.1f} "
            f"| {m['edit'][0] * 1000:.0f} / {m['edit'][1] * 1000:.0f} |")
    out += ["", "Goals (issue 10): cold ≤ 1.6× bare (CPU), warm ≤ 1.3× bare, edit < 300 ms.", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apps", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="append the section to RESULTS.md")
    args = parser.parse_args()
    measured = [measure(app.resolve(), args.rounds) for app in args.apps]
    command = "python benchmarks/project.py " + " ".join(
        [*(a.name for a in args.apps), f"--rounds {args.rounds}"])
    text = render(measured, command)
    print(text)
    if args.write:
        results = HERE / "RESULTS.md"
        current = results.read_text(encoding="utf-8")
        marker = "## project mode"
        if marker in current:
            current = current[:current.index(marker)].rstrip() + "\n\n"
        results.write_text(current + text, encoding="utf-8")


if __name__ == "__main__":
    main()
