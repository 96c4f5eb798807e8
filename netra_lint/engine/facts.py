"""The questions the rules ask about a callee in another module of the project, answered
from that module's facts (engine/project.py): computed by analysing the callee's module
with the same engine, kept as plain data, reused while the modules they came from are
unchanged. A callee reached by method name alone (``handler.handle_message(...)`` over a
registry of handler objects) is answered only when every candidate agrees."""

from __future__ import annotations

from typing import Any, Callable

from . import frameworks as fw
from .project import ExternalFunction

_ATOMS = ("new", "accepted", "closed")


def _candidates(function: ExternalFunction) -> tuple[ExternalFunction, ...]:
    return function.alternatives or (function,)


def _agreed(index, function: ExternalFunction, key: str, compute: Callable[[Any, Any], Any]) -> Any:
    """The fact ``key`` of every candidate, when they all agree; None otherwise."""
    project = index.project
    values = []
    for candidate in _candidates(function):
        def run(candidate=candidate):
            analysis = project.load(candidate.module)
            info = project.function_info(candidate)
            if analysis is None or info is None:
                return None
            return compute(analysis, info)

        values.append(project.fact(index.module_name, candidate.module,
                                   f"{key}:{candidate.qualname}", run))
    first = values[0]
    return first if all(v == first for v in values[1:]) else None


def ws_summary(index, function: ExternalFunction, param: int):
    from .websockets import OPAQUE

    data = _agreed(index, function, f"ws{param}",
                   lambda analysis, info: _summary_to_json(analysis.summary(info, param)))
    summary = _summary_from_json(data) if data is not None else None
    return summary if summary is not None else OPAQUE


def raises_disconnect(index, function: ExternalFunction, param: int) -> bool:
    return _agreed(index, function, f"raises{param}",
                   lambda analysis, info: _disconnects(analysis).raises_disconnect(info, param)) is True


def does_io(index, function: ExternalFunction, param: int) -> bool:
    return _agreed(index, function, f"io{param}",
                   lambda analysis, info: _disconnects(analysis).does_io(info, param)) is True


def after_gone(index, function: ExternalFunction, param: int, atom: str):
    """NL106 through a helper of another module: (its first send/close on the gone
    socket, the atoms it leaves)."""
    from .websockets import UNKNOWN, Misuse, gone_effects

    def compute(analysis, info):
        misuse, exits = gone_effects(analysis).after_gone(info, param, atom)
        return {"misuse": [misuse.check, misuse.method] if misuse is not None else None,
                "exits": sorted(exits)}

    data = _agreed(index, function, f"gone{param}-{atom}", compute)
    try:
        misuse = data["misuse"]
        return (Misuse(str(misuse[0]), None, "", str(misuse[1]), fw.STARLETTE) if misuse else None,
                frozenset(str(a) for a in data["exits"]))
    except (KeyError, TypeError, IndexError):
        return None, frozenset({UNKNOWN})


def resource_effects(index, function: ExternalFunction):
    """NL201-NL203 through a function of another module: what it acquires and releases
    (engine/resources.py's summary, as plain data)."""
    from .resources import ResourceEffects

    def compute(analysis, info):
        found = getattr(analysis, "_resource_analysis", None)
        if found is None:
            from .resources import ResourceAnalysis

            found = analysis._resource_analysis = ResourceAnalysis(analysis, analysis.settings)
        return found.summary(info, function.is_method).to_json()

    data = _agreed(index, function, "res", compute)
    try:
        return ResourceEffects.from_json(data) if data is not None else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _disconnects(analysis):
    found = getattr(analysis, "_disconnect_analysis", None)
    if found is None:
        from .disconnects import DisconnectAnalysis

        found = analysis._disconnect_analysis = DisconnectAnalysis(analysis)
    return found


# -- plain data ------------------------------------------------------------------------------

def _summary_to_json(summary) -> dict[str, Any]:
    def atoms(table):
        return {a: sorted(v) for a, v in table.items()}

    return {"exits": atoms(summary.exits), "true": atoms(summary.exits_true),
            "false": atoms(summary.exits_false), "uses": bool(summary.uses),
            "misuses": {a: [[m.check, m.method] for m in ms] for a, ms in summary.misuses.items()}}


def _summary_from_json(data: Any):
    from .websockets import Misuse, Summary

    try:
        def atoms(table):
            return {a: frozenset(str(x) for x in table[a]) for a in _ATOMS if a in table}

        misuses = {a: tuple(Misuse(str(check), None, "", str(method), fw.STARLETTE)
                            for check, method in data["misuses"].get(a, ()))
                   for a in _ATOMS}
        return Summary(atoms(data["exits"]), misuses, bool(data["uses"]),
                       atoms(data["true"]), atoms(data["false"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # a damaged entry: treat the callee as unknown
