"""Who calls a function, and what they do with the value it returns (NL107's question).

A message handler that swallows the disconnect and ``return False`` is harmless only if
every caller chain acts on that value (leaves the loop, returns, closes, raises). A
caller that passes the value on (``return await handler.handle_message(...)``) is
followed to its own callers, across the project's modules; a caller that drops the value
or only logs it and then receives again is the incident.

Call sites are plain data (one dict per call), computed per module and per called name,
and kept with the module's facts (engine/project.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import libcst as cst

from .calls import is_external
from .module import FunctionInfo, call_name, dotted
from .walk import NESTED_SCOPES, find

ACTS, DROPS, RETURNS = "acts", "drops", "returns"
_LOGGING = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                      "log", "print"})
_MAX_CHAIN = 6


@dataclass(frozen=True)
class Culprit:
    """A caller that drops the failure value: where it is and whether it then goes on."""

    where: str        # "routes/websocket.py:929"
    goes_on: bool


def call_sites(analysis, name: str) -> list[dict[str, Any]]:
    """Every call of ``name`` in one module: where, what it resolves to, what the caller
    does with the result, and whether the caller goes on using a websocket (a loop that
    receives)."""
    from .positions import Locator

    index = analysis.index
    module = index.module_name or ""
    found: list[tuple[cst.Call, dict[str, Any]]] = []
    for info in index.all_functions:
        for call, usage, goes_on in _classified(info, name):
            target = analysis.types(info).resolve_any(call)
            where = None
            if target is not None:
                function = target.function
                if is_external(function):
                    where = None if function.alternatives else function.where
                else:
                    where = f"{module}.{function.qualname}"
            found.append((call, {"target": where, "usage": usage, "goes_on": goes_on,
                                 "method": isinstance(call.func, cst.Attribute),
                                 "enclosing": info.qualname if info.cls or index.functions.get(
                                     info.name) is info else None}))
    if not found:
        return []
    positions = Locator(index.module).positions(call for call, _ in found)
    return [{**site, "line": positions.get(id(call), (1, 0))[0]} for call, site in found]


def _classified(info: FunctionInfo, name: str) -> Iterator[tuple[cst.Call, str, bool]]:
    body = info.node.body
    if not any(call_name(c) == name for c in find(body, cst.Call, NESTED_SCOPES)):
        return
    assigned: dict[str, list[cst.Call]] = {}
    for statement, loops in _statements(body, ()):
        goes_on = any(_receives(loop) for loop in loops)
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                for call in _calls_named(small, name):
                    usage = _small_usage(small, call, assigned)
                    if usage is not None:
                        yield call, usage, goes_on
        elif isinstance(statement, (cst.If, cst.While)):
            for call in _calls_named(statement.test, name):
                acts = isinstance(statement, cst.While) or _leaves(statement.body) or (
                    statement.orelse is not None and _leaves(statement.orelse))
                yield call, ACTS if acts else DROPS, goes_on
        else:
            header = getattr(statement, "iter", None) or getattr(statement, "items", None)
            if header is not None:
                nodes = header if isinstance(header, (list, tuple)) else [header]
                for node in nodes:
                    for call in _calls_named(node, name):
                        yield call, ACTS, goes_on
    # ``ok = await f(...)``: acted on when a test of ``ok`` leaves, handed on when returned
    for variable, calls in assigned.items():
        usage = _variable_usage(body, variable)
        for call in calls:
            goes_on = _in_receiving_loop(body, call)
            yield call, usage, goes_on


def _small_usage(small: cst.CSTNode, call: cst.Call, assigned: dict[str, list[cst.Call]]) -> str | None:
    if isinstance(small, cst.Expr):
        value = small.value.expression if isinstance(small.value, cst.Await) else small.value
        if value is call:
            return DROPS
        if isinstance(value, cst.Call) and call_name(value) in _LOGGING:
            return DROPS  # only logged
        return ACTS
    if isinstance(small, cst.Return):
        return RETURNS
    if isinstance(small, (cst.Assign, cst.AnnAssign)):
        value = small.value
        if isinstance(value, cst.Await):
            value = value.expression
        targets = ([t.target for t in small.targets] if isinstance(small, cst.Assign)
                   else [small.target])
        if value is call and len(targets) == 1 and isinstance(targets[0], cst.Name):
            assigned.setdefault(targets[0].value, []).append(call)
            return None  # decided by what the function does with the variable
        return ACTS
    return ACTS


def _variable_usage(body: cst.BaseSuite, variable: str) -> str:
    returned = False
    passed_on = False
    for statement, _ in _statements(body, ()):
        if isinstance(statement, (cst.If, cst.While)) and _mentions(statement.test, variable):
            if isinstance(statement, cst.While) or _leaves(statement.body) or (
                    statement.orelse is not None and _leaves(statement.orelse)):
                return ACTS
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Return) and _mentions(small.value, variable):
                    returned = True
                elif isinstance(small, (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign)):
                    for call in find(small, cst.Call, NESTED_SCOPES):
                        if call_name(call) not in _LOGGING and any(
                                _mentions(arg.value, variable) for arg in call.args):
                            passed_on = True
                    if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None \
                            and not isinstance(small.value, cst.Call) and _mentions(small.value, variable):
                        passed_on = True
    if returned:
        return RETURNS
    return ACTS if passed_on else DROPS


def _mentions(expr: cst.CSTNode | None, variable: str) -> bool:
    if expr is None:
        return False
    if isinstance(expr, cst.Name):
        return expr.value == variable
    return any(n.value == variable for n in find(expr, cst.Name, NESTED_SCOPES))


def _calls_named(node: cst.CSTNode | None, name: str) -> list[cst.Call]:
    if node is None:
        return []
    calls = find(node, cst.Call, NESTED_SCOPES)
    if isinstance(node, cst.Call):
        calls = [node, *calls]
    return [c for c in calls if call_name(c) == name]


def _statements(suite: cst.BaseSuite, loops: tuple) -> Iterator[tuple[cst.CSTNode, tuple]]:
    """Every statement with the loops around it, not entering nested defs or classes."""
    body = suite.body if isinstance(suite, cst.IndentedBlock) else []
    for statement in body:
        yield statement, loops
        if isinstance(statement, NESTED_SCOPES):
            continue
        inner = loops + (statement,) if isinstance(statement, (cst.While, cst.For)) else loops
        for part in _suites(statement):
            yield from _statements(part, inner)


def _suites(statement: cst.CSTNode) -> Iterator[cst.BaseSuite]:
    for attr in ("body", "orelse", "finalbody"):
        part = getattr(statement, attr, None)
        if isinstance(part, cst.BaseSuite):
            yield part
        elif isinstance(part, (cst.Else, cst.Finally)):
            yield part.body
        elif isinstance(part, cst.If):
            yield cst.IndentedBlock(body=[part])
    for handler in getattr(statement, "handlers", ()) or ():
        yield handler.body
    for case in getattr(statement, "cases", ()) or ():
        yield case.body


def _receives(loop: cst.CSTNode) -> bool:
    """The loop receives from a connection (``receive_*``, ``iter_*``, ``async for``)."""
    if isinstance(loop, cst.For) and loop.asynchronous is not None:
        return True
    for call in find(loop, cst.Call, NESTED_SCOPES):
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value.startswith(("receive", "iter_")):
            return True
    return False


def _in_receiving_loop(body: cst.BaseSuite, call: cst.Call) -> bool:
    for statement, loops in _statements(body, ()):
        if any(c is call for c in find(statement, cst.Call, NESTED_SCOPES)) or (
                isinstance(statement, cst.SimpleStatementLine) and any(
                    c is call for small in statement.body for c in find(small, cst.Call, NESTED_SCOPES))):
            if any(_receives(loop) for loop in loops):
                return True
    return False


def _leaves(suite: cst.CSTNode) -> bool:
    for node in find(suite, (cst.Return, cst.Break, cst.Raise, cst.Call), NESTED_SCOPES):
        if not isinstance(node, cst.Call) or call_name(node) in ("close", "disconnect"):
            return True
    return False


# -- the verdict -------------------------------------------------------------------------------

def caller_verdict(index, info: FunctionInfo) -> tuple[bool, Culprit | None] | None:
    """Whether every caller chain in the project acts on what ``info`` returns.

    ``(True, None)``: all act (or hand it on to callers that do); ``(False, culprit)``:
    a caller drops it; None: no caller found anywhere (the single-module answer stands)."""
    project = index.project
    module = index.module_name
    if project is None or module is None:
        return None
    try:
        return _verdict(project, module, info, index)
    except (OSError, RecursionError, ValueError, KeyError, TypeError, AttributeError):
        return None  # the single-module answer stands


def _verdict(project, module: str, info: FunctionInfo, index) -> tuple[bool, Culprit | None] | None:
    sites = _sites_of(project, module, module, info.qualname, info.name, index)
    if not sites:
        return None
    culprit = _first_culprit(project, module, sites, {f"{module}.{info.qualname}"}, 0, index)
    return (culprit is None, culprit)


def _sites_of(project, asker: str, module: str, qualname: str, name: str, index) -> list[tuple[str, dict]]:
    where = f"{module}.{qualname}"
    is_method = "." in qualname
    project.depend_on_everything(asker)  # a caller may appear in any module
    out = []
    for other in project.modules_mentioning(name):
        def compute(other=other):
            analysis = project.load(other)
            return call_sites(analysis, name) if analysis is not None else []

        sites = project.fact(asker, other, f"calls:{name}", compute) or []
        for site in sites:
            if isinstance(site, dict) and site.get("target") in (None, where):
                if site.get("target") is None and not (is_method and site.get("method")):
                    continue  # a plain call the module could not resolve is not to this function
                if site.get("target") is None and other != module and (
                        project.family(other) != project.family(module)
                        or _local_clash(project, other, name)):
                    continue  # a call by name alone, in another package or to its own function
                out.append((other, site))
    return out


def _local_clash(project, module: str, name: str) -> bool:
    interface = project.interface(module)
    return interface is not None and name in interface.functions


def _first_culprit(project, asker: str, sites: list[tuple[str, dict]], seen: set[str],
                   depth: int, index) -> Culprit | None:
    dropped: list[Culprit] = []
    for module, site in sites:
        usage = site.get("usage")
        if usage == DROPS:
            dropped.append(Culprit(f"{project.relative(module)}:{site.get('line')}",
                                   bool(site.get("goes_on"))))
        elif usage == RETURNS and depth < _MAX_CHAIN:
            enclosing = site.get("enclosing")
            if not isinstance(enclosing, str) or f"{module}.{enclosing}" in seen:
                continue
            seen.add(f"{module}.{enclosing}")
            callers = _sites_of(project, asker, module, enclosing, enclosing.rsplit(".", 1)[-1], index)
            found = _first_culprit(project, asker, callers, seen, depth + 1, index)
            if found is not None:
                dropped.append(found)
    if not dropped:
        return None
    return next((c for c in dropped if c.goes_on), dropped[0])
