"""The CFG and the dataflow solver, checked through a tiny "which calls ran" analysis.

``must`` at a point is the set of marker calls that ran on every path to it, ``may`` the
set that ran on some path; both are read at the normal exit and the exceptional exit.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from netra_lint.engine.cfg import CFG
from netra_lint.engine.flow import Dataflow


class _Ran(Dataflow[tuple]):
    def join(self, left, right):
        return (left[0] & right[0], left[1] | right[1])

    def transfer(self, node, state, report):
        names = {c.func.value for c in node.calls if isinstance(c.func, cst.Name)}
        return (state[0] | names, state[1] | names)


def _exits(source: str):
    function = cst.parse_module(textwrap.dedent(source)).body[0]
    graph = CFG.of_function(function)
    states = _Ran().solve(graph, (frozenset(), frozenset()))
    return states[graph.exit], states[graph.raise_exit]


def test_straight_line_and_branches():
    normal, _ = _exits("""
        def f(c):
            a()
            if c:
                b()
            else:
                c2()
            d()
    """)
    must, may = normal
    assert must == {"a", "d"} and may == {"a", "b", "c2", "d"}


def test_return_runs_finally_and_skips_the_rest():
    normal, _ = _exits("""
        def f(c):
            try:
                if c:
                    return r()
                a()
            finally:
                fin()
            after()
    """)
    must, may = normal
    assert "fin" in must and "after" in may and "after" not in must


def test_exception_goes_through_handler_or_finally():
    _, raised = _exits("""
        def f():
            try:
                a()
            except ValueError:
                h()
            finally:
                fin()
    """)
    must, may = raised
    # an exceptional edge carries the state before the call that raised (so a raising
    # fin() reaches the exit without "fin"; a() ran only if fin() raised after it)
    assert {"fin", "h", "a"} <= may and must == set()


def test_catch_all_handler_stops_propagation():
    _, raised = _exits("""
        def f():
            try:
                a()
            except BaseException:
                pass
    """)
    assert raised is None


def test_break_and_continue_through_finally():
    normal, _ = _exits("""
        def f(items):
            for x in items:
                try:
                    if x:
                        break
                    continue
                finally:
                    fin()
            else:
                never_after_break()
            done()
    """)
    must, may = normal
    assert "done" in must and "never_after_break" in may


def test_while_true_exits_only_by_break():
    normal, _ = _exits("""
        def f():
            while True:
                a()
                if cond():
                    break
            b()
    """)
    must, _ = normal
    assert {"a", "cond", "b"} <= must


def test_while_else_runs_when_the_test_fails():
    normal, _ = _exits("""
        def f():
            while cond():
                a()
            else:
                e()
    """)
    must, may = normal
    assert must == {"cond", "e"} and "a" in may


def test_match_with_wildcard_has_no_fallthrough():
    normal, _ = _exits("""
        def f(x):
            match x:
                case 1:
                    a()
                case _:
                    b()
    """)
    must, may = normal
    assert must == set() and may == {"a", "b"}


def test_with_pytest_raises_continues_after_the_exception():
    normal, raised = _exits("""
        def f():
            with pytest.raises(ValueError):
                a()
                never()
            b()
    """)
    must, _ = normal
    assert "b" in must and "never" not in must


@pytest.mark.parametrize("count", [2000])
def test_many_sequential_statements_stay_linear(count):
    body = "\n".join(f"    if c{i}():\n        a{i}()\n    try:\n        t{i}()\n    except E:\n        pass"
                     for i in range(count))
    function = cst.parse_module(f"def f():\n{body}\n").body[0]
    graph = CFG.of_function(function)
    visits = 0

    class Counting(Dataflow[int]):
        def join(self, left, right):
            return max(left, right)

        def transfer(self, node, state, report):
            nonlocal visits
            visits += 1
            return state

    Counting().solve(graph, 0)
    # each node is visited a bounded number of times: no blow-up on long functions
    assert visits <= 3 * len(graph.nodes)
