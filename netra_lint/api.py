"""The one entry point every front end calls: source text in, findings out."""

from __future__ import annotations

from typing import Iterable

import libcst as cst

from .engine.source import AnalysisError, parse
from .finding import Finding
from .screen import families_for
from .rules import accept, disconnect, handshake, ids, init_order, resources
from .rules.base import Context, Family
from .settings import Settings

# One entry per rule family (the family names match codes.Rule.family and the text
# screen in engine/source.py). Add a family with one line here and one import above.
FAMILIES: dict[str, Family] = {
    "accept": accept.check,
    "ids": ids.check,
    "handshake": handshake.check,
    "init": init_order.check,
    "disconnect": disconnect.check,
    "resources": resources.check,
}


def _families_wanted(select: Iterable[str] | None) -> frozenset[str]:
    if select is None:
        return frozenset(FAMILIES)
    from .codes import RULES

    chosen = set()
    for code, rule in RULES.items():
        if any(code.startswith(prefix) for prefix in select):
            chosen.add(rule.family)
    return frozenset(f for f in chosen if f in FAMILIES)


def _project_of(filename: str, settings: Settings):
    """The project a file belongs to (project mode), or None: a file given as text only,
    ``--no-project``, or a file outside any project."""
    if not settings.project or not filename or filename.startswith("<"):
        return None
    from .engine.project import project_for

    try:
        project = project_for(filename, settings)
    except (OSError, RecursionError, ValueError):
        return None  # an unreadable tree: the file is analysed alone
    if project is None or project.module_name(filename) is None:
        return None
    return project


def check_source(text: str, filename: str = "<string>", settings: Settings | None = None,
                 select: Iterable[str] | None = None, python_checked: bool = False) -> list[Finding]:
    """Analyse one file's text. Never raises: failures become one NL001 finding."""
    return analyse_source(text, filename, settings, select, python_checked)[1]


def analyse_source(text: str, filename: str = "<string>", settings: Settings | None = None,
                   select: Iterable[str] | None = None, python_checked: bool = False,
                   ) -> tuple[cst.Module | None, list[Finding]]:
    """``check_source``, plus the parsed module that the findings' fixes (libcst node
    pairs) belong to, for ``netra-lint fix``; None when nothing was parsed."""
    settings = settings or Settings()
    families = families_for(text, settings, _families_wanted(select))
    if not families:
        return None, []
    try:
        module = parse(text, python_checked)
        project = _project_of(filename, settings)
        if project is not None:
            project.set_text(project.module_name(filename), text)
            project.begin(project.module_name(filename))
        ctx = Context(module, filename, settings, project)
        pending = []
        for family in sorted(families):
            pending.extend(FAMILIES[family](ctx))
        findings = ctx.resolve(pending)
        if project is not None:
            project.finish(project.module_name(filename))
    except AnalysisError as exc:
        return None, [Finding(exc.line, exc.col, "NL001", f"netra-lint could not analyse this file: {exc}")]
    except RecursionError:
        return None, [Finding(1, 0, "NL001",
                              "netra-lint could not analyse this file: it is nested too deeply")]
    except Exception as exc:  # never crash the host (flake8, an editor): say what happened
        detail = str(exc).splitlines()[0] if str(exc) else ""
        return None, [Finding(1, 0, "NL001",
                              f"netra-lint internal error ({type(exc).__name__}: {detail}); "
                              f"please report it with this file")]
    return module, sorted(set(findings))
