"""The CLI's result cache: a file's findings, keyed by its path and content hash.

One JSON file per configuration under ``.netra-lint-cache/`` in the project root (or
``$NETRA_LINT_CACHE_DIR``). Its name carries netra-lint's version, a fingerprint of its
own source files (so an edited checkout never serves stale results) and a hash of the
whole configuration; inside, each checked path maps to the hash of the content it had and
the findings reported for it. Saving removes the files of other versions. A cache that
cannot be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Any

from . import __version__
from .finding import Finding

CACHE_DIR_NAME = ".netra-lint-cache"
_FORMAT = 1
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


class Cache:
    def __init__(self, directory: Path, configuration: Any) -> None:
        code = _code_fingerprint()[:12]
        key = hashlib.sha256(f"{_FORMAT}|{configuration!r}".encode()).hexdigest()[:24]
        self.directory = directory
        # Files of other netra-lint versions or sources are stale: save() removes them.
        self.prefix = f"{__version__}-{code}-"
        self.path = directory / f"{self.prefix}{key}.json"
        self.entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self.entries = data
        except (OSError, ValueError):
            pass

    def get(self, path: str, digest: str) -> list[Finding] | None:
        entry = self.entries.get(path)
        if not entry or entry.get("hash") != digest:
            return None
        try:
            return [Finding(**{**item, "fix": True if item["fix"] else None})
                    for item in entry["findings"]]
        except (KeyError, TypeError):
            return None

    def put(self, path: str, digest: str, findings: list[Finding]) -> None:
        self.entries[path] = {
            "hash": digest,
            # A fix is a libcst node pair: only whether there is one is kept.
            "findings": [{**{n: getattr(f, n) for n in _FIELDS}, "fix": f.fix is not None}
                         for f in findings],
        }
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():  # the cache never shows up in anyone's git status
                ignore.write_text("# created by netra-lint\n*\n", encoding="utf-8")
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(self.entries, stream, separators=(",", ":"))
            os.replace(temporary, self.path)
            self.dirty = False
            for stale in self.directory.glob("*.json"):
                if not stale.name.startswith(self.prefix):
                    stale.unlink(missing_ok=True)
        except OSError:
            pass
