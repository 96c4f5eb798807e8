"""The ``netra-lint`` command: check, fix, rules, explain, lsp. Thin: it calls the same API
as the flake8 plugin, with the same Settings, and the same ``# noqa`` handling.

Exit codes: 0 clean, 1 findings, 2 a usage or configuration error (one line on stderr),
130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import click
from dataclasses import replace

from . import __version__
from .codes import RULES
from .finding import Finding
from .report import (FORMATTERS, FORMATS, Located, fallback_doc, format_statistics,
                     format_text, rule_doc, summary)

if TYPE_CHECKING:
    from .cache import Cache
    from .config import Config

# The analysis (config -> api -> rules -> libcst) is imported by the commands that need it,
# so that 'rules', 'explain' and '--version' start in a fraction of the time.

PROCESS_THRESHOLD = 8  # fewer files than this are checked in this process


class _Group(click.Group):
    """Every error is one line on stderr: ``netra-lint: error: ...``, exit code 2."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            result = super().main(args, prog_name or "netra-lint", complete_var,
                                  standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help())
            sys.exit(0)
        except click.ClickException as exc:
            hint = ""
            if isinstance(exc, click.UsageError) and exc.ctx is not None:
                hint = f" (see '{exc.ctx.command_path} --help')"
            click.echo(f"netra-lint: error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
                click.echo("netra-lint: interrupted", err=True)
                sys.exit(130)  # 128 + SIGINT, as a shell reports it; 1 means "findings"
            click.echo("netra-lint: aborted", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("netra-lint: interrupted", err=True)
            sys.exit(130)
        if standalone_mode:
            sys.exit(result if isinstance(result, int) else 0)
        return result


def fail(message: str) -> None:
    click.echo(f"netra-lint: error: {message}", err=True)
    raise SystemExit(2)


def warn(message: str) -> None:
    click.echo(f"netra-lint: warning: {message}", err=True)


def _use_color(choice: str, stream: Any) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def display_path(path: Path | str) -> str:
    """Relative to the working directory when the file is inside it."""
    text = os.path.normpath(path)
    if os.path.isabs(text):
        relative = os.path.relpath(text)
        if not relative.startswith(".."):
            return relative
    return text


class Progress:
    """``checked 120/800 files`` on stderr, only on a terminal and only for runs long
    enough to notice (it appears after half a second); cleared when done."""

    def __init__(self, total: int, enabled: bool | None) -> None:
        self.total = total
        self.done = 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.started = time.monotonic()
        self.shown = False

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.enabled and time.monotonic() - self.started > 0.5:
            sys.stderr.write(f"\rnetra-lint: checked {self.done}/{self.total} files")
            sys.stderr.flush()
            self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


# -- options shared by check and fix --------------------------------------------------------

def _config_options(function: Callable) -> Callable:
    options = [
        click.option("--config", "config_file", type=click.Path(dir_okay=False),
                     help="A pyproject.toml (or other TOML file) with a [tool.netra-lint] table. "
                          "Default: the nearest pyproject.toml that has one."),
        click.option("--isolated", is_flag=True, help="Ignore all configuration files."),
        click.option("--select", multiple=True, metavar="CODES",
                     help="Codes or prefixes to report, comma-separated (replaces the "
                          "configured select)."),
        click.option("--ignore", multiple=True, metavar="CODES",
                     help="Codes or prefixes not to report, comma-separated (added to the "
                          "configured ignore)."),
        click.option("--extend-exclude", multiple=True, metavar="PATTERNS",
                     help="More glob patterns of paths not to check, comma-separated."),
        # kept in the click context (read by _load), so every command that loads a
        # configuration honours it without another parameter
        click.option("--no-project", is_flag=True, expose_value=False, is_eager=True,
                     callback=lambda ctx, _param, value: ctx.meta.__setitem__("no_project", value),
                     help="Analyse each file alone, without the rest of its project "
                          "(project mode is on by default; see docs/usage.md)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _load(config_file: str | None, isolated: bool, select: Sequence[str],
          ignore: Sequence[str], extend_exclude: Sequence[str]) -> Config:
    from .config import ConfigError, load_config, with_overrides

    try:
        config = load_config(config_file, isolated=isolated)
        context = click.get_current_context(silent=True)
        if context is not None and context.meta.get("no_project"):
            config = replace(config, settings=replace(config.settings, project=False))
        return with_overrides(config, _split(select), _split(ignore), _split(extend_exclude))
    except ConfigError as exc:
        fail(str(exc))
        raise  # pragma: no cover - fail() exits


def _collect(paths: Sequence[str], config: Config) -> list[Path]:
    """The files to check; unreadable directories and excluded paths are one warning
    line each on stderr, and the rest is checked."""
    from .config import ConfigError, collect_files

    warnings: list[str] = []
    try:
        files = collect_files(paths or ["."], config, warnings)
    except ConfigError as exc:
        fail(str(exc))
        raise  # pragma: no cover
    for message in warnings:
        warn(message)
    return files


# -- checking one file (runs in worker processes too) ---------------------------------------

_WORKER_CONFIG: Config | None = None


def _init_worker(config: Config) -> None:
    global _WORKER_CONFIG
    _WORKER_CONFIG = config
    # Ctrl-C reaches the whole process group: the parent handles it (exit 130); a worker
    # that raised KeyboardInterrupt too would print its traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _unreadable(config: Config, path: Path, display: str, exc: OSError) -> list[Finding]:
    """An unreadable file is NL001 (or, with NL001 not selected, a warning line); the
    other files are still checked."""
    reason = exc.strerror or str(exc)
    if "NL001" in config.codes_for(path):
        return [Finding(1, 0, "NL001", f"netra-lint could not analyse this file: cannot read it ({reason})")]
    warn(f"{display}: cannot read it ({reason}); not checked")
    return []


WORKER_DIED = ("netra-lint could not analyse this file: the process analysing it died "
               "(out of memory or killed), twice")


def _worker_died(config: Config, path: Path, display: str) -> list[Finding]:
    if "NL001" in config.codes_for(path):
        return [Finding(1, 0, "NL001", WORKER_DIED)]
    warn(f"{display}: {WORKER_DIED.split(': ', 1)[1]}; not checked")
    return []


def _run_chunk(function: Callable[[Any], Any], tasks: list[Any]) -> list[Any]:
    return [function(task) for task in tasks]


def _in_processes(function: Callable[[Any], Any], tasks: Sequence[Any], workers: int,
                  config: Config, progress: Progress) -> list[Any]:
    """``function`` of every task in worker processes, in task order. A worker that dies
    (the OOM killer, a crash in a native library) breaks the pool: the tasks it left
    unfinished run again one by one in a fresh single-worker pool, and a task that kills
    that worker too gets None. Ctrl-C cancels what has not started."""
    results: list[Any] = [None] * len(tasks)
    finished = [False] * len(tasks)
    # Chunks, as pool.map would send them (fewer round trips), small enough that a dead
    # worker costs little to run again.
    size = max(1, min(16, len(tasks) // (workers * 8)))
    chunks = [range(start, min(start + size, len(tasks))) for start in range(0, len(tasks), size)]
    pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(config,))
    try:
        futures = {pool.submit(_run_chunk, function, [tasks[i] for i in chunk]): chunk
                   for chunk in chunks}
        for future in as_completed(futures):
            try:
                outcomes = future.result()
            except BrokenProcessPool:
                continue
            for index, outcome in zip(futures[future], outcomes):
                results[index], finished[index] = outcome, True
            progress.advance(len(outcomes))
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    single: ProcessPoolExecutor | None = None
    try:
        for index in [i for i, done in enumerate(finished) if not done]:
            if single is None:
                single = ProcessPoolExecutor(1, initializer=_init_worker, initargs=(config,))
            try:
                results[index] = single.submit(function, tasks[index]).result()
            except BrokenProcessPool:
                single.shutdown(wait=False)
                single = None
            progress.advance()
    finally:
        if single is not None:
            single.shutdown(wait=False, cancel_futures=True)
    return results


def _decode_error(config: Config, path: Path | None, exc: Exception) -> list[Finding]:
    if "NL001" not in config.codes_for(path):
        return []
    reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
    return [Finding(1, 0, "NL001", f"netra-lint could not analyse this file: cannot decode it ({reason})")]


def analyse_bytes(config: Config, path: Path | None, display: str, raw: bytes) -> list[Finding]:
    """Findings for one file's bytes; a fix is kept only as ``True`` (picklable, cacheable)."""
    from .fixes import SourceFile

    try:
        text = SourceFile.decode(path or Path(display), raw).text
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return _decode_error(config, path, exc)
    findings = config.check(text, path, display)
    return [Finding(f.line, f.col, f.code, f.message, True if f.fix is not None else None, f.fix_safe)
            for f in findings]


def _worker(task: tuple[str, str, bytes]) -> list[Finding]:
    path, display, raw = task
    assert _WORKER_CONFIG is not None
    return analyse_bytes(_WORKER_CONFIG, Path(path), display, raw)


def _run_checks(files: list[Path], config: Config, jobs: int, cache: Cache | None,
                progress: Progress) -> tuple[list[Located], int]:
    """Check the files; returns the findings and the number of files checked."""
    from .cache import content_hash

    results: list[Located] = []
    pending: list[tuple[str, str, bytes, str]] = []
    for path in files:
        display = display_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            results.extend(Located(display, f) for f in _unreadable(config, path, display, exc))
            progress.advance()
            continue
        digest = content_hash(raw) + _project_signature(path, config)
        cached = cache.get(config.relative(path), digest) if cache else None
        if cached is not None:
            results.extend(Located(display, f) for f in cached)
            progress.advance()
        else:
            pending.append((str(path), display, raw, digest))

    workers = min(jobs or os.cpu_count() or 1, len(pending))
    tasks = [(path, display, raw) for path, display, raw, _ in pending]
    if workers > 1 and len(pending) >= PROCESS_THRESHOLD:
        computed = _in_processes(_worker, tasks, workers, config, progress)
    else:
        computed = _collect_outcomes(
            (analyse_bytes(config, Path(path), display, raw) for path, display, raw in tasks), progress)

    if cache is not None and config.settings.project:
        from .engine.project import forget_projects

        forget_projects()  # the workers recorded new dependencies: read them afresh
    for (path, display, _, digest), findings in zip(pending, computed):
        if findings is None:  # its worker died twice: say so, do not cache it
            results.extend(Located(display, f) for f in _worker_died(config, path, display))
            continue
        if cache is not None:
            digest = digest[:64] + _project_signature(Path(path), config)
            cache.put(config.relative(path), digest, findings)
        results.extend(Located(display, f) for f in findings)
    return sorted(results), len(files)


def _project_signature(path: Path, config: Config) -> str:
    """Project mode: a file's findings also depend on the modules its analysis consulted;
    the result cache is keyed by them too (engine/project.py records them)."""
    if not config.settings.project:
        return ""
    from .engine.project import deps_signature

    signature = deps_signature(path, config.settings)
    return ":" + signature if signature else ""  # "": a file outside any project


def _collect_outcomes(outcomes: Iterable[list[Finding]], progress: Progress) -> list[list[Finding]]:
    collected = []
    for findings in outcomes:
        collected.append(findings)
        progress.advance()
    return collected


# -- commands -------------------------------------------------------------------------------

@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="netra-lint")
def cli() -> None:
    """netra-lint: find WebSocket lifecycle, resource, id and initialization bugs in async
    Python backends (FastAPI, Starlette, Django Channels, aiohttp).

    The same rules run as a flake8 plugin (codes NL...). Configuration: [tool.netra-lint]
    in pyproject.toml (see docs/usage.md).
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@_config_options
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format. sarif is SARIF 2.1.0; github prints "
                                      "GitHub Actions workflow annotations.")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False),
              help="Write the report to this file instead of standard output.")
@click.option("--statistics", is_flag=True, help="Also print how many findings each code has.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes (0: one per CPU; 1: no worker processes).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="Where to keep the cache (default: .netra-lint-cache in the project root, "
                   "or $NETRA_LINT_CACHE_DIR).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the text output (auto: on a terminal, unless "
                                      "NO_COLOR is set).")
@click.option("--progress/--no-progress", default=None,
              help="Show progress on stderr (default: on a terminal only).")
@click.option("--stdin-filename", metavar="PATH",
              help="With the path '-': the name of the file whose text is read from stdin.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary line.")
@click.option("--show-source", is_flag=True,
              help="Show each finding's source line with a caret under the column (text format).")
@click.option("--diff-base", metavar="REF",
              help="Report only findings on lines changed since the git ref REF (committed, "
                   "staged or not; untracked files count as new).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Report only findings not recorded in this baseline file, and how many of "
                   "its entries are fixed.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="Record today's findings in FILE (fingerprints that survive moved lines) "
                   "and exit 0.")
@click.option("--add-noqa", is_flag=True,
              help="Write '# noqa: NLxxx' on the lines of today's findings, then exit.")
def check(paths: tuple[str, ...], config_file: str | None, isolated: bool,
          select: tuple[str, ...], ignore: tuple[str, ...], extend_exclude: tuple[str, ...],
          output_format: str, output_file: str | None, statistics: bool, exit_zero: bool,
          jobs: int, no_cache: bool, cache_dir: str | None, color: str,
          progress: bool | None, stdin_filename: str | None, quiet: bool, show_source: bool,
          diff_base: str | None, baseline_file: str | None, write_baseline: str | None,
          add_noqa: bool) -> None:
    """Report findings in PATHS (default: the current directory).

    Directories are searched for *.py and *.pyi files that git does not ignore and that
    the exclude setting does not match. '-' reads one file from standard input."""
    from .adoption import AdoptionError, adopt, lines_reader, text_reader

    config = _load(config_file, isolated, select, ignore, extend_exclude)
    files: list[Path] = []
    text_of = text_reader()
    if paths == ("-",):
        display = stdin_filename or "-"
        raw = sys.stdin.buffer.read()
        path = Path(stdin_filename) if stdin_filename else None
        items = [Located(display, f) for f in analyse_bytes(config, path, display, raw)]
        checked = 1
        text_of = text_reader(display, raw.decode("utf-8", "replace"))
    else:
        if "-" in paths:
            fail("'-' (standard input) cannot be combined with other paths")
        files = _collect(paths, config)
        cache = None
        if not no_cache:
            from .cache import Cache, default_directory

            directory = Path(cache_dir) if cache_dir else default_directory(config.root)
            cache = Cache(directory, config)
        meter = Progress(len(files), progress)
        try:
            items, checked = _run_checks(files, config, jobs, cache, meter)
        finally:
            meter.finish()
        if cache is not None:
            cache.save()

    try:
        adopted = adopt(items, files, text_of, diff_base=diff_base, baseline=baseline_file,
                        write_baseline=write_baseline, add_noqa=add_noqa)
    except AdoptionError as exc:
        fail(str(exc))
        raise  # pragma: no cover
    items = adopted.items
    if adopted.done:
        click.echo(format_text(items), nl=False)
        for message in adopted.messages:
            click.echo(message, err=True)
        raise SystemExit(adopted.exit_code)

    try:
        out = open(output_file, "w", encoding="utf-8") if output_file else None
    except OSError as exc:
        fail(f"{output_file}: cannot write: {exc.strerror or exc}")
    stream = out or sys.stdout
    try:
        colored = output_format == "text" and out is None and _use_color(color, stream)
        click.echo(FORMATTERS[output_format](
            items, color=colored, severity=config.severity, show_source=show_source,
            source=lines_reader(text_of)),
            file=stream, nl=False, color=colored)
        if statistics and items:
            stats_stream = stream if output_format == "text" else sys.stderr
            click.echo(format_statistics(items, color=colored), file=stats_stream, nl=False,
                       color=colored)
    finally:
        if out is not None:
            out.close()
    if output_format == "text" and not quiet:
        click.echo(summary(items, checked), err=True)
    if not quiet:
        for message in adopted.messages:
            click.echo(message, err=True)
    raise SystemExit(1 if items and not exit_zero else 0)


def fix_bytes(config: Config, path: Path, display: str, raw: bytes, unsafe: bool,
              diff: bool) -> tuple[bytes | None, int, list[Finding], str]:
    """Fix one file's bytes: (the new bytes or None when unchanged, how many fixes were
    made, what is left (fixes kept only as ``True``), the unified diff when ``diff``).
    Picklable both ways, so it runs in worker processes too."""
    from .fixes import SourceFile, fix_text, unified_diff

    try:
        source = SourceFile.decode(path, raw)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return None, 0, _decode_error(config, path, exc), ""
    oversize = config.oversize(len(raw), path)
    if oversize is not None:
        return None, 0, oversize, ""
    result = fix_text(source.text, display, config.settings, config.codes_for(path), unsafe)
    remaining = [Finding(f.line, f.col, f.code, f.message, True if f.fix is not None else None,
                         f.fix_safe) for f in result.remaining]
    if not result.changed:
        return None, 0, remaining, ""
    text = unified_diff(source.text, result.text, display) if diff else ""
    return source.encode(result.text), len(result.fixed), remaining, text


def _fix_worker(task: tuple[str, str, bytes, bool, bool]) -> tuple[bytes | None, int, list[Finding], str]:
    path, display, raw, unsafe, diff = task
    assert _WORKER_CONFIG is not None
    return fix_bytes(_WORKER_CONFIG, Path(path), display, raw, unsafe, diff)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@_config_options
@click.option("--diff", is_flag=True, help="Print a unified diff of the fixes; write nothing.")
@click.option("--unsafe-fixes", "--unsafe", "unsafe", is_flag=True,
              help="Also apply fixes that may change behaviour (NL106/NL107's "
                   "'except WebSocketDisconnect' before a broad except).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes (0: one per CPU; 1: no worker processes).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the text output.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
def fix(paths: tuple[str, ...], config_file: str | None, isolated: bool,
        select: tuple[str, ...], ignore: tuple[str, ...], extend_exclude: tuple[str, ...],
        diff: bool, unsafe: bool, jobs: int, color: str, quiet: bool) -> None:
    """Apply the automatic fixes in PATHS (default: the current directory).

    Only safe fixes unless --unsafe-fixes. A file is rewritten atomically, keeping its
    formatting, comments, encoding, line endings and permissions, and only when a fix
    changes it; a file with other hard links, or in a directory that cannot be written,
    is rewritten in place. A read-only file that a fix would change is not written: one
    error line, exit code 2, the other files are fixed. Then prints what is left to fix
    by hand. Exit code: 2 when a file could not be written, else 1 when findings remain
    (with --diff: when there is a diff), else 0."""
    from .fixes import ReadOnlyFile, write_fixed

    config = _load(config_file, isolated, select, ignore, extend_exclude)
    files = _collect(paths, config)
    colored = _use_color(color, sys.stdout)
    fixed_count = changed_files = 0
    failed = False
    remaining: list[Located] = []
    tasks: list[tuple[str, str, bytes, bool, bool]] = []
    seen: set[tuple[int, int]] = set()  # one file reached through hard links or symlinks
    for path in files:
        display = display_path(path)
        try:
            info = path.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            raw = path.read_bytes()
        except OSError as exc:
            remaining.extend(Located(display, f) for f in _unreadable(config, path, display, exc))
            continue
        tasks.append((str(path), display, raw, unsafe, diff))

    workers = min(jobs or os.cpu_count() or 1, len(tasks))
    if workers > 1 and len(tasks) >= PROCESS_THRESHOLD:
        outcomes = _in_processes(_fix_worker, tasks, workers, config, Progress(len(tasks), False))
    else:
        outcomes = [fix_bytes(config, Path(p), d, r, u, f) for p, d, r, u, f in tasks]

    for (name, display, raw, _, _), outcome in zip(tasks, outcomes):
        path = Path(name)
        if outcome is None:  # its worker died twice
            remaining.extend(Located(display, f) for f in _worker_died(config, path, display))
            continue
        new, count, left, diff_text = outcome
        if new is None:
            remaining.extend(Located(display, f) for f in left)
            continue
        if diff:
            fixed_count += count
            changed_files += 1
            remaining.extend(Located(display, f) for f in left)
            click.echo(diff_text, nl=False)
            continue
        try:
            if path.read_bytes() != raw:  # edited since it was read: do not lose that edit
                raise OSError(0, "the file changed while it was being fixed; run fix again")
            write_fixed(path, new)
        except OSError as exc:
            reason = "read-only file, not fixed" if isinstance(exc, ReadOnlyFile) \
                else f"cannot write: {exc.strerror or exc}"
            click.echo(f"netra-lint: error: {display}: {reason}", err=True)
            failed = True
            remaining.extend(Located(display, f) for f in analyse_bytes(config, path, display, raw))
            continue
        fixed_count += count
        changed_files += 1
        remaining.extend(Located(display, f) for f in left)
    if diff:
        if not quiet:
            click.echo(f"{fixed_count} fix{'es' if fixed_count != 1 else ''} would be applied "
                       f"in {changed_files} file{'s' if changed_files != 1 else ''}.", err=True)
        raise SystemExit(1 if changed_files else 0)
    click.echo(format_text(sorted(remaining), color=colored), nl=False, color=colored)
    if not quiet:
        click.echo(f"Fixed {fixed_count} finding{'s' if fixed_count != 1 else ''} in "
                   f"{changed_files} file{'s' if changed_files != 1 else ''}; "
                   f"{len(remaining)} remaining.", err=True)
    raise SystemExit(2 if failed else 1 if remaining else 0)


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules(output_format: str) -> None:
    """List every code: name, whether it has an automatic fix, and what it reports."""
    if output_format == "json":
        click.echo(json.dumps([
            {"code": r.code, "name": r.name, "family": r.family, "fixable": r.fixable,
             "unsafe_fix": r.unsafe_fix,
             "summary": r.summary} for r in RULES.values()], indent=2))
        return
    name_width = max(len(r.name) for r in RULES.values())
    click.echo(f"{'code':<6} {'name':<{name_width}} {'fix':<6} summary")
    for r in RULES.values():
        click.echo(f"{r.code:<6} {r.name:<{name_width}} {'safe' if r.fixable else 'unsafe' if r.unsafe_fix else '-':<6} {r.summary}")


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation of a rule, by code (NL101) or name (use-before-accept)."""
    wanted = code.strip()
    rule = RULES.get(wanted.upper()) or next(
        (r for r in RULES.values() if r.name == wanted.lower()), None)
    if rule is None:
        fail(f"unknown rule {code!r} (see 'netra-lint rules')")
        return  # pragma: no cover
    doc = rule_doc(rule.code) or fallback_doc(rule.code)
    if sys.stdout.isatty():  # a page is longer than a screen: a pager, only on a terminal
        click.echo_via_pager(doc)
    else:
        click.echo(doc, nl=not doc.endswith("\n"))


@cli.command()
@click.option("--force", is_flag=True, help="Replace an existing [tool.netra-lint] table.")
def init(force: bool) -> None:
    """Write a [tool.netra-lint] table with the documented defaults into ./pyproject.toml
    (created if missing). Refuses to replace an existing table without --force."""
    from .config import ConfigError
    from .init_config import init as write_section

    try:
        path, action = write_section(Path("."), force)
    except ConfigError as exc:
        fail(str(exc))
        return  # pragma: no cover
    click.echo(f"{action.capitalize()} [tool.netra-lint] in {display_path(path)}.")


@cli.command()
@click.argument("log_line", required=False)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--path", "extra_paths", multiple=True, type=click.Path(),
              help="A file or directory to search for the sites (repeatable; the same as "
                   "PATHS).")
@click.option("--list", "list_all", is_flag=True, help="Print every log line netra-lint knows.")
@_config_options
def why(log_line: str | None, paths: tuple[str, ...], extra_paths: tuple[str, ...],
        list_all: bool, config_file: str | None, isolated: bool, select: tuple[str, ...],
        ignore: tuple[str, ...], extend_exclude: tuple[str, ...]) -> None:
    """Explain an error line from production logs: the rules whose bugs produce it, the
    causal chain, and, given PATHS, the sites those rules report there, most likely first.
    Exit code: 0 when a rule explains the line, 1 when none does."""
    from . import why as table

    if list_all:
        click.echo(table.describe_all(), nl=False)
        return
    if not log_line or not log_line.strip():
        fail("give the log line to explain, in quotes (or --list)")
        return  # pragma: no cover
    causes = table.explain_line(log_line)
    if not causes:
        click.echo(table.describe_unknown(log_line), nl=False)
        raise SystemExit(1)
    click.echo(table.describe(causes), nl=False)
    where = (*paths, *extra_paths)
    rules = table.ranked_rules(causes)
    if not where:
        click.echo(f"Run 'netra-lint why \"...\" PATH' to list the sites of "
                   f"{', '.join(rules)} in your code.")
        return
    config = _load(config_file, isolated, select or (",".join(rules),), ignore, extend_exclude)
    files = _collect(where, config)
    items, _ = _run_checks(files, config, 0, None, Progress(len(files), False))
    sites = table.rank_sites(items, rules)
    if not sites:
        click.echo(f"No site in {', '.join(where)}: none of {', '.join(rules)} reports there.")
        return
    click.echo(f"Sites, most likely first ({len(sites)}):")
    click.echo(format_text(sites, show_source=True), nl=False)


@cli.command()
@click.option("--stdio", is_flag=True, help="Talk over standard input/output (the default).")
def lsp(stdio: bool) -> None:
    """Run the language server (diagnostics and quick fixes) over stdio."""
    try:
        from .lsp import serve
    except ImportError as exc:  # pygls is an optional dependency
        fail(f"the language server needs pygls ({exc}); install it with: "
             f"pip install 'netra-lint[lsp]'")
        return  # pragma: no cover
    serve()


def main(argv: Sequence[str] | None = None) -> None:
    """The console script (and ``python -m netra_lint``)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="netra-lint")
