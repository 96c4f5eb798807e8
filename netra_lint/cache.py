"""The CLI's result cache: a file's findings, keyed by its path and content hash.

One JSON file per configuration under ``.netra-lint-cache/`` in the project root (or
``$NETRA_LINT_CACHE_DIR``). Its name carries netra-lint's version, a fingerprint of its
own source files (so an edited checkout never serves stale results) and a hash of the
whole configuration; inside, each checked path maps to the hash of the content it had and
the findings reported for it. Saving removes the files of other versions. A cache that
cannot be read or written is simply not used.

Every entry is validated when the file is read (``valid_entry``): the file's format
number and netra-lint version must match, and an entry whose structure or types do not
fit the schema (a string where a table is expected, a line that is not a positive
integer, an unknown code) is dropped and recomputed, never served. Saving takes an
exclusive lock on ``<file>.lock``, re-reads the file and merges this run's entries into
it before the atomic rename, so runs sharing one cache directory keep each other's
entries.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: saves are not locked
    fcntl = None  # type: ignore[assignment]

from . import __version__
from .codes import RULES
from .finding import Finding

CACHE_DIR_NAME = ".netra-lint-cache"
_FORMAT = 2
# the content's sha256, then (project mode) ":" and the digest of what the file's findings
# were computed from in other modules (engine/project.py's signature)
_HASH = re.compile(r"^[0-9a-f]{64}(?::[0-9a-f]{16})?$")
_FIELDS = [f.name for f in fields(Finding)]


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code_fingerprint() -> str:
    """Sizes and modification times of netra-lint's own modules."""
    package = Path(__file__).parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*.py")):
        try:
            info = path.stat()
        except OSError:  # pragma: no cover - a module removed while we run
            continue
        digest.update(f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns};".encode())
    return digest.hexdigest()


def default_directory(root: Path) -> Path:
    override = os.environ.get("NETRA_LINT_CACHE_DIR")
    return Path(override) if override else root / CACHE_DIR_NAME


def _is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def valid_finding(item: Any) -> bool:
    """A stored finding: exactly Finding's fields, each of its type and range."""
    return (isinstance(item, dict) and sorted(item) == sorted(_FIELDS)
            and _is_int(item["line"], 1) and _is_int(item["col"], 0)
            and isinstance(item["code"], str) and item["code"] in RULES
            and isinstance(item["message"], str)
            and isinstance(item["fix"], bool) and isinstance(item["fix_safe"], bool))


def valid_entry(entry: Any) -> bool:
    """``{"hash": <sha256 hex>[:<signature>], "findings": [finding, ...]}`` and nothing else."""
    return (isinstance(entry, dict) and sorted(entry) == ["findings", "hash"]
            and isinstance(entry["hash"], str) and bool(_HASH.match(entry["hash"]))
            and isinstance(entry["findings"], list)
            and all(valid_finding(item) for item in entry["findings"]))


def read_entries(path: Path) -> dict[str, dict[str, Any]]:
    """The valid entries of a cache file; {} when it is missing, damaged, of another
    format or version. Invalid entries are dropped one by one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _FORMAT \
            or data.get("version") != __version__ or not isinstance(data.get("entries"), dict):
        return {}
    return {key: entry for key, entry in data["entries"].items()
            if isinstance(key, str) and valid_entry(entry)}


class Cache:
    def __init__(self, directory: Path, configuration: Any) -> None:
        code = _code_fingerprint()[:12]
        key = hashlib.sha256(f"{_FORMAT}|{configuration!r}".encode()).hexdigest()[:24]
        self.directory = directory
        # Files of other netra-lint versions or sources are stale: save() removes them.
        self.prefix = f"{__version__}-{code}-"
        self.path = directory / f"{self.prefix}{key}.json"
        self.entries = read_entries(self.path)
        self.written: dict[str, dict[str, Any]] = {}  # this run's entries, merged on save

    @property
    def dirty(self) -> bool:
        return bool(self.written)

    def get(self, path: str, digest: str) -> list[Finding] | None:
        entry = self.entries.get(path)
        if not entry or entry["hash"] != digest:
            return None
        return [Finding(**{**item, "fix": True if item["fix"] else None})
                for item in entry["findings"]]

    def put(self, path: str, digest: str, findings: list[Finding]) -> None:
        entry = {
            "hash": digest,
            # A fix is a libcst node pair: only whether there is one is kept.
            "findings": [{**{n: getattr(f, n) for n in _FIELDS}, "fix": f.fix is not None}
                         for f in findings],
        }
        if valid_entry(entry):  # e.g. a finding of a code outside RULES is not cached
            self.entries[path] = self.written[path] = entry

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if fcntl is None:  # pragma: no cover
            yield
            return
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def save(self) -> None:
        if not self.written:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():  # the cache never shows up in anyone's git status
                ignore.write_text("# created by netra-lint\n*\n", encoding="utf-8")
            with self._locked():
                # Another run may have saved since this one started: keep its entries.
                merged = {**read_entries(self.path), **self.written}
                handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
                try:
                    with os.fdopen(handle, "w", encoding="utf-8") as stream:
                        json.dump({"format": _FORMAT, "version": __version__, "entries": merged},
                                  stream, separators=(",", ":"))
                    os.replace(temporary, self.path)
                except BaseException:
                    Path(temporary).unlink(missing_ok=True)
                    raise
            self.entries = merged
            self.written = {}
            for stale in (*self.directory.glob("*.json"), *self.directory.glob("*.json.lock")):
                if not stale.name.startswith(self.prefix):
                    stale.unlink(missing_ok=True)
        except OSError:
            pass
