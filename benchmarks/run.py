#!/usr/bin/env python3
"""netra-lint speed harness: times contenders on the same files and writes RESULTS.md.

Prerequisites (both idempotent, see README.md):
    python benchmarks/corpus.py      # pinned sdists + stdlib -> <cache>/src, corpus.json
    python benchmarks/venvs.py       # <cache>/venvs/{bare,bugbear,async,netra}

Sections (``--sections``, default all):
    flake8   each contender's flake8 (-j1, one process) on --corpus, alternating contenders,
             --rounds rounds: median wall/CPU time, ratio to bare flake8, peak RSS, lines/s
    cli      ``netra-lint check``: cold (cache removed) vs warm (cache populated),
             --jobs 1 vs --jobs 2
    dense    websocket-dense corpus (examples/ + tests/fixtures/ replicated to
             --dense-lines lines in <cache>/dense): in-process libcst.parse_module vs
             netra_lint.api.check_source, plus flake8 of --dense-contenders
    scaling  --scaling-corpus replicated 1x and 10x (<cache>/scaled): time per line

Every section records its results in benchmarks/results.json (one entry per section and
corpus, so sections can be run separately) and RESULTS.md is re-rendered from it.
A contender or command that is missing or fails is reported as such; the run goes on.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus as corpus_mod  # noqa: E402

CONTENDERS = ["bare", "bugbear", "async", "netra"]
PLUGIN_DIST = {"bugbear": "flake8-bugbear", "async": "flake8-async", "netra": "netra-lint"}
PLUGIN_SELECT = {"bare": None, "bugbear": "B", "async": "ASYNC", "netra": "NL"}
DEFAULT_CORPUS = ["stdlib:asyncio", "sdists"]
CLI_CACHE_NAMES = [".netra-lint-cache"]
MAX_ARGV_BYTES = 1_500_000
MARK = "# netra-bench copy {n}\n"
# Environment of every timed process, set by main(): bytecode caching on (a user's install
# has .pyc files; PYTHONDONTWRITEBYTECODE would make every run recompile the editable
# netra_lint), with the .pyc files kept in <cache>/pycache instead of the source trees.
BENCH_ENV: dict = dict(os.environ)


def set_bench_env(cache: Path) -> None:
    BENCH_ENV.clear()
    BENCH_ENV.update({k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    BENCH_ENV["PYTHONPYCACHEPREFIX"] = str(cache / "pycache")


# --------------------------------------------------------------------------- utilities

def log(*a) -> None:
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def sh(cmd: list[str], **kw) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw).stdout.strip()
    except Exception:
        return ""


class Run(dict):
    """One measured process: wall, user, sys (s), maxrss (KiB), rc, out_lines, ok, error."""


ERROR_MARKERS = ("Traceback (most recent call last)", "critical error", "FailedToLoadPlugin")
SELECTION = {"plugin": "each plugin its own codes (bare: flake8's default)", "all": "flake8's default (everything)"}


def measure(cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = 3600,
            ok_codes=(0, 1), error_markers=ERROR_MARKERS) -> Run:
    """Run cmd once; wall time by perf_counter, CPU and peak RSS from wait4() of that child."""
    env = dict(BENCH_ENV if env is None else env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            return Run(ok=False, error=f"cannot start {cmd[0]}: {exc}", rc=None)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)  # the process group this run started
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    run = Run(wall=wall, user=ru.ru_utime, sys=ru.ru_stime, maxrss=ru.ru_maxrss, rc=p.returncode,
              out_lines=stdout.count("\n"), stdout=stdout, ok=True, error=None)
    if timed_out.is_set():
        run.update(ok=False, error=f"timed out after {timeout:.0f}s")
    elif p.returncode not in ok_codes:
        run.update(ok=False, error=f"exit code {p.returncode}: {tail(stderr or stdout)}")
    elif any(m in stderr for m in error_markers):
        run.update(ok=False, error=f"error output (exit {p.returncode}): {tail(stderr)}")
    return run


def tail(text: str, n: int = 6) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:])[-800:]


def median(xs):
    return statistics.median(xs) if xs else None


def count_lines(files) -> int:
    return corpus_mod.count_lines([Path(f) for f in files])


def warm_page_cache(files) -> None:
    for f in files:
        try:
            with open(f, "rb") as fh:
                fh.read()
        except OSError:
            pass


def check_argv(files) -> None:
    size = sum(len(str(f)) + 1 for f in files)
    if size > MAX_ARGV_BYTES:
        raise SystemExit(f"file list is {size} bytes of argv (> {MAX_ARGV_BYTES}); use a smaller corpus")


def venv_bin(cache: Path, contender: str, script: str) -> Path:
    return cache / "venvs" / contender / "bin" / script


def machine_info() -> dict:
    mem_kb = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": sh(["nproc"]) or str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB" if mem_kb else "?",
        "cpu": cpu or platform.processor() or "?",
        "python": platform.python_implementation() + " " + platform.python_version(),
        "platform": platform.platform(),
        "loadavg_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "netra_commit": (sh(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]) or "no commit")
        + (" (dirty)" if sh(["git", "-C", str(REPO), "status", "--porcelain", "netra_lint"]) else ""),
    }


def contender_versions(cache: Path, workdir: Path) -> dict:
    out = {}
    for c in CONTENDERS:
        exe = venv_bin(cache, c, "flake8")
        if not exe.exists():
            out[c] = "venv missing"
            continue
        r = subprocess.run([str(exe), "--version"], cwd=workdir, capture_output=True, text=True)
        out[c] = " ".join(r.stdout.split()) if r.returncode == 0 else "flake8 --version failed: " + tail(r.stderr, 1)
    return out


# --------------------------------------------------------------------------- replication

def replicate(files: list[Path], dest: Path, copies: int, label: str) -> list[Path]:
    """Copy files `copies` times under dest/copy_NNNN/<relpath>, each copy made unique by a
    trailing comment (so a content-hash cache cannot serve copy 2 from copy 1)."""
    files = [Path(f) for f in files]
    if not files:
        return []
    root = Path(os.path.commonpath([str(f.parent) for f in files]))
    h = hashlib.sha256(f"{copies}|{root}".encode())
    for f in files:
        h.update(str(f).encode())
        h.update(f.read_bytes())
    stamp = dest / ".stamp"
    digest = h.hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return sorted(dest.rglob("*.py"))
    log(f"building {label}: {len(files)} files x {copies} -> {dest}")
    if dest.exists():
        shutil.rmtree(dest)
    for n in range(copies):
        for f in files:
            data = f.read_bytes()
            if data and not data.endswith((b"\n", b"\r")):
                data += b"\n"
            target = dest / f"copy_{n:04d}" / f.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data + MARK.format(n=n).encode())
    stamp.write_text(digest)
    return sorted(dest.rglob("*.py"))


# --------------------------------------------------------------------------- flake8 section

def flake8_cmd(cache: Path, contender: str, mode: str, targets) -> list[str]:
    cmd = [str(venv_bin(cache, contender, "flake8")), "--isolated", "-j", "1"]
    if mode == "plugin" and PLUGIN_SELECT[contender]:
        cmd += ["--select", PLUGIN_SELECT[contender]]
    return cmd + [str(t) for t in targets]


def preflight_flake8(cache: Path, contender: str, mode: str, sample, workdir: Path) -> str | None:
    """None if the contender is usable, else the reason."""
    exe = venv_bin(cache, contender, "flake8")
    if not exe.exists():
        return f"{exe} missing (run benchmarks/venvs.py)"
    r = measure([str(exe), "--version"], workdir, ok_codes=(0,))
    if not r["ok"]:
        return "flake8 --version: " + r["error"]
    dist = PLUGIN_DIST.get(contender)
    if dist and dist not in r["stdout"]:
        return f"plugin {dist} not listed by flake8 --version: {' '.join(r['stdout'].split())}"
    r = measure(flake8_cmd(cache, contender, mode, sample), workdir, timeout=600)
    if not r["ok"]:
        return "warm-up run failed: " + r["error"]
    return None


def time_flake8(cache: Path, contenders: list[str], mode: str, targets, lines: int, rounds: int,
                workdir: Path, timeout: float, sample, slow: dict | None = None) -> dict:
    """Alternate contenders (order rotated each round); return per-contender stats.
    slow maps a contender to its maximum number of rounds (flake8-async is ~15x bare)."""
    slow = slow or {}
    stats = {c: {"runs": [], "error": None} for c in contenders}
    for c in contenders:
        reason = preflight_flake8(cache, c, mode, sample, workdir)
        if reason:
            stats[c]["error"] = reason
            log(f"  {c}: SKIPPED - {reason}")
    live = [c for c in contenders if not stats[c]["error"]]
    for r in range(rounds):
        order = live[r % len(live):] + live[: r % len(live)] if live else []
        for c in order:
            if stats[c]["error"] or r >= slow.get(c, rounds):
                continue
            run = measure(flake8_cmd(cache, c, mode, targets), workdir, timeout=timeout)
            if not run["ok"]:
                stats[c]["error"] = f"round {r + 1}: {run['error']}"
                log(f"  round {r + 1} {c}: FAILED - {run['error']}")
                continue
            stats[c]["runs"].append({k: run[k] for k in ("wall", "user", "sys", "maxrss", "rc", "out_lines")})
            log(f"  round {r + 1} {c:8} {run['wall']:8.2f}s  rss {run['maxrss'] / 1024:6.0f} MiB  "
                f"{run['out_lines']} reports")
    bare = stats.get("bare")
    bare_wall = median([x["wall"] for x in bare["runs"]]) if bare and bare["runs"] and not bare["error"] else None
    bare_rss = median([x["maxrss"] for x in bare["runs"]]) if bare_wall else None
    for c, s in stats.items():
        runs = s["runs"]
        if not runs or s["error"]:
            continue
        s["wall"] = median([x["wall"] for x in runs])
        s["cpu"] = median([x["user"] + x["sys"] for x in runs])
        s["maxrss_kib"] = max(x["maxrss"] for x in runs)
        s["reports"] = runs[-1]["out_lines"]
        s["lines_per_s"] = lines / s["wall"] if s["wall"] else None
        s["ratio_wall"] = s["wall"] / bare_wall if bare_wall else None
        s["ratio_rss"] = s["maxrss_kib"] / bare_rss if bare_rss else None
    return stats


def section_flake8(args, workdir: Path) -> dict:
    files = corpus_mod.resolve_files(args.corpus, args.cache)
    check_argv(files)
    lines = count_lines(files)
    log(f"[flake8] corpus {','.join(args.corpus)}: {len(files)} files, {lines} lines, mode {args.select_mode}")
    warm_page_cache(files)
    stats = time_flake8(args.cache, args.contenders, args.select_mode, files, lines, args.rounds,
                        workdir, args.timeout, files[:10], slow_rounds(args))
    return {"key": f"flake8 · {','.join(args.corpus)} · {args.select_mode}", "kind": "flake8",
            "corpus": ",".join(args.corpus), "files": len(files), "lines": lines,
            "mode": args.select_mode, "rounds": args.rounds, "contenders": stats}


# --------------------------------------------------------------------------- cli section

def cli_features(cache: Path, workdir: Path) -> tuple[Path | None, str, dict]:
    exe = venv_bin(cache, "netra", "netra-lint")
    if not exe.exists():
        return None, f"{exe} missing (netra venv not built, or the CLI entry point is not installed)", {}
    r = measure([str(exe), "check", "--help"], workdir, ok_codes=(0,), timeout=120)
    if not r["ok"]:
        return None, "`netra-lint check --help` failed: " + r["error"], {}
    help_text = r["stdout"]
    return exe, "", {"jobs": "--jobs" in help_text, "cache_dir": "--cache-dir" in help_text,
                     "no_cache": "--no-cache" in help_text}


def clear_cli_cache(workdir: Path, roots: list[Path]) -> None:
    for name in CLI_CACHE_NAMES:
        shutil.rmtree(workdir / name, ignore_errors=True)
    shutil.rmtree(workdir / "xdg-cache", ignore_errors=True)
    for root in roots:
        for dirpath, dirnames, _ in os.walk(root):
            for d in list(dirnames):
                if d in CLI_CACHE_NAMES:
                    shutil.rmtree(Path(dirpath) / d, ignore_errors=True)
                    dirnames.remove(d)
                elif d in ("__pycache__", ".git"):
                    dirnames.remove(d)


def cli_env(workdir: Path) -> dict:
    return dict(BENCH_ENV, XDG_CACHE_HOME=str(workdir / "xdg-cache"))


def cli_cmd(exe: Path, feats: dict, workdir: Path, targets, jobs: int | None) -> list[str]:
    cmd = [str(exe), "check"]
    if feats.get("cache_dir"):
        cmd += ["--cache-dir", str(workdir / ".netra-lint-cache")]
    if jobs is not None and feats.get("jobs"):
        cmd += ["--jobs", str(jobs)]
    return cmd + [str(t) for t in targets]


def time_cli(exe, feats, workdir: Path, targets, roots, rounds: int, timeout: float, warm: bool = True,
             jobs2: bool = True) -> dict:
    """cold j1, cold j2 (cache removed before each) and warm j1, alternating per round."""
    env = cli_env(workdir)
    variants = ["cold_j1"] + (["cold_j2"] if jobs2 and feats.get("jobs") else []) + (["warm_j1"] if warm else [])
    res = {v: {"runs": [], "error": None} for v in variants}
    for r in range(rounds):
        for v in variants:
            if res[v]["error"]:
                continue
            jobs = 2 if v.endswith("j2") else 1
            if v.startswith("cold"):
                clear_cli_cache(workdir, roots)
            elif not res["cold_j1"]["runs"] and not (res.get("cold_j2") or {}).get("runs"):
                res[v]["error"] = "no successful cold run to warm the cache"
                continue
            run = measure(cli_cmd(exe, feats, workdir, targets, jobs), workdir, env=env, timeout=timeout)
            if not run["ok"]:
                res[v]["error"] = f"round {r + 1}: {run['error']}"
                log(f"  round {r + 1} {v}: FAILED - {run['error']}")
                continue
            res[v]["runs"].append({k: run[k] for k in ("wall", "user", "sys", "maxrss", "rc", "out_lines")})
            log(f"  round {r + 1} {v:8} {run['wall']:8.2f}s  rss {run['maxrss'] / 1024:6.0f} MiB  "
                f"{run['out_lines']} lines of output")
    for v, s in res.items():
        if s["runs"] and not s["error"]:
            s["wall"] = median([x["wall"] for x in s["runs"]])
            s["cpu"] = median([x["user"] + x["sys"] for x in s["runs"]])
            s["maxrss_kib"] = max(x["maxrss"] for x in s["runs"])
            s["reports"] = s["runs"][-1]["out_lines"]
    clear_cli_cache(workdir, roots)
    return res


def section_cli(args, workdir: Path) -> dict:
    spec = args.cli_corpus or args.corpus
    key = f"cli · {','.join(spec)}"
    exe, why, feats = cli_features(args.cache, workdir)
    if exe is None:
        log(f"[cli] SKIPPED: {why}")
        return {"key": key, "kind": "cli", "skipped": why}
    files = resolve_spec(args, spec)
    check_argv(files)
    lines = count_lines(files)
    roots = spec_roots(args, spec)
    log(f"[cli] corpus {','.join(spec)}: {len(files)} files, {lines} lines; features {feats}")
    warm_page_cache(files)
    res = time_cli(exe, feats, workdir, files, roots, args.rounds, args.timeout)
    notes = []
    if not feats.get("jobs"):
        notes.append("`netra-lint check --help` does not mention --jobs: jobs comparison not run")
    out = {"key": key, "kind": "cli", "corpus": ",".join(spec), "files": len(files), "lines": lines,
           "rounds": args.rounds, "features": feats, "variants": res, "notes": notes}
    c1, c2, w1 = (res.get(k, {}).get("wall") for k in ("cold_j1", "cold_j2", "warm_j1"))
    out["warm_speedup"] = c1 / w1 if c1 and w1 else None
    out["jobs2_speedup"] = c1 / c2 if c1 and c2 else None
    return out


def resolve_spec(args, spec: list[str]) -> list[Path]:
    """corpus specs plus `dense` (the built websocket-dense corpus)."""
    rest = [s for s in spec if s != "dense"]
    files = corpus_mod.resolve_files(rest, args.cache) if rest else []
    if "dense" in spec:
        files += build_dense(args)[0]
    return files


def spec_roots(args, spec: list[str]) -> list[Path]:
    members = corpus_mod.load_manifest(args.cache).get("members", {})
    roots = []
    for s in spec:
        for part in s.split(","):
            if part == "dense":
                roots.append(args.cache / "dense")
            elif part in ("sdists", "all"):
                roots += [Path(m["path"]) for n, m in members.items() if n != corpus_mod.STDLIB]
            elif os.path.exists(part):
                roots.append(Path(part))
            else:
                name = part.split(":", 1)[0]
                if name in members and name != corpus_mod.STDLIB:
                    roots.append(Path(members[name]["path"]))
    return roots


# --------------------------------------------------------------------------- dense section

def dense_sources(max_kb: int) -> tuple[list[Path], list[str]]:
    """examples/ and tests/fixtures/ .py files; files over max_kb (the bad-input fixtures:
    huge or pathological files) are left out so they do not dominate the dense corpus."""
    out, left_out = [], []
    for sub in ("examples", "tests/fixtures"):
        d = REPO / sub
        if d.is_dir():
            for f in corpus_mod.py_files(d):
                if f.stat().st_size > max_kb * 1024:
                    left_out.append(str(f.relative_to(REPO)))
                else:
                    out.append(f)
    return out, left_out


def build_dense(args) -> tuple[list[Path], int, int, list[str]]:
    """(files, source_lines, copies, left_out)"""
    src, left_out = dense_sources(args.dense_max_file_kb)
    src_lines = count_lines(src)
    if not src_lines:
        return [], 0, 0, left_out
    copies = max(1, math.ceil(args.dense_lines / src_lines))
    files = replicate(src, args.cache / "dense", copies, "dense corpus")
    return files, src_lines, copies, left_out


def section_dense(args, workdir: Path) -> dict:
    key = "dense"
    files, src_lines, copies, left_out = build_dense(args)
    if not files:
        why = "no .py files in examples/ or tests/fixtures/ yet"
        log(f"[dense] SKIPPED: {why}")
        return {"key": key, "kind": "dense", "skipped": why}
    lines = count_lines(files)
    log(f"[dense] {len(files)} files, {lines} lines ({src_lines} source lines x {copies})")
    warm_page_cache(files)
    out = {"key": key, "kind": "dense", "files": len(files), "lines": lines, "source_lines": src_lines,
           "copies": copies, "rounds": args.rounds, "left_out": left_out}
    py = venv_bin(args.cache, "netra", "python")
    if not py.exists():
        out["inprocess"] = {"ok": False, "error": f"{py} missing (run benchmarks/venvs.py)"}
    else:
        flist = workdir / "dense-files.txt"
        flist.write_text("".join(f"{f}\n" for f in files))
        jout = workdir / "dense.json"
        jout.unlink(missing_ok=True)
        run = measure([str(py), str(HERE / "dense_inprocess.py"), "--file-list", str(flist),
                       "--rounds", str(args.rounds), "--json", str(jout)], workdir,
                      timeout=args.timeout, ok_codes=(0, 1), error_markers=())
        data = json.loads(jout.read_text()) if jout.exists() else {"ok": False, "error": run["error"] or "no output"}
        data["maxrss_kib"] = run.get("maxrss")
        out["inprocess"] = data
        if data.get("ok"):
            m = data["median"]
            log(f"  ast {m['ast']:.2f}s  libcst parse {m['parse']:.2f}s  check_source {m['check']:.2f}s  "
                f"ratio {data['ratio_check_parse']:.2f}")
        else:
            log(f"  in-process: FAILED - {data.get('error')}")
    if args.dense_contenders:
        out["flake8"] = time_flake8(args.cache, args.dense_contenders, args.select_mode, files, lines,
                                    args.rounds, workdir, args.timeout, files[:10], slow_rounds(args))
        out["mode"] = args.select_mode
    return out


# --------------------------------------------------------------------------- scaling section

def section_scaling(args, workdir: Path) -> dict:
    spec = args.scaling_corpus
    key = f"scaling · {','.join(spec)}"
    base = resolve_spec(args, spec)
    if not base:
        return {"key": key, "kind": "scaling", "skipped": "empty corpus"}
    slug = hashlib.sha1(",".join(spec).encode()).hexdigest()[:8]
    out = {"key": key, "kind": "scaling", "corpus": ",".join(spec), "rounds": args.rounds,
           "mode": args.select_mode, "factors": {}}
    exe, why, feats = cli_features(args.cache, workdir)
    for factor in args.scaling_factors:
        dest = args.cache / "scaled" / f"{slug}-x{factor}"
        files = replicate(base, dest, factor, f"scaled corpus x{factor}")
        lines = count_lines(files)
        log(f"[scaling] x{factor}: {len(files)} files, {lines} lines")
        warm_page_cache(files)
        entry = {"files": len(files), "lines": lines}
        # the copies' root directory is passed, not the file list (argv stays small)
        entry["flake8"] = time_flake8(args.cache, args.scaling_contenders, args.select_mode, [dest], lines,
                                      args.rounds, workdir, args.timeout, files[:10], slow_rounds(args))
        if exe is not None:
            entry["cli_cold"] = time_cli(exe, feats, workdir, [dest], [dest], args.rounds, args.timeout,
                                         warm=False, jobs2=False).get("cold_j1")
        out["factors"][str(factor)] = entry
    if exe is None:
        out["cli_skipped"] = why
        log(f"[scaling] netra-lint check SKIPPED: {why}")
    return out


def slow_rounds(args) -> dict:
    return {c: args.slow_rounds for c in args.slow} if args.slow_rounds else {}


# --------------------------------------------------------------------------- report

def fmt_s(x):
    return "—" if x is None else (f"{x:.2f}" if x < 100 else f"{x:.0f}")


def fmt_r(x):
    return "—" if x is None else f"{x:.2f}×"


def fmt_mib(kib):
    return "—" if kib is None else f"{kib / 1024:.0f}"


def fmt_n(x):
    return "—" if x is None else f"{x:,.0f}"


def goal(rows, name, value, ok, target, where):
    rows.append((name, value, target, "—" if value is None else ("met" if ok else "missed"), where))


def ratio_cpu(stats: dict, c: str):
    bare, s = stats.get("bare") or {}, stats.get(c) or {}
    return s["cpu"] / bare["cpu"] if s.get("cpu") and bare.get("cpu") and not bare.get("error") else None


def flake8_table(stats: dict) -> list[str]:
    out = ["| contender | median wall s | median CPU s | × bare (wall) | × bare (CPU) | peak RSS MiB | × bare (RSS) "
           "| lines/s | reports | rounds |", "|---|---|---|---|---|---|---|---|---|---|"]
    for c, s in stats.items():
        if s.get("error"):
            out.append(f"| {c} | **failed**: {s['error'][:300].replace('|', '/')} | | | | | | | | |")
            continue
        out.append(f"| {c} | {fmt_s(s['wall'])} | {fmt_s(s['cpu'])} | {fmt_r(s['ratio_wall'])} | "
                   f"{fmt_r(ratio_cpu(stats, c))} | {fmt_mib(s['maxrss_kib'])} | {fmt_r(s['ratio_rss'])} | "
                   f"{fmt_n(s['lines_per_s'])} | {s['reports']} | {len(s['runs'])} |")
    return out


def render(results: dict) -> str:
    sections = results.get("sections", {})
    L = ["# netra-lint benchmark results", "",
         "Written by `benchmarks/run.py` (see `benchmarks/README.md` for what each number means). "
         "Each section shows the date and machine of the run that produced it.", ""]
    goals: list = []
    body: list[str] = []
    for key in sorted(sections, key=lambda k: (["flake8", "dense", "cli", "scaling"].index(sections[k]["kind"]), k)):
        s = sections[key]
        m = s.get("machine", {})
        body += [f"## {key}", "",
                 f"{m.get('date', '?')} · nproc {m.get('nproc', '?')} · {m.get('memory', '?')} · "
                 f"{m.get('python', '?')} · {m.get('cpu', '?')} · load at start {m.get('loadavg_at_start', '?')} · "
                 f"netra-lint {m.get('netra_commit', '?')}", ""]
        if s.get("command"):
            body += [f"`{s['command']}`", ""]
        if s.get("skipped"):
            body += [f"*Skipped:* {s['skipped']}", ""]
            continue
        if s["kind"] == "flake8":
            body += [f"{s['files']} files, {s['lines']:,} lines; `flake8 -j1 --isolated`, "
                     f"selection: {SELECTION[s['mode']]}; up to {s['rounds']} rounds, contenders alternating "
                     "(the rounds column says how many each ran).", ""]
            body += flake8_table(s["contenders"]) + [""]
            st = s["contenders"]
            n, a = st.get("netra", {}), st.get("async", {})
            rc = ratio_cpu(st, "netra")
            if rc is not None:
                goal(goals, "flake8 + netra-lint ≤ 1.25× bare flake8", f"CPU {fmt_r(rc)} (wall {fmt_r(n['ratio_wall'])})",
                     rc <= 1.25, "≤ 1.25×", key)
                goal(goals, "peak RSS netra ≤ 1.5× bare", fmt_r(n["ratio_rss"]), n["ratio_rss"] <= 1.5, "≤ 1.5×", key)
            if n.get("cpu") and a.get("cpu") and not n.get("error") and not a.get("error"):
                r, rw = a["cpu"] / n["cpu"], a["wall"] / n["wall"]
                goal(goals, "flake8 + netra-lint ≥ 10× faster than flake8 + flake8-async",
                     f"CPU {fmt_r(r)} (wall {fmt_r(rw)})", r >= 10, "≥ 10×", key)
        elif s["kind"] == "dense":
            body += [f"{s['files']} files, {s['lines']:,} lines: examples/ + tests/fixtures/ "
                     f"({s['source_lines']:,} lines) × {s['copies']}, each copy made unique by a trailing comment."
                     + (f" Left out (> size limit): {', '.join(s['left_out'])}." if s.get("left_out") else ""), ""]
            ip = s.get("inprocess", {})
            if ip.get("ok"):
                md = ip["median"]
                body += ["In one process, same decoded sources, median of "
                         f"{s['rounds']} rounds:", "",
                         "| step | median s | lines/s | × libcst parse |", "|---|---|---|---|"]
                for k, label in (("ast", "`ast.parse`"), ("parse", "`libcst.parse_module`"),
                                 ("check", "`netra_lint.api.check_source` (includes its parse)")):
                    body.append(f"| {label} | {fmt_s(md[k])} | {fmt_n(s['lines'] / md[k] if md[k] else None)} | "
                                f"{fmt_r(md[k] / md['parse'])} |")
                body += ["", f"check_source: {ip.get('findings')} findings; exceptions on "
                         f"{ip['failed_files'].get('check', 0)} files"
                         + (f" (first: {ip['check_errors'][0]})" if ip.get("check_errors") else "")
                         + f"; libcst could not parse {ip['failed_files'].get('parse', 0)} files; "
                         f"peak RSS {fmt_mib(ip.get('maxrss_kib'))} MiB.", ""]
                goal(goals, "dense: netra-lint ≤ 2× libcst parse", fmt_r(ip["ratio_check_parse"]),
                     ip["ratio_check_parse"] <= 2, "≤ 2×", key)
            else:
                body += [f"*In-process measurement failed:* {ip.get('error')}", ""]
            if s.get("flake8"):
                body += [f"flake8 on the dense corpus (selection: {s.get('mode')}):", ""] + flake8_table(s["flake8"]) + [""]
        elif s["kind"] == "cli":
            body += [f"{s['files']} files, {s['lines']:,} lines; `netra-lint check`; cold = cache removed "
                     f"before the run, warm = cache left by the previous run; {s['rounds']} rounds.", "",
                     "| variant | median wall s | median CPU s | peak RSS MiB | lines/s | output lines |",
                     "|---|---|---|---|---|---|"]
            for v, r in s["variants"].items():
                if r.get("error"):
                    body.append(f"| {v} | **failed**: {r['error'][:300].replace('|', '/')} | | | | |")
                else:
                    body.append(f"| {v} | {fmt_s(r['wall'])} | {fmt_s(r['cpu'])} | {fmt_mib(r['maxrss_kib'])} | "
                                f"{fmt_n(s['lines'] / r['wall'])} | {r['reports']} |")
            body += [""] + [f"*Note:* {n}" for n in s.get("notes", [])]
            body += [f"Warm speedup (cold j1 / warm j1): {fmt_r(s.get('warm_speedup'))}; "
                     f"--jobs 2 speedup (cold j1 / cold j2): {fmt_r(s.get('jobs2_speedup'))}.", ""]
            if s.get("warm_speedup") is not None:
                goal(goals, "warm CLI ≥ 20× faster than cold", fmt_r(s["warm_speedup"]), s["warm_speedup"] >= 20, "≥ 20×", key)
        elif s["kind"] == "scaling":
            body += [f"`{s['corpus']}` replicated (each copy unique); flake8 -j1 (selection: {s['mode']}) "
                     f"and `netra-lint check` cold; median of {s['rounds']} rounds. "
                     "Per-line ratio = (CPU time per line at N×) / (CPU time per line at 1×); 1.00 is linear, "
                     "below 1 is fixed start-up cost being amortised.", "",
                     "| factor | files | lines | tool | median wall s | median CPU s | lines/s (wall) "
                     "| per-line ratio vs 1× (CPU) | peak RSS MiB |",
                     "|---|---|---|---|---|---|---|---|---|"]
            facs = s["factors"]
            base = facs.get(str(min(int(k) for k in facs))) if facs else None
            for f, e in sorted(facs.items(), key=lambda kv: int(kv[0])):
                tools = [(f"flake8 {c}", st) for c, st in e["flake8"].items()]
                if e.get("cli_cold") is not None:
                    tools.append(("netra-lint check (cold)", e["cli_cold"]))
                for name, st in tools:
                    if st.get("error") or st.get("wall") is None:
                        body.append(f"| {f}× | {e['files']} | {e['lines']:,} | {name} | **failed/skipped**: "
                                    f"{str(st.get('error'))[:200].replace('|', '/')} | | | | |")
                        continue
                    bst = None
                    if base is not None:
                        bst = base["flake8"].get(name[7:]) if name.startswith("flake8 ") else base.get("cli_cold")
                    ratio = None
                    if bst and bst.get("cpu"):
                        ratio = (st["cpu"] / e["lines"]) / (bst["cpu"] / base["lines"])
                    body.append(f"| {f}× | {e['files']} | {e['lines']:,} | {name} | {fmt_s(st['wall'])} | "
                                f"{fmt_s(st.get('cpu'))} | {fmt_n(e['lines'] / st['wall'])} | {fmt_r(ratio)} | "
                                f"{fmt_mib(st.get('maxrss_kib'))} |")
                    if name in ("flake8 netra", "netra-lint check (cold)") and ratio is not None and int(f) > 1:
                        goal(goals, f"linear scaling 1×→{f}× ({name})", fmt_r(ratio), ratio <= 1.2,
                             "per-line ratio ≤ 1.2×", key)
            body.append("")
            if s.get("cli_skipped"):
                body += [f"*netra-lint check skipped:* {s['cli_skipped']}", ""]
    L += ["## Goals (issue 7)", "", "| goal | measured | target | status | section |", "|---|---|---|---|---|"]
    if goals:
        L += [f"| {g} | {v} | {t} | {st} | {w} |" for g, v, t, st, w in goals]
    else:
        L.append("| (no goal measurable yet: netra-lint not benchmarked successfully) | | | | |")
    L += ["", "## Contenders", ""]
    for c, v in results.get("versions", {}).items():
        L.append(f"- **{c}**: {v}")
    L += [""] + body
    return "\n".join(L).rstrip() + "\n"


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=corpus_mod.default_cache(), help="default %(default)s")
    ap.add_argument("--sections", default="flake8,dense,cli,scaling",
                    help="comma list of flake8,dense,cli,scaling (default: all)")
    ap.add_argument("--corpus", nargs="+", default=DEFAULT_CORPUS,
                    help="corpus specs for flake8/cli (default: %(default)s); see corpus.py resolve_files, "
                         "plus `dense`")
    ap.add_argument("--contenders", default=",".join(CONTENDERS), help="default %(default)s")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--select-mode", choices=["plugin", "all"], default="plugin",
                    help="plugin: bare default, others --select their own prefix (B, ASYNC, NL); "
                         "all: every contender with flake8's default selection (everything)")
    ap.add_argument("--timeout", type=float, default=3600, help="per process run, seconds")
    ap.add_argument("--slow", default="async", help="contenders limited to --slow-rounds (default %(default)s)")
    ap.add_argument("--slow-rounds", type=int, default=0,
                    help="at most this many rounds for the --slow contenders (default: all --rounds)")
    ap.add_argument("--cli-corpus", nargs="+", help="corpus for the cli section (default: --corpus)")
    ap.add_argument("--dense-lines", type=int, default=100_000)
    ap.add_argument("--dense-max-file-kb", type=int, default=256,
                    help="leave out larger example/fixture files (bad-input fixtures)")
    ap.add_argument("--dense-contenders", default="bare,netra",
                    help="flake8 contenders also timed on the dense corpus ('' for none)")
    ap.add_argument("--scaling-corpus", nargs="+", default=["stdlib:asyncio"])
    ap.add_argument("--scaling-factors", default="1,10")
    ap.add_argument("--scaling-contenders", default="bare,netra")
    ap.add_argument("--results", type=Path, default=HERE / "results.json")
    ap.add_argument("--markdown", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--fresh", action="store_true", help="drop earlier sections from results.json")
    ap.add_argument("--render-only", action="store_true", help="re-render RESULTS.md from results.json")
    args = ap.parse_args(argv)

    def split(s):
        return [x for x in (s or "").split(",") if x]

    args.contenders = split(args.contenders)
    args.dense_contenders = split(args.dense_contenders)
    args.scaling_contenders = split(args.scaling_contenders)
    args.scaling_factors = [int(x) for x in split(args.scaling_factors)]
    args.slow = split(args.slow)
    for c in args.contenders + args.dense_contenders + args.scaling_contenders:
        if c not in CONTENDERS:
            ap.error(f"unknown contender {c!r} (known: {', '.join(CONTENDERS)})")
    sections = split(args.sections)
    for s in sections:
        if s not in ("flake8", "dense", "cli", "scaling"):
            ap.error(f"unknown section {s!r}")

    results = {"sections": {}}
    if args.results.exists() and not args.fresh:
        results = json.loads(args.results.read_text())
    if args.render_only:
        args.markdown.write_text(render(results))
        return 0

    workdir = args.cache / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    set_bench_env(args.cache)
    results["versions"] = contender_versions(args.cache, workdir)
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    status = 0
    for name in sections:
        fn = {"flake8": section_flake8, "dense": section_dense, "cli": section_cli, "scaling": section_scaling}[name]
        machine = machine_info()
        try:
            sec = fn(args, workdir)
        except SystemExit as exc:
            sec = {"key": name, "kind": name, "skipped": str(exc)}
            status = 1
        sec["machine"] = machine
        sec["command"] = command
        results["sections"][sec["key"]] = sec
        # write after every section: a long run that is stopped keeps what it measured
        args.results.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        args.markdown.write_text(render(results))
        log(f"[{name}] done -> {args.markdown}")
    return status


if __name__ == "__main__":
    sys.exit(main())
