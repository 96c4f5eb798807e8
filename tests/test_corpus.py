"""Corpus test (slow): check_source over the standard library and the benchmark sdists.

Proves that on >= 1M lines of real code no exception escapes ``check_source``, every
finding has a valid position, and every NL001 is a file that cannot be parsed (not valid
Python 3 for CPython or for libcst: Python 2 test data, deliberate syntax errors, libcst
grammar gaps). Any other NL001 (internal error, recursion in the analysis) fails. Each file
is checked twice: as users get it (the cheap text screen skips most files) and with the
screen bypassed, so the whole engine runs on every file. The second pass must not add
findings ("screen misses"): the screen is an optimisation and may only skip families that
cannot report. Known netra-lint bugs that the second pass shows are listed, exactly, in
``KNOWN_SCREEN_MISSES`` (a fixed one fails the test until it is removed from the list).

The sdists come from ``benchmarks/corpus.py``, in its cache (``$NETRA_BENCH_CACHE``, or its
default ``/work/cache``): the test reads that setting from the script itself and builds
the missing sdists there with the script. If they cannot be built the test fails: the 1M
lines are never silently dropped.

Run alone: ``python -m pytest -q -s -m slow tests/test_corpus.py`` (``-s`` shows the summary).
The NL001 list of the last run, with explanations, is in docs/robustness.md.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import subprocess
import sys
import sysconfig
import time
import tokenize
import traceback
from collections import Counter
from io import BytesIO
from pathlib import Path

import pytest

from netra_lint import api
from netra_lint.settings import Settings
from netra_lint.api import check_source

REPO = Path(__file__).resolve().parents[1]
CORPUS_SCRIPT = REPO / "benchmarks" / "corpus.py"
PROCESSES = 2
SKIP_DIRS = {"__pycache__", ".git", ".hg", ".tox", ".nox", ".venv", "site-packages", "dist-packages"}

# An NL001 message that means "libcst could not parse the file": allowed, listed.
PARSE_FAILURE_MARKERS = ("libcst cannot parse", "not valid Python", "NUL byte", "cannot decode")


def _corpus_module():
    if not CORPUS_SCRIPT.exists():
        return None
    spec = importlib.util.spec_from_file_location("netra_bench_corpus", CORPUS_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("netra_bench_corpus", module)
    spec.loader.exec_module(module)
    return module


def _py_files(root: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        out.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return out


def stdlib_files() -> list[Path]:
    """Every .py file of the running interpreter's standard library, without site-packages."""
    return _py_files(Path(sysconfig.get_paths()["stdlib"]))


def corpus_cache() -> Path:
    """The corpus cache, as benchmarks/corpus.py itself resolves it ($NETRA_BENCH_CACHE)."""
    corpus = _corpus_module()
    assert corpus is not None, f"{CORPUS_SCRIPT} is missing"
    return corpus.default_cache()


def _missing_sdists(corpus, cache: Path) -> list[str]:
    members = corpus.load_manifest(cache).get("members", {})
    return [name for name, _ in corpus.PINS if name not in members
            or not (Path(members[name]["path"]) / corpus.COMPLETE_MARKER).exists()]


def sdist_files() -> tuple[list[Path], str]:
    """The benchmark sdists' .py files, built into the corpus cache by benchmarks/corpus.py
    when missing; fails the test when they cannot be had."""
    corpus = _corpus_module()
    cache = corpus_cache()
    note = f"cache {cache}"
    missing = _missing_sdists(corpus, cache)
    if missing:
        proc = subprocess.run([sys.executable, str(CORPUS_SCRIPT), "--cache", str(cache)],
                              capture_output=True, text=True, timeout=1200)
        still = _missing_sdists(corpus, cache)
        if still:
            pytest.fail(f"the corpus sdists {still} are not in {cache} and benchmarks/corpus.py could not "
                        f"build them (exit {proc.returncode}):\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")
        note += f", built {', '.join(missing)}"
    members = corpus.load_manifest(cache)["members"]
    roots = [Path(members[name]["path"]) for name, _ in corpus.PINS]
    outside = [str(root) for root in roots if not root.resolve().is_relative_to(cache.resolve())]
    assert not outside, f"corpus members outside the cache {cache}: {outside}"
    files = [f for root in roots for f in _py_files(root)]
    return files, note + f", {len(roots)} sdists"


def decode(raw: bytes) -> tuple[str, str | None]:
    """Decode like flake8 does (PEP 263 cookie, BOM); undecodable bytes go through latin-1
    so the engine still sees the text. Returns (text, decode problem or None)."""
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(raw).readline)
        return raw.decode(encoding), None
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return raw.decode("latin-1"), f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _every_family(text, settings, wanted):
    return set(wanted)


# The forced pass (every family on every file) is what makes this test long: it runs on
# every FORCED_EVERY-th file, on every file the screen lets through anyway, and on the
# files of the known misses, so that .ci/run stays within its time (the screened pass,
# what users get, still runs on every file). Project mode has its own tests
# (tests/test_project.py); here each file is analysed alone, as the screen's contract is
# per file.
FORCED_EVERY = 4
ALONE = Settings(project=False)


def _forced_wanted(index: int, path: str) -> bool:
    return index % FORCED_EVERY == 0 or any(path.endswith(suffix) for suffix, _ in KNOWN_SCREEN_MISSES)


def analyse_file(path: str, forced: bool = True) -> dict:
    """Worker: one file in, a small picklable record out. Never raises.

    Two passes: as users get it (the cheap text screen decides which rule families run),
    and forced (the screen bypassed: every family parses and analyses every file, so the
    whole engine runs on the whole corpus). The forced pass must not add findings: the
    screen is an optimisation and may only skip families that cannot report."""
    record: dict = {"path": path, "lines": 0, "codes": Counter(), "nl001": [], "bad_positions": [],
                    "others": [], "screen_misses": [], "nl001_not_alone": None,
                    "forced_codes": Counter(), "error": None, "decode": None,
                    "seconds": 0.0, "forced_seconds": 0.0}
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        record["decode"] = f"unreadable: {exc}"
        return record
    text, record["decode"] = decode(raw)
    n_lines = len(text.splitlines()) or 1
    record["lines"] = len(text.splitlines())
    results = {}
    for mode in ("screened", "forced"):
        if mode == "forced" and not forced:
            results["forced"] = results["screened"]  # not sampled: nothing to compare
            continue
        start = time.perf_counter()
        screen = api.families_for
        if mode == "forced":
            api.families_for = _every_family
        try:
            results[mode] = check_source(text, path, ALONE)
        except BaseException as exc:  # noqa: B902 - this is what the test is about
            record["error"] = f"[{mode}] " + "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__))[-3000:]
            return record
        finally:
            api.families_for = screen
            record["seconds" if mode == "screened" else "forced_seconds"] = time.perf_counter() - start
    for f in results["screened"]:
        record["codes"][f.code] += 1
        if f.code != "NL001":
            record["others"].append((f.line, f.col, f.code, f.message))
    for f in results["screened"] + results["forced"]:
        if not (1 <= f.line <= n_lines) or f.col < 0:
            record["bad_positions"].append((f.line, f.col, f.code))
    for mode, findings in results.items():
        if any(f.code == "NL001" for f in findings) and len(findings) > 1:
            record["nl001_not_alone"] = f"[{mode}] {[(f.line, f.code) for f in findings]}"
    forced = results["forced"]
    record["forced_codes"] = Counter(f.code for f in forced)
    record["nl001"] = [(f.line, f.col, f.message) for f in forced if f.code == "NL001"]
    if not record["nl001"]:
        record["screen_misses"] = [(f.line, f.col, f.code, f.message) for f in forced
                                   if f not in results["screened"]]
    return record


def _cpython_verdict(path: str) -> str:
    """Whether this interpreter's own parser accepts the file (for the NL001 list)."""
    try:
        compile(Path(path).read_bytes(), path, "exec", dont_inherit=True, flags=1024)  # PyCF_ONLY_AST
        return f"valid for CPython {sys.version_info[0]}.{sys.version_info[1]}"
    except SyntaxError as exc:
        return f"CPython: {type(exc).__name__}: {exc.msg} (line {exc.lineno})"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"CPython: {type(exc).__name__}: {exc}"


def run_corpus(files: list[Path], processes: int = PROCESSES) -> dict:
    start = time.perf_counter()
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - not Linux
        ctx = multiprocessing.get_context()
    with ctx.Pool(processes) as pool:
        records = list(pool.starmap(analyse_file, [(str(f), _forced_wanted(i, str(f)))
                                                   for i, f in enumerate(files)], chunksize=16))
    return {"records": records, "seconds": time.perf_counter() - start}


def summarise(result: dict, note: str) -> str:
    records = result["records"]
    codes: Counter = Counter()
    forced_codes: Counter = Counter()
    for r in records:
        codes.update(r["codes"])
        forced_codes.update(r["forced_codes"])
    lines = sum(r["lines"] for r in records)
    screened_s = sum(r["seconds"] for r in records)
    forced_s = sum(r["forced_seconds"] for r in records)
    out = [f"corpus: {len(records)} files, {lines} lines, {result['seconds']:.1f} s wall "
           f"with {PROCESSES} processes ({note})",
           f"check_source time summed over files: screened {screened_s:.1f} s, forced {forced_s:.1f} s",
           "findings per code (screened, as users get them): "
           + (", ".join(f"{c} {n}" for c, n in sorted(codes.items())) or "none"),
           "findings per code (forced: every family on every file): "
           + (", ".join(f"{c} {n}" for c, n in sorted(forced_codes.items())) or "none")]
    slowest = sorted(records, key=lambda r: -r["forced_seconds"])[:5]
    out.append("slowest files (forced): " + ", ".join(
        f"{Path(r['path']).name} {r['forced_seconds']:.2f}s" for r in slowest))
    undecodable = [r for r in records if r["decode"]]
    if undecodable:
        out.append(f"undecodable as flake8 decodes (analysed as latin-1): {len(undecodable)}")
        out += [f"  {r['path']}: {r['decode']}" for r in sorted(undecodable, key=lambda r: r["path"])]
    others = sorted((r for r in records if r["others"]), key=lambda r: r["path"])
    n_others = sum(len(r["others"]) for r in others)
    out.append(f"findings other than NL001 (screened): {n_others}" + (" (first 100 listed)" if n_others > 100 else ""))
    listed = [(r["path"], f) for r in others for f in r["others"]][:100]
    out += [f"  {path}:{line}:{col + 1}: {code} {message}" for path, (line, col, code, message) in listed]
    misses = [(r["path"], f) for r in records for f in r["screen_misses"]]
    out.append(f"screen misses (found only with the screen bypassed): {len(misses)}")
    out += [f"  {path}:{line}:{col + 1}: {code} {message}" for path, (line, col, code, message) in misses[:100]]
    nl001 = sorted((r for r in records if r["nl001"]), key=lambda r: r["path"])
    out.append(f"NL001 (forced): {len(nl001)} files")
    for r in nl001:
        for line, col, message in r["nl001"]:
            screened = "also screened" if r["codes"].get("NL001") else "screened: not parsed"
            out.append(f"  {r['path']}:{line}:{col + 1}: {message}  [{_cpython_verdict(r['path'])}; {screened}]")
    return "\n".join(out)


# Screen misses that are known netra-lint bugs: (path suffix, code) -> the bug. Exact: a
# miss not listed fails the test, and so does a listed one that no longer happens.
KNOWN_SCREEN_MISSES = {
    ("idlelib/debugger_r.py", "NL203"):
        "bug: NL203 takes an RPC code table keyed by id() as a per-connection registry; "
        "hidden by the screen (the file never mentions websockets)",
    ("multiprocessing/util.py", "NL201"):
        "bug: NL201 takes Finalize()'s registry entry, keyed by a counter, as a per-call "
        "acquire; hidden by the screen (the file never mentions websockets)",
    ("django/db/models/sql/query.py", "NL201"):
        "bug: NL201 takes Query.table_map (an alias table of one query object) as a "
        "registry; hidden by the screen (the file never mentions websockets)",
}


def test_the_corpus_lives_in_the_benchmark_cache(monkeypatch, tmp_path: Path) -> None:
    """The corpus test and benchmarks/corpus.py share one cache setting."""
    monkeypatch.setenv("NETRA_BENCH_CACHE", str(tmp_path / "bench-cache"))
    assert corpus_cache() == tmp_path / "bench-cache"
    monkeypatch.delenv("NETRA_BENCH_CACHE")
    assert corpus_cache() == _corpus_module().default_cache()


def test_the_forced_pass_really_bypasses_the_screen(tmp_path: Path) -> None:
    """A broken file that mentions nothing the screen looks for: users get nothing (the
    screen skips it), the forced pass parses it and reports NL001."""
    path = tmp_path / "plain.py"
    path.write_text("def f(:\n    return 1\n", encoding="utf-8")
    record = analyse_file(str(path))
    assert record["error"] is None
    assert record["codes"] == Counter()
    assert record["forced_codes"] == Counter({"NL001": 1})


@pytest.mark.slow
# ~450 CPU-seconds in 2 processes; on a 2-core machine shared with other jobs (35% of a core
# for the whole run) it took over 30 minutes, so the bound only catches a hang.
@pytest.mark.timeout(3600)
def test_corpus_never_crashes() -> None:
    files = stdlib_files()
    extra, note = sdist_files()
    assert extra, "no sdist files"
    files += extra
    result = run_corpus(files)
    report = summarise(result, note)
    print("\n" + report)
    records = result["records"]

    errors = [r for r in records if r["error"]]
    assert not errors, "check_source raised:\n" + "\n".join(f"{r['path']}:\n{r['error']}" for r in errors)
    bad = [(r["path"], r["bad_positions"]) for r in records if r["bad_positions"]]
    assert not bad, f"findings outside the file: {bad}"
    unexplained = [(r["path"], m) for r in records for (_, _, m) in r["nl001"]
                   if not any(marker in m for marker in PARSE_FAILURE_MARKERS)]
    assert not unexplained, "NL001 that is not a parse failure (a bug):\n" + "\n".join(
        f"  {p}: {m}" for p, m in unexplained)
    not_alone = [(r["path"], r["nl001_not_alone"]) for r in records if r["nl001_not_alone"]]
    assert not not_alone, f"NL001 together with other findings: {not_alone}"
    assert sum(r["lines"] for r in records) >= 1_000_000
    # The forced pass adds no findings. A miss is either a rule reporting out of its scope
    # (a false positive the screen happens to hide) or a screen that is too narrow: both are
    # bugs. Known ones are listed exactly.
    misses = sorted({(r["path"], code) for r in records for (_, _, code, _) in r["screen_misses"]})
    known = {key: path for key in KNOWN_SCREEN_MISSES for path, code in misses
             if path.endswith(key[0]) and code == key[1]}
    unknown = [f"{path}: {code}" for path, code in misses
               if not any(path.endswith(k[0]) and code == k[1] for k in KNOWN_SCREEN_MISSES)]
    assert not unknown, "the unscreened run adds findings:\n" + "\n".join(unknown)
    fixed = [KNOWN_SCREEN_MISSES[k] for k in KNOWN_SCREEN_MISSES if k not in known]
    assert not fixed, "known screen misses no longer happen; remove them from KNOWN_SCREEN_MISSES:\n" + "\n".join(fixed)


if __name__ == "__main__":  # pragma: no cover - the same run, without pytest
    all_files = stdlib_files()
    more, why = sdist_files()
    print(summarise(run_corpus(all_files + more), why))
