"""NL201-NL203: per-connection resources that are not released on every exit path."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..engine.resources import ResourceAnalysis, growing_registries
from ..finding import Finding
from .base import Context


def _handler_text(handler: cst.ExceptHandler | None) -> str:
    if handler is None or handler.type is None:
        return "except:"
    return f"except {cst.Module([]).code_for_node(handler.type)}"


def check(ctx: Context) -> Iterator[Finding]:
    analysis = ResourceAnalysis(ctx.websockets, ctx.settings)
    for info in ctx.index.all_functions:
        for leak in analysis.leaks(info):
            acq = leak.acquire
            what = f"{acq.via}()" if acq.via else f"{acq.name}()"
            release = " or ".join(f"'{p}'" for p in acq.releases[:3])
            if leak.kind == "except-only":
                message = (f"{what} acquires a per-connection resource that is released only under "
                           f"'{_handler_text(leak.handler)}': any other exception leaks it; "
                           f"release it in 'finally'")
            else:
                message = (f"{what} acquires a per-connection resource whose release ({release}) "
                           f"is not guaranteed on every exit path; use try/finally or 'async with'")
            yield ctx.finding("NL202" if leak.kind == "except-only" else "NL201", acq.call, message)
    for registry in growing_registries(ctx.index, ctx.websockets, analysis):
        where = "module" if registry.scope == "<module>" else f"class {registry.scope}"
        for add in registry.adds:
            yield ctx.finding(
                "NL203", add,
                f"'{registry.name}' only grows: connections are added to it and nothing in the "
                f"{where} ever removes them; remove on disconnect (in 'finally') or bound it")
