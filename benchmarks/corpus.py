#!/usr/bin/env python3
"""Build the pinned real-code corpus that the benchmarks and the corpus test run on.

The corpus lives outside the repository (default ``/work/cache``, or ``$NETRA_BENCH_CACHE``):

    <cache>/sdists/                    the downloaded source distributions (pip download)
    <cache>/src/<name>-<version>/      each sdist, extracted
    <cache>/corpus.json                manifest: members, versions, paths, file and line counts

The interpreter's standard library is a corpus member too (``stdlib``); it is not copied,
the manifest points at ``sysconfig.get_paths()["stdlib"]`` (without ``site-packages``).

Re-runnable and idempotent: a member whose extracted tree is complete is skipped, an sdist
already downloaded is not downloaded again. Third-party code is never copied into the repo.

    python benchmarks/corpus.py                 # build everything, print line counts
    python benchmarks/corpus.py --only django   # one member
    python benchmarks/corpus.py --list          # print the manifest, build nothing
    python benchmarks/corpus.py --files stdlib:asyncio fastapi   # print .py paths

Other scripts import ``resolve_files()`` / ``load_manifest()`` from here.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile
from pathlib import Path

# Pinned current releases (PyPI, checked when this file was written). Bump deliberately:
# a change of pins changes the numbers in RESULTS.md.
PINS: list[tuple[str, str]] = [
    ("fastapi", "0.165.0"),
    ("starlette", "1.10.0"),
    ("uvicorn", "0.54.0"),
    ("channels", "4.3.2"),
    ("broadcaster", "0.3.1"),
    ("fastapi-websocket-rpc", "0.1.29"),
    ("fastapi-websocket-pubsub", "1.0.1"),
    ("django", "5.2.19"),
    ("websockets", "17.4"),
    ("python-socketio", "5.18.1"),
    ("aiohttp", "3.14.5"),
    ("daphne", "4.2.3"),
    ("sse-starlette", "3.7.0"),
]

STDLIB = "stdlib"
COMPLETE_MARKER = ".netra-corpus-complete"
# Directory names never walked when collecting .py files.
SKIP_DIRS = {"__pycache__", ".git", ".hg", ".tox", ".nox", ".venv", "site-packages", "dist-packages"}


def default_cache() -> Path:
    return Path(os.environ.get("NETRA_BENCH_CACHE", "/work/cache"))


def normalize(name: str) -> str:
    """PEP 503 name normalisation, also used to match sdist file names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def stdlib_path() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def py_files(root: Path) -> list[Path]:
    """All .py files under root, sorted, skipping caches, VCS dirs and site-packages."""
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for fn in sorted(filenames):
            if fn.endswith(".py"):
                out.append(Path(dirpath) / fn)
    return out


def count_lines(files: list[Path]) -> int:
    total = 0
    for f in files:
        try:
            with open(f, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        total += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return total


def find_sdist(sdists: Path, name: str, version: str) -> Path | None:
    want = normalize(name)
    for p in sorted(sdists.iterdir()) if sdists.is_dir() else []:
        m = re.match(r"^(.*)-([^-]+?)(\.tar\.gz|\.tar\.bz2|\.tgz|\.zip)$", p.name)
        if m and normalize(m.group(1)) == want and m.group(2) == version:
            return p
    return None


def download(sdists: Path, name: str, version: str, python: str) -> Path:
    found = find_sdist(sdists, name, version)
    if found:
        return found
    sdists.mkdir(parents=True, exist_ok=True)
    cmd = [python, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           "--disable-pip-version-check", "-d", str(sdists), f"{name}=={version}"]
    print("  $", " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True)
    found = find_sdist(sdists, name, version)
    if found:
        return found
    # pip prepares metadata before it saves the archive, and some sdists cannot (e.g.
    # fastapi-websocket-pubsub 1.0.1's setup.py reads a requirements.txt its sdist lacks).
    # We only need the source: retry with --no-clean in a private TMPDIR and keep the
    # tree pip unpacked.
    salvage = sdists / f".salvage-{normalize(name)}-{version}"
    if salvage.exists():
        shutil.rmtree(salvage)
    salvage.mkdir(parents=True)
    env = dict(os.environ, TMPDIR=str(salvage))
    print("  metadata preparation failed; retrying with --no-clean to keep the unpacked source", flush=True)
    subprocess.run(cmd[:-1] + ["--no-clean", cmd[-1]], capture_output=True, text=True, env=env)
    found = find_sdist(sdists, name, version)
    if found:
        shutil.rmtree(salvage, ignore_errors=True)
        return found
    trees = [p.parent for p in salvage.glob("pip-download-*/*/PKG-INFO")]
    if len(trees) == 1:
        return trees[0]
    raise RuntimeError(f"pip download of {name}=={version} failed (exit {r.returncode}):\n"
                       f"{r.stdout[-2000:]}\n{r.stderr[-2000:]}")


def extract(archive: Path, dest: Path) -> None:
    """Extract archive into dest, dropping the single top-level directory if there is one."""
    origin = "source tree salvaged from pip's build dir (no archive kept)" if archive.is_dir() else archive.name
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
    try:
        if archive.is_dir():  # a source tree salvaged from pip's build directory
            shutil.copytree(archive, tmp / "tree", symlinks=True)
            shutil.rmtree(archive.parents[1], ignore_errors=True)  # the salvage TMPDIR
        elif archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    target = (tmp / info.filename).resolve()
                    if not str(target).startswith(str(tmp.resolve())):
                        raise RuntimeError(f"unsafe path in {archive}: {info.filename}")
                zf.extractall(tmp)
        else:
            with tarfile.open(archive) as tf:
                if hasattr(tarfile, "data_filter"):
                    tf.extractall(tmp, filter="data")
                else:  # pragma: no cover - Python < 3.11.4
                    tf.extractall(tmp)
        entries = list(tmp.iterdir())
        top = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(top), str(dest))
        (dest / COMPLETE_MARKER).write_text(origin + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def manifest_path(cache: Path) -> Path:
    return cache / "corpus.json"


def load_manifest(cache: Path | None = None) -> dict:
    cache = cache or default_cache()
    p = manifest_path(cache)
    if p.exists():
        return json.loads(p.read_text())
    return {"members": {}}


def save_manifest(cache: Path, manifest: dict) -> None:
    p = manifest_path(cache)
    tmp = p.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    tmp.replace(p)


def stdlib_entry() -> dict:
    root = stdlib_path()
    files = py_files(root)
    return {"name": STDLIB, "version": sys.version.split()[0], "path": str(root),
            "files": len(files), "lines": count_lines(files)}


def build(cache: Path, only: list[str] | None, with_stdlib: bool, python: str) -> dict:
    sdists, src = cache / "sdists", cache / "src"
    src.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(cache)
    members = manifest.setdefault("members", {})
    failures: list[str] = []
    wanted = {normalize(o) for o in only} if only else None
    for name, version in PINS:
        if wanted is not None and normalize(name) not in wanted:
            continue
        dest = src / f"{name}-{version}"
        if (dest / COMPLETE_MARKER).exists():
            status = "present"
        else:
            print(f"[{name} {version}] building", flush=True)
            try:
                archive = download(sdists, name, version, python)
                extract(archive, dest)
                status = "built"
            except Exception as exc:  # keep going: report every failure at the end
                failures.append(f"{name}=={version}: {exc}")
                print(f"  FAILED: {exc}", file=sys.stderr, flush=True)
                continue
        # drop stale entries of other versions of the same package
        for key in [k for k, v in members.items() if v.get("name") == name and v.get("version") != version]:
            del members[key]
        files = py_files(dest)
        members[name] = {"name": name, "version": version, "path": str(dest),
                         "files": len(files), "lines": count_lines(files), "status": status}
    if with_stdlib and (wanted is None or STDLIB in wanted):
        members[STDLIB] = stdlib_entry() | {"status": "referenced"}
    save_manifest(cache, manifest)
    if failures:
        manifest["failures"] = failures
    return manifest


def print_table(manifest: dict) -> None:
    rows = sorted(manifest.get("members", {}).values(), key=lambda m: (m["name"] == STDLIB, m["name"]))
    print(f"{'member':28} {'version':10} {'files':>6} {'py lines':>10}  path")
    tf = tl = 0
    for m in rows:
        print(f"{m['name']:28} {m['version']:10} {m['files']:>6} {m['lines']:>10}  {m['path']}")
        tf += m["files"]
        tl += m["lines"]
    print(f"{'total':28} {'':10} {tf:>6} {tl:>10}")


def resolve_files(specs: list[str], cache: Path | None = None) -> list[Path]:
    """Turn corpus specs into a sorted, de-duplicated list of .py files.

    A spec is: ``sdists`` (every pinned package), ``all`` (sdists + stdlib), ``stdlib``,
    ``stdlib:asyncio`` (a sub-directory or module of a member, any member works:
    ``django:django/db``), a member name (``fastapi``), or a path to a directory/file.
    """
    cache = cache or default_cache()
    members = load_manifest(cache).get("members", {})
    roots: list[Path] = []

    def member_root(name: str) -> Path:
        if name == STDLIB:
            return stdlib_path()
        for key, m in members.items():
            if normalize(key) == normalize(name):
                return Path(m["path"])
        raise SystemExit(f"unknown corpus member {name!r}: build it with benchmarks/corpus.py "
                         f"(known: {', '.join(sorted(members)) or 'none'})")

    for spec in specs:
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            if part in ("sdists", "all"):
                names = [n for n, _ in PINS if n in members]
                missing = [n for n, _ in PINS if n not in members]
                if missing:
                    print(f"note: corpus members not built, left out: {', '.join(missing)}", file=sys.stderr)
                roots += [Path(members[n]["path"]) for n in names]
                if part == "all":
                    roots.append(stdlib_path())
            elif ":" in part and not os.path.exists(part):
                name, sub = part.split(":", 1)
                base = member_root(name)
                cand = base / sub
                if not cand.exists() and (base / (sub + ".py")).exists():
                    cand = base / (sub + ".py")
                if not cand.exists():
                    raise SystemExit(f"{part}: {cand} does not exist")
                roots.append(cand)
            elif os.path.exists(part):
                roots.append(Path(part))
            else:
                roots.append(member_root(part))
    seen: set[Path] = set()
    files: list[Path] = []
    for r in roots:
        for f in ([r] if r.is_file() else py_files(r)):
            rp = f.resolve()
            if rp not in seen:
                seen.add(rp)
                files.append(f)
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=default_cache(), help="cache directory (default %(default)s)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="build only these members (names from PINS, or stdlib)")
    ap.add_argument("--no-stdlib", action="store_true", help="do not record the standard library as a member")
    ap.add_argument("--python", default=sys.executable, help="interpreter whose pip downloads (default: this one)")
    ap.add_argument("--list", action="store_true", help="print the manifest and exit")
    ap.add_argument("--files", nargs="+", metavar="SPEC", help="print the .py files of these specs and exit")
    args = ap.parse_args(argv)

    if args.files:
        try:
            for f in resolve_files(args.files, args.cache):
                print(f)
        except BrokenPipeError:  # `| head`
            sys.stderr.close()
        return 0
    if args.list:
        print_table(load_manifest(args.cache))
        return 0
    args.cache.mkdir(parents=True, exist_ok=True)
    manifest = build(args.cache, args.only, not args.no_stdlib, args.python)
    print_table(manifest)
    if manifest.get("failures"):
        print("\nFAILED:", *manifest["failures"], sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
