#!/usr/bin/env python3
"""Mutation check: break each rule family's core decision in turn and show the suite failing.

A test suite that stays green when the code under test is broken proves nothing. For each
rule family this script copies the repository (without .git and .venv) into a temporary
directory, changes one decision in the copy's ``netra_lint/`` (the repository itself is
never touched), runs the tests that check rules against literal expectations, and counts
the failures. Every mutation must make tests fail ("killed"); one that leaves the suite
green ("SURVIVED") is a hole in the suite, and the script exits 1.

    python scripts/mutation_check.py                 # every family, ~1-2 min each on 2 cores
    python scripts/mutation_check.py --only NL2 NL4  # some families
    python scripts/mutation_check.py --list          # the mutations, nothing run

Run it by hand (not in CI) after changing a rule's core logic or the tests. A mutation is a
text replacement inside one named function (found with ``ast``, so the rest of the file can
change freely); when its function or text is gone the script says so and exits 2: update
the mutation to the new code.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The tests that compare netra-lint's reports with literal expectations: annotated fixtures
# (in-process and through flake8), every rule page's example and output, the examples.
TESTS = ["tests/test_fixtures.py", "tests/test_docs.py", "tests/test_examples_accept.py",
         "tests/test_examples_more.py", "tests/test_incident.py"]


@dataclass(frozen=True)
class Mutation:
    family: str
    decision: str
    path: str       # relative to the repository
    function: str   # "name" or "Class.name"
    old: str        # text replaced once inside that function's source
    new: str


MUTATIONS = [
    Mutation("NL1", "NL101-NL106: a websocket state holds if it holds on SOME path (the may-join "
             "becomes a must-join: union -> intersection)",
             "netra_lint/engine/websockets.py", "_Lifecycle.join",
             "tuple(a | b for a, b in", "tuple(a & b for a, b in"),
    Mutation("NL107", "NL107: an except handler that neither re-raises, leaves nor closes does not "
             "handle the disconnect (every handler now counts as handling it)",
             "netra_lint/engine/disconnects.py", "DisconnectAnalysis._handled",
             "return checker.handled", "return True"),
    Mutation("NL2", "NL201-NL202: a call releases the acquired resource only when it undoes that "
             "entry (now any call after the acquire does)",
             "netra_lint/engine/resources.py", "ResourceAnalysis._releases",
             'name = call_name(call) or ""', 'return True'),
    Mutation("NL3", "NL301-NL303: only functions named like id makers are exempt (now every "
             "function is)",
             "netra_lint/rules/ids.py", "is_maker_function",
             "words = _words(name)", "return True"),
    Mutation("NL4", "NL401: accept() without subprotocol= selects none (now it always selects one)",
             "netra_lint/rules/handshake.py", "_selects_none",
             '"""``accept()``/``accept(subprotocol=None)``: no subprotocol selected."""',
             '"""mutated"""\n    return False'),
    Mutation("NL5", "NL501: a use is protected only inside a try that catches what None raises "
             "(now every use is)",
             "netra_lint/rules/init_order.py", "_protected",
             "if node.exc is None:\n        return False", "return True"),
]


class SiteMissing(Exception):
    pass


def function_source_span(tree: ast.Module, qualified: str) -> tuple[int, int]:
    """(first line, last line), 1-based, of ``name`` or ``Class.name`` in the module."""
    parts = qualified.split(".")
    body = tree.body
    node = None
    for part in parts:
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            raise SiteMissing(f"no {qualified}")
        body = node.body
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first, node.end_lineno


def apply(mutation: Mutation, root: Path) -> None:
    path = root / mutation.path
    if not path.exists():
        raise SiteMissing(f"{mutation.path} does not exist")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    first, last = function_source_span(ast.parse(text), mutation.function)
    segment = "".join(lines[first - 1:last])
    if segment.count(mutation.old) != 1:
        raise SiteMissing(f"{mutation.function} in {mutation.path} does not contain {mutation.old!r} exactly once")
    mutated = "".join(lines[:first - 1]) + segment.replace(mutation.old, mutation.new) + "".join(lines[last:])
    ast.parse(mutated)  # the mutant must still be valid Python
    path.write_text(mutated, encoding="utf-8")


def copy_repository(destination: Path) -> Path:
    root = destination / "repo"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", ".pytest_cache", ".netra-lint-cache", "*.egg-info"))
    return root


SUMMARY = re.compile(r"(\d+) (failed|passed|error|errors|xfailed|xpassed|skipped)")


def run_tests(root: Path, workers: str) -> tuple[dict[str, int], str, float]:
    """The tests in the copy, importing the copy's netra_lint (also in flake8 subprocesses)."""
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONDONTWRITEBYTECODE="1")
    env.pop("NETRA_LINT_CACHE_DIR", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no", "-m", "not slow",
               *(["-n", workers] if workers != "0" else []), *TESTS]
    start = time.monotonic()
    proc = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=3600)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:]
    counts: dict[str, int] = {}
    for number, kind in SUMMARY.findall(last):
        counts[kind.rstrip("s") if kind == "errors" else kind] = int(number)
    return counts, last, time.monotonic() - start


def check_copy_is_imported(root: Path) -> None:
    """The copy's package, not the installed (editable) one, is what the tests import."""
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, "-c", "import netra_lint; print(netra_lint.__file__)"],
                         cwd=root, env=env, capture_output=True, text=True, timeout=60).stdout.strip()
    if not Path(out).resolve().is_relative_to(root.resolve()):
        sys.exit(f"the copy is not imported ({out}); is netra_lint installed non-editable elsewhere?")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", metavar="FAMILY", help="families to mutate (NL1 NL107 NL2 NL3 NL4 NL5)")
    ap.add_argument("--list", action="store_true", help="print the mutations and exit")
    ap.add_argument("-n", "--workers", default="2", help="pytest-xdist workers (0: none; default 2)")
    ap.add_argument("--baseline", action="store_true", help="also run the unmutated copy first (must pass)")
    args = ap.parse_args()
    chosen = [m for m in MUTATIONS if not args.only or m.family in args.only]
    if args.list or not chosen:
        for m in MUTATIONS:
            print(f"{m.family:6} {m.path}:{m.function}\n       {m.decision}")
        return 0 if args.list else 2

    survived, missing = [], []
    with tempfile.TemporaryDirectory(prefix="netra-mutation-") as tmp:
        if args.baseline:
            root = copy_repository(Path(tmp) / "baseline")
            check_copy_is_imported(root)
            counts, last, seconds = run_tests(root, args.workers)
            print(f"baseline (no mutation): {last} [{seconds:.0f} s]", flush=True)
            if counts.get("failed") or counts.get("error"):
                print("the unmutated suite fails: fix that first")
                return 1
        for mutation in chosen:
            root = copy_repository(Path(tmp) / mutation.family)
            try:
                apply(mutation, root)
            except SiteMissing as exc:
                print(f"{mutation.family:6} SITE MISSING: {exc}", flush=True)
                missing.append(mutation.family)
                continue
            check_copy_is_imported(root)
            counts, last, seconds = run_tests(root, args.workers)
            failed = counts.get("failed", 0) + counts.get("error", 0)
            verdict = "killed" if failed else "SURVIVED"
            if not failed:
                survived.append(mutation.family)
            print(f"{mutation.family:6} {verdict}: {last} [{seconds:.0f} s]\n       {mutation.decision}", flush=True)
            shutil.rmtree(root, ignore_errors=True)
    if missing:
        print(f"mutation sites missing (update {Path(__file__).name}): {', '.join(missing)}")
    if survived:
        print(f"mutations the suite does not detect: {', '.join(survived)}")
    return 1 if survived else 2 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
