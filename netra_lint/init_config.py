"""``netra-lint init``: write a ``[tool.netra-lint]`` table with the documented defaults
into pyproject.toml, keeping the rest of the file as it is."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .config import TABLE, ConfigError, config_from_table, tomllib
from .report import DEFAULT_SEVERITY, DOCS_URL

# Tests build ids by hand on purpose (fixtures, expected values): NL3 is off there.
TEST_PATTERNS = ("tests/*", "*/tests/*", "test_*.py", "*_test.py", "conftest.py")
_HEADER = re.compile(r"^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*(\"netra-lint\"|netra-lint)[ \t]*"
                     r"(\.[^\]]*)?\][ \t]*(#.*)?$")
_ANY_HEADER = re.compile(r"^[ \t]*\[")


def default_section() -> str:
    ignores = ", ".join(f'"{p}" = ["NL3"]' for p in TEST_PATTERNS)
    severity = ", ".join(f'"{prefix}" = "{level}"' for prefix, level in DEFAULT_SEVERITY)
    return (
        f"[{TABLE}]\n"
        "# Written by 'netra-lint init'. Every key, with its default:\n"
        f"# {DOCS_URL}usage.md#configuration-reference\n"
        'select = ["NL"]\n'
        "ignore = []\n"
        "# tests build ids by hand on purpose: no id rules (NL3xx) there\n"
        f"per-file-ignores = {{ {ignores} }}\n"
        "# error: the bug breaks a connection at run time; warning: leaks and ids\n"
        f"severity = {{ {severity} }}\n"
        "extend-exclude = []\n"
    )


def _without_section(text: str) -> str | None:
    """``text`` without its [tool.netra-lint] table (and sub-tables); None when the table
    is written another way (inline, dotted keys) that cannot be cut out safely."""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    inside = found = False
    for line in lines:
        if _HEADER.match(line.rstrip("\r\n")):
            inside = found = True
            continue
        if inside and _ANY_HEADER.match(line):
            inside = False
        if not inside:
            kept.append(line)
    return "".join(kept).rstrip("\n") + "\n" if found else None


def init(directory: Path | str, force: bool = False) -> tuple[Path, str]:
    """Write the section; returns the file and what was done ('created', 'added',
    'replaced'). ConfigError (one line) when it refuses."""
    path = Path(directory) / "pyproject.toml"
    section = default_section()
    if not path.exists():
        new, action = section, "created"
    else:
        try:
            text = path.read_bytes().decode("utf-8")
            data = tomllib.loads(text)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: invalid TOML, not changed: {exc}") from None
        if "netra-lint" in data.get("tool", {}):
            if not force:
                raise ConfigError(f"{path}: already has a [{TABLE}] table; "
                                  f"use --force to replace it with the defaults")
            rest = _without_section(text)
            if rest is None:
                raise ConfigError(f"{path}: its [{TABLE}] table is not written as a table "
                                  f"header; edit it by hand")
            base, action = rest, "replaced"
        else:
            base, action = text, "added"
        if base.strip():
            newline = "\r\n" if "\r\n" in base else "\n"
            new = base.rstrip("\r\n") + newline + newline + section.replace("\n", newline)
        else:
            new = section
    try:  # never write a file that the next run cannot read
        table = tomllib.loads(new)["tool"]["netra-lint"]
        config_from_table(table, Path(os.path.abspath(path)))
    except (tomllib.TOMLDecodeError, KeyError, ConfigError) as exc:  # pragma: no cover - a bug
        raise ConfigError(f"{path}: the new section would not load ({exc}); not changed") from None
    try:
        path.write_text(new, encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path, action
