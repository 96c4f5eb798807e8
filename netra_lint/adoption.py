"""What ``netra-lint check`` does with its findings for a team adopting netra-lint:
``--diff-base``, ``--write-baseline``/``--baseline`` and ``--add-noqa``. The CLI only
gathers the options and prints the messages; the work is here and in baseline.py,
diffbase.py and noqa.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .baseline import Baseline, BaselineError, apply, entries_for
from .diffbase import DiffBaseError, changes_since, only_changed
from .report import Located

__all__ = ["AdoptionError", "Adopted", "adopt"]

TextOf = Callable[[str], "str | None"]


class AdoptionError(Exception):
    """A usage error of one of the adoption options: one line, exit code 2."""


@dataclass
class Adopted:
    items: list[Located]
    messages: list[str] = field(default_factory=list)  # for stderr
    done: bool = False  # the run wrote something (baseline, noqa) and reports nothing more
    exit_code: int = 0  # when done


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def adopt(items: Sequence[Located], checked: Sequence[Path], text_of: TextOf, *,
          diff_base: str | None = None, baseline: str | None = None,
          write_baseline: str | None = None, add_noqa: bool = False) -> Adopted:
    result = Adopted(list(items))
    try:
        if diff_base:
            changes = changes_since(diff_base)
            result.items = only_changed(result.items, changes, lambda i: i.path,
                                        lambda i: i.finding.line)
        if write_baseline:
            _write_baseline(result, write_baseline, text_of)
            return result
        if baseline:
            loaded = Baseline.load(baseline)
            outcome = apply(loaded, result.items, checked, lambda i: i.path,
                            lambda i: i.finding, text_of)
            result.items = outcome.kept
            if outcome.matched:
                result.messages.append(f"{_plural(outcome.matched, 'finding')} in the baseline "
                                       f"{baseline} not shown.")
            if outcome.stale:
                count = len(outcome.stale)
                result.messages.append(
                    f"{_plural(count, 'baseline entry', 'baseline entries')} no longer "
                    f"{'matches' if count == 1 else 'match'} a finding (fixed): prune "
                    f"{'it' if count == 1 else 'them'} with "
                    f"'netra-lint check --write-baseline {baseline}'.")
    except (BaselineError, DiffBaseError) as exc:
        raise AdoptionError(str(exc)) from None
    if add_noqa:
        _add_noqa(result, text_of)
    return result


def _write_baseline(result: Adopted, path: str, text_of: TextOf) -> None:
    entries = []
    by_path: dict[str, list[Located]] = {}
    for item in result.items:
        by_path.setdefault(item.path, []).append(item)
    for file, group in by_path.items():
        text = text_of(file)
        if text is None:
            raise BaselineError(f"{file}: cannot be read to fingerprint its findings")
        entries.extend(entries_for(path, file, text, [item.finding for item in group]))
    Baseline(Path(path), entries).write()
    result.items = []
    result.messages.append(f"Wrote {_plural(len(entries), 'finding')} in "
                           f"{_plural(len(by_path), 'file')} to the baseline {path}.")
    result.done = True


def _add_noqa(result: Adopted, text_of: TextOf) -> None:
    from .fixes import SourceFile, write_atomic
    from .noqa import add_noqa

    by_path: dict[str, list[Located]] = {}
    for item in result.items:
        by_path.setdefault(item.path, []).append(item)
    added = files = 0
    left: list[Located] = []
    for file, group in sorted(by_path.items()):
        if file == "-":
            raise AdoptionError("--add-noqa cannot write to standard input")
        try:
            source = SourceFile.read(Path(file))
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
            raise AdoptionError(f"{file}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
        outcome = add_noqa(source.text, [item.finding for item in group])
        skipped = set(outcome.skipped)
        left.extend(item for item in group if item.finding in skipped or item.finding.code == "NL001")
        if outcome.added:
            try:
                write_atomic(Path(file), source.encode(outcome.text))
            except OSError as exc:
                raise AdoptionError(f"{file}: cannot write: {exc.strerror or exc}") from None
            added += outcome.added
            files += 1
    result.messages.append(f"Added {_plural(added, 'noqa code')} in {_plural(files, 'file')}.")
    if left:
        result.messages.append(f"{_plural(len(left), 'finding')} could not be silenced (a line "
                               f"inside a multi-line string or ending with '\\', or NL001): "
                               f"they are printed above; fix them or use a baseline.")
    result.items = sorted(left)
    result.done = True
    result.exit_code = 1 if left else 0


def text_reader(stdin_name: str | None = None, stdin_text: str | None = None) -> TextOf:
    """The text of a file as its findings were computed (None when it cannot be read);
    standard input's text under its display name."""
    from .fixes import SourceFile

    cache: dict[str, str | None] = {}

    def read(path: str) -> str | None:
        if stdin_name is not None and path == stdin_name:
            return stdin_text
        if path not in cache:
            try:
                cache[path] = SourceFile.read(Path(path)).text
            except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
                cache[path] = None
        return cache[path]

    return read


def lines_reader(text_of: TextOf) -> Callable[[str], "list[str] | None"]:
    """``text_of`` as lines, for --show-source."""
    def lines(path: str) -> list[str] | None:
        text = text_of(path)
        return text.splitlines() if text is not None else None

    return lines
