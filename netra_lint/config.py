"""Configuration: ``[tool.netra-lint]`` in pyproject.toml and flake8's options, onto one Settings.

Both front ends convert raw values with the same functions (``convert_setting``), so an
option means the same thing on flake8's command line, in setup.cfg and in pyproject.toml.
A configuration error is one line that names the key and the file (``ConfigError``).
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
import subprocess
import sys
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Iterable, Sequence

from .codes import RULES
from .finding import Finding
from .noqa import apply_noqa
from .settings import Settings, parse_list, parse_pairs

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

TABLE = "tool.netra-lint"
FLAKE8_PREFIX = "netra-"
_CODE_PREFIX = re.compile(r"^NL[0-9]{0,3}$")

DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git", ".hg", ".svn", ".bzr", ".tox", ".nox", ".venv", "venv", ".eggs", "*.egg-info",
    "__pycache__", "build", "dist", "node_modules", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".netra-lint-cache", "__pypackages__", "site-packages",
)
PYTHON_SUFFIXES = (".py", ".pyi")
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024


class ConfigError(Exception):
    """A configuration or usage error: the message is one line, shown as is, exit code 2."""


@dataclass(frozen=True)
class Config:
    """What to check and how: file selection, code selection and the rule options.

    Field metadata documents each key of ``[tool.netra-lint]`` (the rule options are the
    fields of ``Settings``); docs/usage.md's configuration reference is generated from it.
    """

    select: tuple[str, ...] = field(
        default=("NL",),
        metadata={"help": "Codes or code prefixes to report (e.g. NL1, NL203). "
                          "The command line's --select replaces it."},
    )
    ignore: tuple[str, ...] = field(
        default=(),
        metadata={"help": "Codes or code prefixes not to report. The longer of the matching "
                          "select and ignore entries decides, so select NL101 with ignore NL1 "
                          "reports NL101. The command line's --ignore adds to it."},
    )
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = field(
        default=(),
        metadata={"help": "A table of glob pattern to codes ignored in the matching files, e.g. "
                          "{ \"tests/*\" = [\"NL3\"] }. A pattern without '/' matches the file "
                          "name; one with '/' matches the path relative to the project root."},
    )
    severity: tuple[tuple[str, str], ...] = field(
        default=(),
        metadata={"help": "A table of code prefix to \"error\" or \"warning\", the level of "
                          "the findings in SARIF, GitHub annotations, JSON and the language "
                          "server, e.g. { \"NL2\" = \"error\" }. The longest matching prefix "
                          "decides. Default: error for the bugs that crash or break a "
                          "connection at run time (NL0, NL1, NL4, NL5), warning for leaks and "
                          "ids (NL2, NL3)."},
    )
    exclude: tuple[str, ...] = field(
        default=DEFAULT_EXCLUDE,
        metadata={"help": "Glob patterns of files and directories never checked (replaces the "
                          "default). Files ignored by git (.gitignore) are skipped as well."},
    )
    extend_exclude: tuple[str, ...] = field(
        default=(),
        metadata={"help": "More glob patterns to exclude, added to exclude."},
    )
    max_file_size: int = field(
        default=DEFAULT_MAX_FILE_SIZE,
        metadata={"help": "Files larger than this many bytes are not analysed: the "
                          "`netra-lint` command and the language server report one NL001 line "
                          "for each instead (the analysis of a 5 MB module needs gigabytes of "
                          "memory). 0: no limit."},
    )
    settings: Settings = field(default_factory=Settings, metadata={"internal": True})
    root: Path = field(default_factory=Path.cwd, metadata={"internal": True})
    source: Path | None = field(default=None, metadata={"internal": True})

    # -- which codes ---------------------------------------------------------------------
    def enabled(self, code: str, extra_ignores: Sequence[str] = ()) -> bool:
        selected = _longest_prefix(code, self.select)
        ignored = _longest_prefix(code, (*self.ignore, *extra_ignores))
        return selected > ignored

    def codes_for(self, path: Path | str | None) -> tuple[str, ...]:
        """The codes reported in this file (select, ignore and per-file-ignores)."""
        extra: list[str] = []
        if path is not None:
            relative = self.relative(path)
            for pattern, codes in self.per_file_ignores:
                if _glob_matches(relative, pattern):
                    extra.extend(codes)
        return tuple(code for code in RULES if self.enabled(code, extra))

    # -- which files ---------------------------------------------------------------------
    def relative(self, path: Path | str) -> str:
        absolute = Path(os.path.abspath(path))
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            return absolute.as_posix()

    def is_excluded(self, path: Path | str) -> bool:
        relative = self.relative(path)
        return any(_glob_matches(relative, pattern, prefixes=True)
                   for pattern in (*self.exclude, *self.extend_exclude))

    # -- checking one file ---------------------------------------------------------------
    def check(self, text: str, path: Path | str | None, display: str | None = None) -> list[Finding]:
        """Findings for one file's text, after select/ignore, per-file-ignores and ``# noqa``."""
        codes = self.codes_for(path)
        if not codes:
            return []
        oversize = self.oversize(len(text.encode("utf-8", "surrogatepass")), path)
        if oversize is not None:
            return oversize
        filename = display or (str(path) if path is not None else "<stdin>")
        from .api import check_source  # libcst is imported only by what analyses

        findings = check_source(text, filename, self.settings, codes)
        findings = [f for f in findings if f.code in codes]
        return apply_noqa(findings, text)

    def oversize(self, size: int, path: Path | str | None) -> list[Finding] | None:
        """One NL001 (none when NL001 is not reported here) for a file over max-file-size;
        None when the file is small enough to analyse."""
        if not self.max_file_size or size <= self.max_file_size:
            return None
        if "NL001" not in self.codes_for(path):
            return []
        return [Finding(1, 0, "NL001", (
            f"netra-lint could not analyse this file: it is {_megabytes(size)}, over the "
            f"max-file-size of {_megabytes(self.max_file_size)} (raise max-file-size in "
            f"[{TABLE}] to analyse it)"))]


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _longest_prefix(code: str, prefixes: Iterable[str]) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def _glob_matches(relative: str, pattern: str, prefixes: bool = False) -> bool:
    """A pattern without '/' matches any path component (the file's or a directory's
    name); one with '/' matches the path relative to the root, or (``prefixes``) one of
    its leading directories."""
    pattern = pattern.strip().rstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    parts = relative.split("/")
    if "/" not in pattern:
        candidates = parts if prefixes else parts[-1:]
        return any(fnmatch.fnmatchcase(part, pattern) for part in candidates)
    if fnmatch.fnmatchcase(relative, pattern):
        return True
    return prefixes and any(fnmatch.fnmatchcase("/".join(parts[:i]), pattern)
                            for i in range(1, len(parts)))


# -- one converter per Settings field type, shared by pyproject and flake8 ------------------

def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


SETTINGS_TYPES = _field_types(Settings)


def _as_str_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return parse_list(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        if any(not v.strip() for v in value):
            raise ValueError("expected a list of non-empty strings, got an empty string in "
                             f"{list(value)!r}")
        return parse_list(value)
    raise ValueError("expected a list of strings")


def _toml_type_error(name: str, value: Any) -> str | None:
    """What is wrong with a raw TOML value for key ``name`` (None: the type fits).

    TOML has real lists and strings: a list key given a string (``select = "NL1"``,
    which would otherwise be read as a comma-separated list), a string key given an
    empty string (``id-names = ""``, which would silently disable the rules that read
    it), and list items that are empty are refused. flake8's options are strings by
    nature and keep their comma-separated form."""
    kind = CONFIG_TYPES.get(name) or SETTINGS_TYPES.get(name)
    if kind in (tuple[str, ...], tuple[tuple[str, str], ...]):
        wanted = "a list of strings" if kind == tuple[str, ...] \
            else 'a list of "acquire:release" strings'
        if isinstance(value, str):
            return f"expected {wanted}, got the string {value!r} (write [{value!r}])"
        if not isinstance(value, list):
            return f"expected {wanted}, got {_toml_kind(value)}"
        return None
    if kind is str:
        if not isinstance(value, str):
            return f"expected a string, got {_toml_kind(value)}"
        if not value.strip():
            return "expected a non-empty string"
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        return f"expected an integer, got {_toml_kind(value)}"
    if kind is bool and not isinstance(value, bool):
        return f"expected true or false, got {_toml_kind(value)}"
    return None


def _toml_kind(value: Any) -> str:
    return {str: "a string", list: "a list", dict: "a table", bool: "a boolean",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)


def _as_pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, dict):
        value = [f"{k}:{v}" for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        items: list[str] = []
        for item in value:
            if isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(v, str) for v in item):
                items.append(f"{item[0]}:{item[1]}")
            elif isinstance(item, str):
                items.append(item)
            else:
                raise ValueError(f"expected \"acquire:release\" strings, got {item!r}")
        value = items
    elif not isinstance(value, str):
        raise ValueError("expected a list of \"acquire:release\" strings")
    return parse_pairs(value)


def _as_str(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        raise ValueError("expected a string")
    if not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("expected true or false")


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError("expected an integer") from None


def _size(value: Any) -> int:
    size = _as_int(value)
    if size < 0:
        raise ValueError("expected a number of bytes >= 0 (0: no limit)")
    return size


CONVERTERS: dict[Any, Any] = {
    tuple[str, ...]: _as_str_tuple,
    tuple[tuple[str, str], ...]: _as_pairs,
    str: _as_str,
    bool: _as_bool,
    int: _as_int,
}


def _valid_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from None


# Extra checks on a converted value, by Settings field name.
VALIDATORS = {"id_names": _valid_regex}


def convert_setting(name: str, value: Any) -> Any:
    """The value of Settings field ``name`` from a raw TOML or flake8 value (ValueError if bad)."""
    converter = CONVERTERS.get(SETTINGS_TYPES[name])
    if converter is None:  # pragma: no cover - guarded by test_every_setting_has_a_converter
        raise TypeError(f"Settings.{name} has a type config.py cannot read: {SETTINGS_TYPES[name]}")
    converted = converter(value)
    if name in VALIDATORS:
        VALIDATORS[name](converted)
    return converted


def _codes(value: Any) -> tuple[str, ...]:
    codes = tuple(c.upper() for c in _as_str_tuple(value))
    for code in codes:
        if not _CODE_PREFIX.match(code) or not any(rule.startswith(code) for rule in RULES):
            raise ValueError(f"{code!r} is not a netra-lint code or code prefix (see 'netra-lint rules')")
    return codes


def _per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(value, str):  # flake8's "pattern:codes" lines
        table: dict[str, Any] = {}
        for item in value.replace("\n", " ").split():
            pattern, sep, codes = item.partition(":")
            if not sep:
                raise ValueError(f"expected pattern:codes, got {item!r}")
            table[pattern] = codes
        value = table
    if not isinstance(value, dict):
        raise ValueError("expected a table of glob pattern = [codes]")
    return tuple((pattern, _codes(codes)) for pattern, codes in value.items())


def _severity(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ValueError("expected a table of code prefix = \"error\" or \"warning\"")
    table = []
    for prefix, level in value.items():
        (code,) = _codes([prefix]) if isinstance(prefix, str) else (None,)
        if not isinstance(level, str) or level.strip().lower() not in ("error", "warning"):
            raise ValueError(f"{prefix}: expected \"error\" or \"warning\", got {level!r}")
        table.append((code, level.strip().lower()))
    return tuple(table)


# The keys of [tool.netra-lint] that are not Settings fields, with their converters.
CONFIG_KEYS = {
    "select": _codes,
    "ignore": _codes,
    "per_file_ignores": _per_file_ignores,
    "severity": _severity,
    "exclude": _as_str_tuple,
    "extend_exclude": _as_str_tuple,
    "max_file_size": _size,
}
# Their types, for the TOML type check (the Settings fields have theirs in SETTINGS_TYPES).
CONFIG_TYPES: dict[str, Any] = {
    "select": tuple[str, ...], "ignore": tuple[str, ...], "exclude": tuple[str, ...],
    "extend_exclude": tuple[str, ...], "max_file_size": int,
}


def toml_key(name: str) -> str:
    return name.replace("_", "-")


def config_fields() -> list:
    return [f for f in fields(Config) if not f.metadata.get("internal")]


def known_keys() -> list[str]:
    return [toml_key(f.name) for f in config_fields()] + [toml_key(f.name) for f in fields(Settings)]


# -- loading ----------------------------------------------------------------------------

def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def read_table(path: Path) -> dict[str, Any] | None:
    """The ``[tool.netra-lint]`` table of a TOML file, or None when it has none."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{_display(path)}: configuration file not found") from None
    except OSError as exc:
        raise ConfigError(f"{_display(path)}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_display(path)}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("netra-lint")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{_display(path)}: [{TABLE}] must be a table")
    return table


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.netra-lint] table."""
    directory = Path(os.path.abspath(start))
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                if read_table(pyproject) is not None:
                    return pyproject
            except ConfigError:
                return pyproject  # report its error when it is loaded
    return None


def config_from_table(table: dict[str, Any], path: Path | None) -> Config:
    where = f"{_display(path)}: [{TABLE}]" if path else f"[{TABLE}]"
    config_values: dict[str, Any] = {}
    setting_values: dict[str, Any] = {}
    setting_names = {f.name for f in fields(Settings)}
    for key, raw in table.items():
        name = key.replace("-", "_")
        if key != toml_key(name) or (name not in CONFIG_KEYS and name not in setting_names):
            close = difflib.get_close_matches(toml_key(name), known_keys(), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"{where}: unknown key '{key}'{hint}")
        problem = _toml_type_error(name, raw)
        if problem is not None:
            raise ConfigError(f"{where}: bad value for '{key}': {problem}")
        try:
            if name in CONFIG_KEYS:
                config_values[name] = CONFIG_KEYS[name](raw)
            else:
                setting_values[name] = convert_setting(name, raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: bad value for '{key}': {exc}") from None
    root = path.parent if path else Path.cwd()
    try:
        settings = Settings(**setting_values)
    except (TypeError, ValueError) as exc:  # a Settings that validates itself
        raise ConfigError(f"{where}: {exc}") from None
    return Config(**config_values, settings=settings, root=Path(os.path.abspath(root)), source=path)


def load_config(config_file: Path | str | None = None, start: Path | str | None = None,
                isolated: bool = False) -> Config:
    """The configuration for a run: ``config_file`` if given, else the nearest pyproject.toml
    with a ``[tool.netra-lint]`` table above ``start`` (default: the working directory)."""
    if isolated:
        return Config(root=Path(os.path.abspath(start or Path.cwd())))
    if config_file is not None:
        path = Path(config_file)
        table = read_table(path)
        if table is None:
            raise ConfigError(f"{_display(path)}: has no [{TABLE}] table")
        return config_from_table(table, Path(os.path.abspath(path)))
    found = find_config(Path(start) if start is not None else Path.cwd())
    if found is None:
        return Config(root=Path(os.path.abspath(Path.cwd())))
    return config_from_table(read_table(found) or {}, found)


def with_overrides(config: Config, select: Sequence[str] | None = None,
                   ignore: Sequence[str] | None = None,
                   extend_exclude: Sequence[str] | None = None) -> Config:
    """Apply the command line's --select (replaces), --ignore and --extend-exclude (add)."""
    changes: dict[str, Any] = {}
    try:
        if select:
            changes["select"] = _codes(list(select))
        if ignore:
            changes["ignore"] = config.ignore + _codes(list(ignore))
    except ValueError as exc:
        option = "--select" if "select" not in changes and select else "--ignore"
        raise ConfigError(f"{option}: {exc}") from None
    if extend_exclude:
        changes["extend_exclude"] = config.extend_exclude + _as_str_tuple(list(extend_exclude))
    return replace(config, **changes) if changes else config


# -- flake8 options: the same Settings fields, as --netra-<field> --------------------------

def flake8_option(name: str) -> str:
    return "--" + FLAKE8_PREFIX + toml_key(name)


def add_flake8_options(manager: Any) -> None:
    for f in fields(Settings):
        is_list = SETTINGS_TYPES[f.name] is not str and SETTINGS_TYPES[f.name] not in (bool, int)
        manager.add_option(
            flake8_option(f.name), default="", parse_from_config=True,
            comma_separated_list=is_list,
            help=f"{f.metadata.get('help', '')} (netra-lint)")
    manager.add_option("--netra-no-project", action="store_true", default=False,
                       parse_from_config=True,
                       help="Analyse each file alone, without the rest of its project (netra-lint)")


def settings_from_flake8(options: Any) -> Settings:
    """Settings from flake8's parsed options; an option left empty keeps its default."""
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = getattr(options, (FLAKE8_PREFIX + f.name).replace("-", "_"), None)
        if raw is None or raw == "" or raw == []:
            continue
        try:
            values[f.name] = convert_setting(f.name, raw)
        except ValueError as exc:
            raise ConfigError(f"{flake8_option(f.name)}: {exc}") from None
    if getattr(options, "netra_no_project", False) is True:
        values["project"] = False
    return Settings(**values)


# -- which files a run checks -------------------------------------------------------------

def _git_files(directory: Path, warnings: list[str] | None = None) -> list[Path] | None:
    """The files git does not ignore under ``directory`` (tracked or untracked), or None
    when ``directory`` is not in a git work tree (or git is missing). The directories git
    could not open are added to ``warnings``."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(directory), "ls-files", "-z", "--cached", "--others",
             "--exclude-standard", "--", "."],
            capture_output=True, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    if warnings is not None:
        for line in proc.stderr.decode("utf-8", "replace").splitlines():
            match = _GIT_UNREADABLE.search(line)
            if match:
                warnings.append(f"{_display(directory / match.group(1))}: cannot read the "
                                f"directory ({match.group(2)}); its files were not checked")
    names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    return [directory / name for name in dict.fromkeys(names)]


_GIT_UNREADABLE = re.compile(r"could not open directory '(.*?)/?': (.*)$")


def _git_ignores(path: Path) -> bool:
    """Whether git ignores ``path`` (a directory inside a work tree)."""
    try:
        proc = subprocess.run(["git", "-C", str(path), "check-ignore", "-q", "--", "."],
                              capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def _walk(directory: Path, config: Config, warnings: list[str] | None = None) -> Iterable[Path]:
    def unreadable(error: OSError) -> None:
        if warnings is not None:
            warnings.append(f"{_display(Path(error.filename or directory))}: cannot read the "
                            f"directory ({error.strerror or error}); its files were not checked")

    for dirpath, dirnames, filenames in os.walk(directory, onerror=unreadable):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not config.is_excluded(here / d))
        for name in sorted(filenames):
            yield here / name


def collect_files(paths: Sequence[str | Path], config: Config,
                  warnings: list[str] | None = None) -> list[Path]:
    """The Python files to check: files given explicitly (unless excluded), and the files
    under given directories that git does not ignore and exclude does not match. A
    directory given explicitly that git ignores is walked (it was asked for). Directories
    that cannot be read, and explicit paths that exclude removes, are added to
    ``warnings`` (one line each)."""
    found: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise ConfigError(f"{raw}: no such file or directory")
        if path.is_file():
            if not config.is_excluded(path):  # (pre-commit passes excluded files: no warning)
                found.setdefault(os.path.normpath(path), path)
            continue
        if config.is_excluded(path) and warnings is not None:
            warnings.append(f"{raw}: not checked: the exclude setting matches it")
            continue
        candidates = _git_files(path, warnings)
        if candidates is not None and not candidates and _git_ignores(path):
            candidates = None  # ignored by git, but named explicitly: check it
        if candidates is None:
            candidates = list(_walk(path, config, warnings))
        for candidate in candidates:
            if candidate.suffix in PYTHON_SUFFIXES and not config.is_excluded(candidate) \
                    and candidate.is_file():
                found.setdefault(os.path.normpath(candidate), Path(os.path.normpath(candidate)))
    return sorted(found.values())


# -- the configuration reference in docs/usage.md -----------------------------------------

def _toml_literal(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
        return "[" + ", ".join(_toml_literal(f"{a}:{b}") for a, b in value) + "]"
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    return repr(value)  # pragma: no cover


_TYPE_NAMES = {
    tuple[str, ...]: "list of strings",
    tuple[tuple[str, str], ...]: "list of \"acquire:release\" strings",
    str: "string",
    bool: "boolean",
    int: "integer",
}


def reference_markdown() -> str:
    """The configuration reference: every key of [tool.netra-lint], from field metadata."""
    lines = [
        f"All keys go in the `[{TABLE}]` table of `pyproject.toml`. Keys are written with "
        "dashes. The rule options are also flake8 options (`--netra-<key>` on flake8's "
        "command line, `netra-<key> =` in flake8's configuration file).",
        "",
    ]
    config_type_names = {
        "select": "list of codes", "ignore": "list of codes",
        "per_file_ignores": "table of pattern = list of codes",
        "severity": "table of code prefix = \"error\" or \"warning\"",
        "exclude": "list of glob patterns", "extend_exclude": "list of glob patterns",
        "max_file_size": "integer (bytes)",
    }
    lines += ["### Selecting files and codes", ""]
    for f in config_fields():
        default = f.default if f.default is not MISSING else f.default_factory()
        literal = "{}" if f.name in ("per_file_ignores", "severity") else _toml_literal(default)
        lines += [
            f"#### `{toml_key(f.name)}`",
            "",
            f"{f.metadata['help']}",
            "",
            f"- type: {config_type_names[f.name]}",
            f"- default: `{literal}`",
            "",
        ]
    lines += ["### Rule options", ""]
    defaults = Settings()
    for f in fields(Settings):
        default = getattr(defaults, f.name)
        lines += [
            f"#### `{toml_key(f.name)}`",
            "",
            f"{f.metadata.get('help', '')}",
            "",
            f"- type: {_TYPE_NAMES[SETTINGS_TYPES[f.name]]}",
            f"- default: `{_toml_literal(default)}`",
            f"- flake8: `{flake8_option(f.name)}`",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
