"""Project mode: the project, not the file, is the unit of analysis.

The incident's bugs cross modules (the route's receive loop in one, the handlers that
swallow the disconnect in another, the liveness helper in a third), so a file is analysed
with what the rest of its project does:

* ``ProjectFiles`` finds the project (the nearest ``pyproject.toml``/``setup.cfg``/
  ``setup.py``/``.git`` above the file) and names its modules: cheap, paths only.
* ``Interface`` is what a module defines and imports (functions with their parameters,
  classes with their bases, methods and attribute types, import aliases), read with
  CPython's ``ast`` (several times cheaper than a libcst parse).
* ``Project`` resolves a call in one module to a function of another (absolute and
  relative imports, aliases, ``module.attr``, re-exports, ``self.x`` of a known class,
  and a method name every project class that has it agrees on), and answers the
  questions the rules ask about a callee (what it does to the websocket it is given,
  whether it lets the disconnect escape, who calls it and what they do with its result)
  from per-function *facts*: small, plain data, computed once by analysing the callee's
  module with the same engine, and kept in a content-addressed store on disk
  (``SummaryStore``) that ``flake8`` processes, ``netra-lint check`` and the language
  server share. A fact records the modules it was computed from; it is used again only
  while all of them still have the content it saw.

Nothing here reports: rules keep asking the engine the same questions, and the answers
improve when the callee is in another module of the project.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
# Directories never part of a project's own code.
SKIP_DIRS = frozenset({
    "__pycache__", ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", ".eggs",
    "build", "dist", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".netra-lint-cache", "__pypackages__", "site-packages", "dist-packages",
})
# Past this many modules the project index is not built (a home directory, a monorepo of
# vendored trees): each file is analysed alone, as with --no-project.
MAX_MODULES = 20_000
STORE_FORMAT = 1
# Parsed modules kept in memory at once (libcst trees are large; facts are kept anyway).
MAX_LOADED = 48
EVERYTHING = "*"  # a dependency on every module of the project


def find_root(path: str | os.PathLike) -> Path | None:
    """The nearest directory at or above ``path`` that holds a project marker."""
    directory = Path(os.path.abspath(path))
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        if any((candidate / marker).exists() for marker in PROJECT_MARKERS):
            return candidate
    return None


def _is_project(directory: Path) -> bool:
    """A directory with its own project marker is another project (a vendored library,
    a test fixture project), not part of the enclosing one."""
    return any((directory / marker).exists() for marker in PROJECT_MARKERS)


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


# -- the modules of a project ----------------------------------------------------------------

class ProjectFiles:
    """Module names and paths of one project (a walk of its tree, nothing parsed)."""

    def __init__(self, root: Path, src_roots: tuple[str, ...] = ()) -> None:
        self.root = root
        self.by_name: dict[str, Path] = {}
        self.name_of: dict[Path, str] = {}
        self.too_big = False
        files: list[Path] = []
        packages: set[Path] = set()
        for directory, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                             and not d.endswith(".egg-info") and not _is_project(Path(directory, d)))
            here = Path(directory)
            if "__init__.py" in names:
                packages.add(here)
            for name in sorted(names):
                if name.endswith(".py"):
                    files.append(here / name)
            if len(files) > MAX_MODULES:
                self.too_big = True
                return
        roots = [root, *(root / s for s in src_roots), root / "src"]
        for path in files:
            canonical = self._package_name(path, packages)
            names = [canonical] if canonical else []
            # a script's siblings import it by its bare name (its directory is on sys.path)
            for base in (*roots, path.parent):
                dotted = _dotted_relative(path, base)
                if dotted and dotted not in names:
                    names.append(dotted)
            if not names:
                continue
            self.name_of[path] = names[0]
            for name in names:
                self.by_name.setdefault(name, path)

    @staticmethod
    def _package_name(path: Path, packages: set[Path]) -> str | None:
        """``a.b.c`` for ``<x>/a/b/c.py`` when ``a`` and ``b`` are packages."""
        parts = [] if path.name == "__init__.py" else [path.stem]
        directory = path.parent
        if directory not in packages:
            return None  # not in a package: named from the project root
        while directory in packages:
            parts.append(directory.name)
            directory = directory.parent
        if not parts:
            return None
        name = ".".join(reversed(parts))
        return name if all(p.isidentifier() for p in parts) else None

    def module_name(self, path: str | os.PathLike) -> str | None:
        return self.name_of.get(Path(os.path.abspath(path)))

    def is_package(self, module: str) -> bool:
        path = self.by_name.get(module)
        return path is not None and path.name == "__init__.py"

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


def _dotted_relative(path: Path, base: Path) -> str | None:
    try:
        relative = path.relative_to(base)
    except ValueError:
        return None
    parts = list(relative.parts)
    if not parts:
        return None
    parts[-1] = parts[-1][:-3]
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


# -- what a module defines: read with ast ----------------------------------------------------

@dataclass(frozen=True)
class ExternalFunction:
    """A function or method of another project module, as a call site sees it."""

    module: str
    qualname: str            # ``f`` or ``Cls.f``
    name: str
    is_async: bool
    params: tuple[str, ...]  # in the order of engine.module.parameters()
    positional: int          # how many of them can be given by position
    is_method: bool          # the first parameter is bound by the call
    # a method reached by name only: every candidate must agree (None: just this one)
    alternatives: tuple["ExternalFunction", ...] = ()

    @property
    def where(self) -> str:
        return f"{self.module}.{self.qualname}"


@dataclass
class Interface:
    module: str
    aliases: dict[str, str] = field(default_factory=dict)
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)   # qualname -> info
    classes: dict[str, dict[str, Any]] = field(default_factory=dict)     # name -> info
    instances: dict[str, str] = field(default_factory=dict)  # module-level name -> "()Cls"

    def to_json(self) -> dict[str, Any]:
        return {"aliases": self.aliases, "functions": self.functions, "classes": self.classes,
                "instances": self.instances}

    @classmethod
    def from_json(cls, module: str, data: Any) -> "Interface | None":
        if not (isinstance(data, dict) and isinstance(data.get("aliases"), dict)
                and isinstance(data.get("functions"), dict) and isinstance(data.get("classes"), dict)
                and isinstance(data.get("instances", {}), dict)):
            return None
        return cls(module, data["aliases"], data["functions"], data["classes"],
                   data.get("instances", {}))

    def function(self, qualname: str) -> ExternalFunction | None:
        info = self.functions.get(qualname)
        if not isinstance(info, dict):
            return None
        try:
            return ExternalFunction(self.module, qualname, qualname.rsplit(".", 1)[-1],
                                    bool(info["async"]), tuple(info["params"]),
                                    int(info["positional"]), bool(info["method"]))
        except (KeyError, TypeError, ValueError):
            return None


def read_interface(module: str, text: str) -> Interface | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    interface = Interface(module)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    interface.aliases[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    interface.aliases.setdefault(head, head)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name == "*":
                    continue
                local = alias.asname or alias.name
                interface.aliases[local] = f"{base}.{alias.name}" if not base.endswith(".") else f"{base}{alias.name}"
    for statement in _top_statements(tree.body):
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(statement.value, ast.Call):
            made = _dotted(statement.value.func)
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if made and isinstance(target, ast.Name):
                    interface.instances[target.id] = "()" + made
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            interface.functions[statement.name] = _function_info(statement, None)
        elif isinstance(statement, ast.ClassDef):
            methods: list[str] = []
            attr_types: dict[str, str] = {}
            for inner in _top_statements(statement.body):
                if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    qualname = f"{statement.name}.{inner.name}"
                    interface.functions[qualname] = _function_info(inner, statement)
                    methods.append(inner.name)
                    _self_attr_types(inner, attr_types)
                elif isinstance(inner, ast.AnnAssign) and isinstance(inner.target, ast.Name):
                    name = _annotation_name(inner.annotation)
                    if name:
                        attr_types.setdefault(inner.target.id, name)
            interface.classes[statement.name] = {
                "bases": [n for n in (_dotted(b) for b in statement.bases) if n],
                "methods": methods, "attrs": attr_types}
    return interface


def _top_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a module or class body, entering ``if``/``try`` guards."""
    stack = list(reversed(body))
    while stack:
        statement = stack.pop()
        if isinstance(statement, ast.If):
            stack.extend(reversed([*statement.body, *statement.orelse]))
        elif isinstance(statement, ast.Try):
            stack.extend(reversed([*statement.body, *[s for h in statement.handlers for s in h.body],
                                   *statement.orelse]))
        else:
            yield statement


def _function_info(node: ast.FunctionDef | ast.AsyncFunctionDef, cls: ast.ClassDef | None) -> dict:
    args = node.args
    params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    static = any(_dotted(d) == "staticmethod" for d in node.decorator_list)
    returns = _annotation_name(node.returns) if node.returns is not None else None
    if returns is None:
        returns = _returned_class(node)
    annotations = [_annotation_name(a.annotation) if a.annotation is not None else None
                   for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    return {"async": isinstance(node, ast.AsyncFunctionDef), "params": params,
            "positional": len(args.posonlyargs) + len(args.args),
            "method": cls is not None and not static, "returns": returns,
            "annotations": annotations}


def _returned_class(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """``return Manager(...)`` on every return: the function makes that class."""
    made: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Return) and inner.value is not None:
            value = inner.value.value if isinstance(inner.value, ast.Await) else inner.value
            name = _dotted(value.func) if isinstance(value, ast.Call) else None
            if not name or not name.rsplit(".", 1)[-1][:1].isupper():
                return None
            made.add(name)
    return made.pop() if len(made) == 1 else None


def _self_attr_types(node: ast.FunctionDef | ast.AsyncFunctionDef, out: dict[str, str]) -> None:
    """``self.x = Cls(...)``, ``self.x: Cls = ...`` and ``self.x = param`` of an annotated
    parameter, in one method."""
    annotated = {a.arg: _annotation_name(a.annotation)
                 for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
                 if a.annotation is not None}
    for inner in ast.walk(node):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        annotation = None
        if isinstance(inner, ast.Assign):
            targets, value = inner.targets, inner.value
        elif isinstance(inner, ast.AnnAssign):
            targets, value, annotation = [inner.target], inner.value, inner.annotation
        for target in targets:
            if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id == "self"):
                continue
            name = _annotation_name(annotation) if annotation is not None else None
            if name is None and isinstance(value, ast.Await):
                value = value.value
            if name is None and isinstance(value, ast.Call):
                name = "()" + _dotted(value.func) if _dotted(value.func) else None
            if name is None and isinstance(value, ast.Name):
                name = annotated.get(value.id)
            if name:
                out.setdefault(target.attr, name)


def _annotation_name(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(node, ast.Subscript) and _dotted(node.value) in ("Optional", "typing.Optional"):
        return _annotation_name(node.slice)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        for side in (node.left, node.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return _annotation_name(side)
    return _dotted(node) if node is not None else None


def _dotted(node: ast.expr | None) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


# -- the on-disk store of facts ------------------------------------------------------------

_ATOMS = frozenset({"new", "accepted", "closed", "unknown", "failed", "gone-received",
                    "gone-sent", "raising-received", "raising-sent", "io-not-awaited"})
_USAGES = frozenset({"acts", "drops", "returns"})


def valid_fact(key: Any, value: Any) -> bool:
    """The shape of each kind of fact, checked when it is read back from disk."""
    if not isinstance(key, str):
        return False
    if value is None:
        return True  # "not known" (a callee that could not be analysed)
    kind = key.split(":", 1)[0]
    if kind.startswith(("raises", "io")):
        return isinstance(value, bool)
    if kind.startswith("ws"):
        return _valid_summary(value)
    if kind.startswith("gone"):
        misuse = value.get("misuse") if isinstance(value, dict) else 0
        return (isinstance(value, dict) and isinstance(value.get("exits"), list)
                and set(value["exits"]) <= _ATOMS and (misuse is None or (
                    isinstance(misuse, list) and len(misuse) == 2
                    and all(isinstance(x, str) for x in misuse))))
    if kind == "res":
        return (isinstance(value, dict) and isinstance(value.get("params"), list)
                and isinstance(value.get("bound"), bool)
                and all(isinstance(value.get(k), list) and all(isinstance(e, dict) for e in value[k])
                        for k in ("acquires", "releases")))
    if kind == "calls":
        return isinstance(value, list) and all(_valid_site(site) for site in value)
    return False


def _valid_summary(value: Any) -> bool:
    if not (isinstance(value, dict) and isinstance(value.get("uses"), bool)):
        return False
    for table in ("exits", "true", "false"):
        atoms = value.get(table)
        if not (isinstance(atoms, dict) and all(
                a in _ATOMS and isinstance(v, list) and set(v) <= _ATOMS for a, v in atoms.items())):
            return False
    misuses = value.get("misuses")
    return isinstance(misuses, dict) and all(
        isinstance(v, list) and all(isinstance(m, list) and len(m) == 2
                                    and all(isinstance(x, str) for x in m) for m in v)
        for v in misuses.values())


def _valid_site(site: Any) -> bool:
    return (isinstance(site, dict) and site.get("usage") in _USAGES
            and isinstance(site.get("line"), int) and not isinstance(site.get("line"), bool)
            and isinstance(site.get("goes_on"), bool) and isinstance(site.get("method"), bool)
            and (site.get("target") is None or isinstance(site.get("target"), str))
            and (site.get("enclosing") is None or isinstance(site.get("enclosing"), str)))


class SummaryStore:
    """One JSON file per module, named by its path; valid while the module's content, the
    netra-lint version and the settings are the ones it was written with, and while every
    module its facts were computed from still has the content recorded in ``deps``.
    Written atomically (temporary file, then rename): concurrent writers never leave a
    partial file, and a damaged or foreign file is ignored."""

    def __init__(self, directory: Path, settings_key: str) -> None:
        self.directory = directory
        self.key = settings_key

    def _path(self, module_path: Path) -> Path:
        name = hashlib.sha256(str(module_path).encode()).hexdigest()[:32]
        return self.directory / f"{name}.json"

    def load(self, module_path: Path, digest: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._path(module_path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not (isinstance(data, dict) and data.get("format") == STORE_FORMAT
                and data.get("key") == self.key and data.get("digest") == digest
                and isinstance(data.get("facts"), dict) and isinstance(data.get("deps"), dict)
                and isinstance(data.get("interface"), dict)):
            return None
        return data

    def save(self, module_path: Path, data: dict[str, Any]) -> None:
        """Write a module's entry, merged with what another process wrote meanwhile for
        the same content (facts computed from the same state of the project agree)."""
        existing = self.load(module_path, data["digest"])
        if existing is not None:
            data = {**data, "facts": {**existing["facts"], **data["facts"]},
                    "deps": {**existing["deps"], **data["deps"]}}
        self._write(self._path(module_path), data)

    def load_findings(self, module_path: Path, digest: str) -> dict[str, str]:
        """What the findings of a module were computed from (written by the one process
        that analysed it), while its content is unchanged."""
        try:
            data = json.loads(self._path(module_path).with_suffix(".deps").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not (isinstance(data, dict) and data.get("format") == STORE_FORMAT
                and data.get("key") == self.key and data.get("digest") == digest
                and isinstance(data.get("deps"), dict)):
            return {}
        return {k: v for k, v in data["deps"].items() if isinstance(k, str) and isinstance(v, str)}

    def save_findings(self, module_path: Path, digest: str, deps: dict[str, str]) -> None:
        self._write(self._path(module_path).with_suffix(".deps"), {"digest": digest, "deps": deps})

    def _write(self, target: Path, data: dict[str, Any]) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory.parent / ".gitignore"
            if self.directory.parent.name == ".netra-lint-cache" and not ignore.exists():
                ignore.write_text("# created by netra-lint\n*\n", encoding="utf-8")
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({**data, "format": STORE_FORMAT, "key": self.key}, stream,
                          separators=(",", ":"))
            os.replace(temporary, target)
        except OSError:
            pass  # a cache that cannot be written is simply not used


def store_directory(root: Path) -> Path:
    override = os.environ.get("NETRA_LINT_CACHE_DIR")
    base = Path(override) if override else root / ".netra-lint-cache"
    return base / "summaries"


_DEF_RE_CACHE: dict[str, re.Pattern[str]] = {}


def _def_pattern(name: str) -> re.Pattern[str]:
    pattern = _DEF_RE_CACHE.get(name)
    if pattern is None:
        pattern = _DEF_RE_CACHE[name] = re.compile(rf"\bdef\s+{re.escape(name)}\s*\(")
    return pattern


def _mention_pattern(name: str) -> re.Pattern[str]:
    key = "\x00" + name
    pattern = _DEF_RE_CACHE.get(key)
    if pattern is None:
        pattern = _DEF_RE_CACHE[key] = re.compile(rf"\b{re.escape(name)}\b")
    return pattern


# -- the project -----------------------------------------------------------------------------

# Method names too common to resolve by name alone (every class has one, or libraries do).
_NO_NAME_DISPATCH = frozenset({
    "__init__", "get", "set", "send", "receive", "close", "run", "start", "stop", "call",
    "append", "add", "remove", "update", "put", "pop", "write", "read", "connect",
    "disconnect", "emit", "publish", "execute", "process", "handle", "dispatch", "__call__",
    "accept", "open", "cancel", "wait", "join", "info", "debug", "error", "warning",
})
_MAX_DISPATCH = 12


@dataclass
class _Entry:
    """A module's cached facts while a run uses them."""

    digest: str
    interface: Interface
    facts: dict[str, Any]
    deps: dict[str, str]
    dirty: bool = False


class Project:
    """One project, shared by every file analysed in this process."""

    def __init__(self, files: ProjectFiles, settings: Any, store: SummaryStore | None) -> None:
        self.files = files
        self.settings = settings
        self.store = store
        self._digests: dict[str, str | None] = {}
        self._texts: dict[str, str | None] = {}
        self._entries: dict[str, _Entry | None] = {}
        self._loaded: dict[str, Any] = {}
        self._in_progress: set[tuple[str, ...]] = set()
        self._fingerprint: str | None = None
        self._findings_deps: dict[str, dict[str, str]] = {}
        self.modules_parsed = 0  # how many modules this run parsed with libcst (tests, benchmarks)

    # -- files -------------------------------------------------------------------------
    def module_name(self, path: str | os.PathLike) -> str | None:
        return self.files.module_name(path)

    def path_of(self, module: str) -> Path | None:
        return self.files.by_name.get(module)

    def relative(self, module: str) -> str:
        path = self.path_of(module)
        return self.files.relative(path) if path else module

    def _read(self, module: str) -> None:
        path = self.files.by_name.get(module)
        text = digest = None
        if path is not None:
            try:
                text = path.read_bytes().decode("utf-8-sig")
                digest = content_digest(text.encode("utf-8", "surrogatepass"))
            except (OSError, UnicodeDecodeError):
                text = None
        self._texts[module] = text
        self._digests[module] = digest if text is not None else None

    def text(self, module: str) -> str | None:
        if module not in self._texts:
            self._read(module)
        return self._texts[module]

    def digest(self, module: str) -> str | None:
        if module not in self._digests:
            self._read(module)
        return self._digests[module]

    def set_text(self, module: str, text: str) -> None:
        """The file under analysis, as the front end has it (an editor's unsaved buffer)."""
        digest = content_digest(text.encode("utf-8", "surrogatepass"))
        if self._digests.get(module) != digest:
            self._texts[module] = text
            self._digests[module] = digest
            self._entries.pop(module, None)
            self._loaded.pop(module, None)

    # -- entries: interface + facts ---------------------------------------------------------
    def _entry(self, module: str) -> _Entry | None:
        if module in self._entries:
            return self._entries[module]
        entry = None
        digest = self.digest(module)
        text = self.text(module)
        if digest is not None and text is not None:
            path = self.files.by_name[module]
            data = self.store.load(path, digest) if self.store else None
            if data is not None and self._deps_current(data["deps"], module):
                interface = Interface.from_json(module, data["interface"])
                if interface is not None:
                    # a fact of the wrong shape (a damaged or forged file) is dropped and
                    # computed again
                    facts = {k: v for k, v in data["facts"].items() if valid_fact(k, v)}
                    entry = _Entry(digest, interface, facts, data["deps"])
            if entry is None:
                interface = read_interface(module, text)
                if interface is not None:
                    entry = _Entry(digest, interface, {}, {}, dirty=True)
        self._entries[module] = entry
        return entry

    def _deps_current(self, deps: dict[str, Any], module: str) -> bool:
        return all(isinstance(d, str) and dep != module and (
            self.fingerprint() if dep == EVERYTHING else self.digest(dep)) == d
            for dep, d in deps.items())

    def fingerprint(self) -> str:
        """Every module's path, size and modification time: what a question about the
        whole project (who calls this function?) was answered from."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            for path in sorted(self.files.name_of):
                try:
                    info = path.stat()
                except OSError:
                    continue
                digest.update(f"{path}:{info.st_size}:{info.st_mtime_ns};".encode())
            self._fingerprint = digest.hexdigest()[:32]
        return self._fingerprint

    def depend_on_everything(self, asker: str | None) -> None:
        """``asker``'s findings depend on the whole project (a search for its callers)."""
        if asker in self._findings_deps:
            self._findings_deps[asker][EVERYTHING] = self.fingerprint()

    def signature(self, module: str) -> str:
        """A digest of what ``module``'s findings were computed from besides its own text,
        as those modules are *now*: the CLI's result cache key (it changes when one of
        them changes)."""
        entry = self._entry(module)
        path = self.files.by_name.get(module)
        deps: dict[str, str] = {}
        if entry is not None and path is not None and self.store is not None:
            deps = self.store.load_findings(path, entry.digest)
        current = sorted((dep, (self.fingerprint() if dep == EVERYTHING else self.digest(dep)) or "")
                         for dep in deps)
        return hashlib.sha256(json.dumps(current).encode()).hexdigest()[:16]

    def interface(self, module: str) -> Interface | None:
        entry = self._entry(module)
        return entry.interface if entry else None

    def flush(self) -> None:
        """Write the entries this run added facts to."""
        if self.store is None:
            return
        for module, entry in self._entries.items():
            if entry is not None and entry.dirty:
                path = self.files.by_name.get(module)
                if path is not None:
                    self.store.save(path, {"digest": entry.digest, "deps": entry.deps,
                                           "interface": entry.interface.to_json(),
                                           "facts": entry.facts})
                entry.dirty = False

    def begin(self, module: str) -> None:
        """The analysis of ``module``'s file starts: what it consults from now on is
        recorded as what its findings depend on."""
        self._findings_deps[module] = {}

    def finish(self, module: str) -> None:
        """The analysis of ``module``'s file is over: store its entries and what its
        findings were computed from."""
        self.flush()
        deps = self._findings_deps.pop(module, None)
        entry = self._entry(module)
        path = self.files.by_name.get(module)
        if self.store is not None and deps is not None and entry is not None and path is not None:
            self.store.save_findings(path, entry.digest, deps)

    def _computing(self, module: str) -> bool:
        return any(marker[0] == module for marker in self._in_progress)

    def _depend(self, asker: str | None, module: str) -> None:
        if asker is None or asker == module:
            return
        entry = self._entry(module)
        if entry is None:
            return
        if self._computing(asker):  # a fact of ``asker`` uses one of ``module``
            asker_entry = self._entry(asker)
            if asker_entry is None:
                return
            target = asker_entry.deps
        elif asker in self._findings_deps:  # the findings of the file under analysis
            target, asker_entry = self._findings_deps[asker], None
        else:
            return
        before = dict(target)
        target[module] = entry.digest
        for dep, digest in entry.deps.items():
            if dep != asker:
                target[dep] = digest
        if asker_entry is not None and target != before:
            asker_entry.dirty = True

    def fact(self, asker: str | None, module: str, key: str, compute) -> Any:
        """A fact of ``module`` (from the store, or computed now and recorded)."""
        entry = self._entry(module)
        if entry is None:
            return None
        self._depend(asker, module)
        if key in entry.facts:
            return entry.facts[key]
        marker = (module, key)
        if marker in self._in_progress:
            return None  # recursion across modules: not known yet
        self._in_progress.add(marker)
        try:
            value = compute()
        except Exception:  # noqa: BLE001 - a callee we cannot analyse is unknown, not a crash
            value = None
        finally:
            self._in_progress.discard(marker)
        entry.facts[key] = value
        entry.dirty = True
        return value

    # -- parsed modules ------------------------------------------------------------------
    def adopt(self, module: str, analysis: Any) -> None:
        """The file under analysis (its text given to ``set_text`` first): its parsed
        module and analyses serve the project too."""
        self._remember(module, analysis)

    def _remember(self, module: str, analysis: Any) -> None:
        self._loaded.pop(module, None)
        self._loaded[module] = analysis
        while len(self._loaded) > MAX_LOADED:  # parsed trees are big: keep the recent ones
            self._loaded.pop(next(iter(self._loaded)))

    def load(self, module: str) -> Any:
        """The websocket analysis of another module (parsed once per run), or None."""
        if module in self._loaded:
            analysis = self._loaded[module]
            self._remember(module, analysis)
            return analysis
        analysis = None
        text = self.text(module)
        if text is not None:
            from .module import ModuleIndex
            from .source import AnalysisError, parse
            from .websockets import WebSocketAnalysis

            try:
                index = ModuleIndex(parse(text))
                index.project, index.module_name = self, module
                analysis = WebSocketAnalysis(index, self.settings)
                self.modules_parsed += 1
            except (AnalysisError, RecursionError, MemoryError, ValueError):
                analysis = None
        self._remember(module, analysis)
        return analysis

    def function_info(self, function: ExternalFunction) -> Any:
        analysis = self.load(function.module)
        if analysis is None:
            return None
        index = analysis.index
        if "." in function.qualname:
            cls_name, _, method = function.qualname.partition(".")
            cls = index.classes.get(cls_name)
            return cls.methods.get(method) if cls else None
        return index.functions.get(function.qualname)

    # -- names ---------------------------------------------------------------------------
    def absolute(self, target: str, from_module: str) -> str:
        """An import target made absolute (``.utils.send`` from ``app.routes.ws``)."""
        if not target.startswith("."):
            return target
        level = len(target) - len(target.lstrip("."))
        rest = target[level:]
        package = from_module if self.files.is_package(from_module) else from_module.rpartition(".")[0]
        for _ in range(level - 1):
            package = package.rpartition(".")[0]
        return f"{package}.{rest}".strip(".") if package else rest

    def resolve(self, qualified: str, _depth: int = 0) -> tuple[str, Any] | None:
        """``("function", ExternalFunction)``, ``("bound", ExternalFunction)`` (a method of
        a module-level instance), ``("class", (module, name))`` or ``("module", name)`` for
        an absolute dotted name inside the project."""
        if _depth > 8 or not qualified:
            return None
        if qualified in self.files.by_name:
            return ("module", qualified)
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module not in self.files.by_name:
                continue
            interface = self.interface(module)
            if interface is None:
                return None
            head, rest = parts[cut], parts[cut + 1:]
            if not rest and head in interface.functions:
                found = interface.function(head)
                return ("function", found) if found else None
            if head in interface.classes:
                if not rest:
                    return ("class", (module, head))
                if len(rest) == 1:
                    method = self.method((module, head), rest[0])
                    return ("function", method) if method else None
                return None
            if head in interface.aliases:
                target = self.absolute(interface.aliases[head], module)
                return self.resolve(".".join([target, *rest]), _depth + 1)
            if head in interface.instances and len(rest) == 1:
                # a module-level instance (``registry = ConnectionRegistry()``)
                cls = self.class_of_type(module, interface.instances[head])
                method = self.method(cls, rest[0]) if cls is not None else None
                return ("bound", method) if method is not None else None
            return None
        return None

    def resolve_in(self, module: str, dotted_name: str) -> tuple[str, Any] | None:
        """A dotted name as written in ``module`` (through its imports)."""
        interface = self.interface(module)
        if interface is None:
            return None
        head, _, rest = dotted_name.partition(".")
        if head in interface.aliases:
            target = self.absolute(interface.aliases[head], module)
            return self.resolve(f"{target}.{rest}" if rest else target)
        if head in interface.classes or head in interface.functions:
            return self.resolve(f"{module}.{dotted_name}")
        return None

    def method(self, cls: tuple[str, str], name: str, _depth: int = 0) -> ExternalFunction | None:
        module, cls_name = cls
        interface = self.interface(module)
        if interface is None or _depth > 8:
            return None
        info = interface.classes.get(cls_name)
        if not isinstance(info, dict):
            return None
        if name in info.get("methods", ()):
            return interface.function(f"{cls_name}.{name}")
        for base in info.get("bases", ()):
            found = self.resolve_in(module, base)
            if found and found[0] == "class":
                method = self.method(found[1], name, _depth + 1)
                if method:
                    return method
        return None

    def websocket_parameter(self, function: ExternalFunction) -> int | None:
        """The first parameter annotated as a websocket (``WebSocket``, through imports)."""
        interface = self.interface(function.module)
        info = interface.functions.get(function.qualname) if interface else None
        annotations = info.get("annotations") if isinstance(info, dict) else None
        if not isinstance(annotations, list):
            return None
        for i, written in enumerate(annotations):
            if isinstance(written, str):
                target = self.absolute(interface.aliases.get(written.split(".")[0], written), function.module)
                if written.rsplit(".", 1)[-1] == "WebSocket" or target.endswith(".WebSocket"):
                    return i
        return None

    def class_of_type(self, module: str, written: str) -> tuple[str, str] | None:
        """The class a type written in ``module`` names: ``Foo`` (an annotation) or
        ``()foo`` (the result of calling ``foo``: a class, or a function that makes one)."""
        made = written.startswith("()")
        name = written[2:] if made else written
        found = self.resolve_in(module, name)
        if found is None:
            return None
        if found[0] == "class":
            return found[1]
        if found[0] == "function" and made:
            function: ExternalFunction = found[1]
            info = self.interface(function.module).functions.get(function.qualname, {})
            returns = info.get("returns") if isinstance(info, dict) else None
            if isinstance(returns, str):
                return self.class_of_type(function.module, returns)
        return None

    def attribute_class(self, module: str, cls_name: str, attr: str) -> tuple[str, str] | None:
        """The class of ``self.<attr>`` in class ``cls_name`` of ``module``."""
        interface = self.interface(module)
        info = interface.classes.get(cls_name) if interface else None
        if not isinstance(info, dict):
            return None
        written = info.get("attrs", {}).get(attr)
        return self.class_of_type(module, written) if isinstance(written, str) else None

    def family(self, module: str) -> str:
        """The top-level package of a module: calls by name alone never cross families
        (two apps, or an app and its tests' fixtures, in one repository)."""
        return module.split(".", 1)[0]

    def methods_named(self, name: str, asker: str | None = None) -> list[ExternalFunction]:
        """Every project method called ``name`` in the asker's package (modules chosen
        by a text search first)."""
        if name in _NO_NAME_DISPATCH or name.startswith("__"):
            return []
        pattern = _def_pattern(name)
        found: list[ExternalFunction] = []
        family = self.family(asker) if asker else None
        for module in self._modules_matching(pattern):
            if family is not None and self.family(module) != family:
                continue
            interface = self.interface(module)
            if interface is None:
                continue
            for cls_name, info in interface.classes.items():
                if isinstance(info, dict) and name in info.get("methods", ()):
                    method = interface.function(f"{cls_name}.{name}")
                    if method is not None:
                        found.append(method)
            if len(found) > _MAX_DISPATCH:
                return []
        return found

    def _modules_matching(self, pattern: re.Pattern[str]) -> list[str]:
        out = []
        for module in sorted(set(self.files.name_of.values())):
            text = self.text(module)
            if text is not None and pattern.search(text):
                out.append(module)
        return out

    def modules_mentioning(self, name: str) -> list[str]:
        return self._modules_matching(_mention_pattern(name))


_PROJECTS: dict[tuple[Path, Any], Project] = {}


def project_for(path: str | os.PathLike | None, settings: Any) -> Project | None:
    """The project of a file (one per root and settings in this process), or None when
    project mode is off, the file has no project, or the project is too big to index."""
    if path is None or not getattr(settings, "project", True):
        return None
    root = find_root(path)
    if root is None:
        return None
    key = (root, settings)
    project = _PROJECTS.get(key)
    if project is None:
        files = ProjectFiles(root, tuple(getattr(settings, "src", ()) or ()))
        if files.too_big:
            return None
        from .. import __version__
        from ..cache import _code_fingerprint

        # an edited checkout of netra-lint never serves facts computed by other code
        settings_key = hashlib.sha256(
            f"{__version__}|{_code_fingerprint()}|{settings!r}".encode()).hexdigest()[:24]
        store = None if os.environ.get("NETRA_LINT_NO_SUMMARY_CACHE") else SummaryStore(
            store_directory(root), settings_key)
        project = _PROJECTS[key] = Project(files, settings, store)
    return project


def forget_projects() -> None:
    """Drop every project of this process (tests; the language server after file events)."""
    _PROJECTS.clear()


def deps_signature(path: str | os.PathLike, settings: Any) -> str:
    """``Project.signature`` of a file's module; "" outside project mode or a project."""
    try:
        project = project_for(path, settings)
        module = project.module_name(path) if project is not None else None
        return project.signature(module) if module is not None else ""
    except (OSError, RecursionError, ValueError):
        return ""
