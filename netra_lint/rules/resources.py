"""NL201-NL203: per-connection resources that are not released on every exit path."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..engine.resources import NAMED, STORE, SUBSCRIBE, TASK, Leak, ResourceAnalysis, growing_registries
from ..finding import Finding
from .base import Context


def _handler_text(handler: cst.ExceptHandler | None) -> str:
    if handler is None or handler.type is None:
        return "except:"
    return f"except {cst.Module([]).code_for_node(handler.type)}"


def _what(leak: Leak, function: str) -> str:
    local = leak.acquire
    effect = local.effect
    if effect.how == NAMED:
        return f"{local.via or effect.what.split('(')[0]}() acquires a per-connection resource (by its name)"
    text = f"{local.via}() {effect.what}" if local.via else f"{function}() {effect.what}"
    if leak.unreachable:
        text += " under a key made for this call (no caller can release it)"
    return text


def _release(leak: Leak) -> str:
    effect = leak.acquire.effect
    if effect.how == STORE:
        return f"remove it from '{effect.container}'"
    if effect.how == TASK:
        return "cancel the task"
    if effect.container == "channels group":
        return "call group_discard() for it"
    if effect.container == "listener":
        return "call remove_listener() for it"
    if effect.how == SUBSCRIBE:
        return "unsubscribe"
    return "call " + " or ".join(f"'{p}'" for p in effect.releases[:2])


def check(ctx: Context) -> Iterator[Finding]:
    analysis = ResourceAnalysis(ctx.websockets, ctx.settings)
    for info in ctx.index.all_functions:
        seen: set[int] = set()
        for leak in analysis.leaks(info):
            if id(leak.acquire.anchor) in seen:
                continue  # one report per acquiring call
            seen.add(id(leak.acquire.anchor))
            what = _what(leak, info.name)
            if leak.kind == "except-only":
                message = (f"{what}; it is released only under '{_handler_text(leak.handler)}': "
                           f"any other exception leaks it; release it in 'finally'")
                code = "NL202"
            elif leak.kind == "skipped":
                how = (f"'{_handler_text(leak.swallow)}' takes the disconnect and the function "
                       f"returns normally" if leak.swallow is not None else
                       "the function also returns normally (a loop that ends quietly)")
                message = (f"{what}; it is released only under '{_handler_text(leak.handler)}', "
                           f"which a handled disconnect never reaches: {how} and leaks it; "
                           f"release it in 'finally'")
                code = "NL202"
            elif leak.teardown:
                message = (f"{what}, and {leak.teardown}() does not undo it when the connection "
                           f"ends; {_release(leak)} in {leak.teardown}()")
                code = "NL201"
            elif leak.partial:
                message = (f"{what}; it is released on some exits only (an exception or an early "
                           f"return skips the release); {_release(leak)} in 'finally' or use 'async with'")
                code = "NL201"
            else:
                message = (f"{what}; nothing releases it on any exit of {info.name}(); "
                           f"{_release(leak)} in 'finally' or use 'async with'")
                code = "NL201"
            yield ctx.finding(code, leak.acquire.anchor, message)
    for registry in growing_registries(analysis):
        for local, info in registry.adds:
            sweeper = " (only a periodic sweeper removes from it)" if registry.swept else ""
            yield ctx.finding(
                "NL203", local.anchor,
                f"'{registry.name}' only grows: {info.name}() {local.effect.what} per connection "
                f"and nothing removes that entry when the connection ends{sweeper}; remove it "
                f"on disconnect (in 'finally') or bound the container")
