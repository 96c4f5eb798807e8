#!/usr/bin/env python3
"""In-process timing on the websocket-dense corpus: netra-lint's analysis vs libcst's parse.

Run with the interpreter of the ``netra`` venv (``run.py --sections dense`` does this):

    python benchmarks/dense_inprocess.py --file-list FILES.txt --rounds 3 --json OUT.json

For every round, in alternating order, it times over the same decoded sources:
    ast        ``ast.parse`` of every file (what flake8 already pays, for reference)
    parse      ``libcst.parse_module`` of every file
    check      ``netra_lint.api.check_source(source, filename)`` of every file
The goal is ``check / parse <= 2`` (netra-lint's whole cost, its own parse included).
Errors never abort the run: an exception from check_source is counted and reported.
"""
from __future__ import annotations

import argparse
import ast
import gc
import io
import json
import statistics
import sys
import time
import tokenize
import traceback
import warnings


def decode(data: bytes) -> str:
    try:
        enc, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        enc = "utf-8"
    text = data.decode(enc, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file-list", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", required=True, help="write results here")
    args = ap.parse_args()

    out: dict = {"ok": False}
    try:
        files = [ln.strip() for ln in open(args.file_list, encoding="utf-8") if ln.strip()]
        sources = []
        for f in files:
            with open(f, "rb") as fh:
                sources.append((f, decode(fh.read())))
        out["files"] = len(sources)
        out["lines"] = sum(s.count("\n") for _, s in sources)

        import libcst

        out["libcst_version"] = getattr(libcst, "__version__", None) or _dist_version("libcst")
        try:
            from netra_lint.api import check_source
        except Exception as exc:  # the API may not exist yet
            out["error"] = f"cannot import netra_lint.api.check_source: {type(exc).__name__}: {exc}"
            check_source = None

        def run_ast():
            n = 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for f, s in sources:
                    try:
                        ast.parse(s, f)
                    except (SyntaxError, ValueError, RecursionError, MemoryError):
                        n += 1
            return n

        def run_parse():
            n = 0
            for f, s in sources:
                try:
                    libcst.parse_module(s)
                except Exception:
                    n += 1
            return n

        check_errors: list[str] = []
        findings = [0]

        def run_check():
            n = 0
            total = 0
            for f, s in sources:
                try:
                    total += len(check_source(s, f))
                except Exception as exc:
                    n += 1
                    if len(check_errors) < 5:
                        check_errors.append(f"{f}: {type(exc).__name__}: {exc}")
            findings[0] = total
            return n

        steps = {"ast": run_ast, "parse": run_parse}
        if check_source is not None:
            steps["check"] = run_check
        times: dict[str, list[float]] = {k: [] for k in steps}
        failures: dict[str, int] = {}
        order = list(steps)
        for r in range(args.rounds):
            rot = order[r % len(order):] + order[: r % len(order)]
            for name in rot:
                gc.collect()
                t0 = time.perf_counter()
                failures[name] = steps[name]()
                times[name].append(time.perf_counter() - t0)
        out["times"] = times
        out["median"] = {k: statistics.median(v) for k, v in times.items()}
        out["failed_files"] = failures
        if check_source is not None:
            out["findings"] = findings[0]
            out["check_errors"] = check_errors
            out["ratio_check_parse"] = out["median"]["check"] / out["median"]["parse"]
        out["ok"] = check_source is not None
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc()[-3000:]
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=2)
    return 0 if out["ok"] else 1


def _dist_version(name: str):
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:
        return None


if __name__ == "__main__":
    sys.exit(main())
