"""Control-flow graph of one function body, built from libcst statements.

One node per small statement or per evaluation point of a compound statement (an
``if``/``while`` test, a ``for`` iterable, ``with`` items, an ``except`` entry), plus
``ASSUME`` nodes on the two edges out of every test so that a dataflow can refine its
state by the condition. Every node that may raise has an exceptional edge to the
innermost handler dispatch, ``finally`` copy or the function's exceptional exit; that
edge carries the state *before* the node. ``finally`` bodies are built once per way of
leaving the ``try`` (normal, return, raise, break, continue) so that paths never merge
through a ``finally``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import libcst as cst

from .module import caught_names
from .walk import collect_calls

ENTRY, EXIT, RAISE_EXIT = "entry", "exit", "raise_exit"
STMT, TEST, ASSUME, ITER, NEXT, WITH, HANDLER, RETURN, RAISE, JOIN = (
    "stmt", "test", "assume", "iter", "next", "with", "handler", "return", "raise", "join")


class Node:
    __slots__ = ("index", "kind", "cst", "expr", "polarity", "succ", "exc", "handlers",
                 "calls", "awaited", "discarded", "has_await", "withs", "tries",
                 "expects_raise")

    def __init__(self, index: int, kind: str, node: cst.CSTNode | None,
                 expr: cst.CSTNode | None, handlers: tuple, withs: tuple, tries: tuple) -> None:
        self.index = index
        self.kind = kind
        self.cst = node          # the statement (or compound statement) this node stands for
        self.expr = expr         # the expression evaluated here (ASSUME: the condition)
        self.polarity = True     # ASSUME: which way the condition went
        self.succ: list[int] = []
        self.exc: int | None = None
        self.handlers = handlers  # enclosing ``except`` clauses, innermost last
        self.withs = withs        # enclosing ``with`` statements, innermost last
        self.tries = tries        # ``try`` statements whose body holds this node, innermost last
        self.expects_raise = False  # inside ``with pytest.raises(...)``
        self.calls: list[cst.Call] = []
        self.awaited: set[int] = set()
        self.discarded: set[int] = set()
        self.has_await = False

    def expressions(self) -> list[cst.CSTNode]:
        """What this node evaluates (the test of an ``if``, not its body)."""
        if self.kind in (TEST, ITER):
            return [self.expr] if self.expr is not None else []
        if self.kind == WITH and isinstance(self.cst, cst.With):
            return [item.item for item in self.cst.items]
        if self.kind in (STMT, RETURN, RAISE) and isinstance(self.cst, cst.BaseSmallStatement):
            return [self.cst]
        return []

    @property
    def may_raise(self) -> bool:
        return bool(self.calls) or self.has_await or self.kind == RAISE

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Node {self.index} {self.kind} -> {self.succ} exc={self.exc}>"


def _collect(node: Node, root: cst.CSTNode) -> None:
    calls, awaited, discarded, has_await = collect_calls(root)
    node.calls.extend(calls)
    node.awaited |= awaited
    node.discarded |= discarded
    node.has_await = node.has_await or has_await


@dataclass
class _Loop:
    head: int
    breaks: list[int] = field(default_factory=list)


@dataclass
class _Finally:
    body: cst.BaseSuite
    outer_exc: int
    tries: tuple = ()      # the context the finally body runs in
    handlers: tuple = ()
    copies: dict[str, int] = field(default_factory=dict)


def _is_catch_all(handler: cst.ExceptHandler) -> bool:
    names = caught_names(handler)
    return names is None or "BaseException" in names


_RAISES = frozenset({"raises", "assertRaises", "assertRaisesRegex", "assertRaisesMessage"})
_SUPPRESS = frozenset({"suppress"})


def _swallowing_context(statement: cst.With) -> str | None:
    for item in statement.items:
        call = item.item
        if isinstance(call, cst.Call):
            func = call.func
            name = func.attr.value if isinstance(func, cst.Attribute) else (
                func.value if isinstance(func, cst.Name) else None)
            if name in _RAISES:
                return "raises"
            if name in _SUPPRESS:
                return "suppress"
    return None


def _always_true(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name) and test.value == "True":
        return True
    return isinstance(test, cst.Integer) and test.value not in ("0",)


class CFG:
    def __init__(self, function: cst.FunctionDef | None = None) -> None:
        self.function = function
        self.nodes: list[Node] = []
        self._handlers: tuple = ()
        self._withs: tuple = ()
        self._tries: tuple = ()
        self._expects_raise = False
        self.entry = self._new(ENTRY).index
        self.exit = self._new(EXIT).index
        self.raise_exit = self._new(RAISE_EXIT).index
        self._cur: list[int] = [self.entry]
        self._exc = self.raise_exit
        self._stack: list[_Loop | _Finally] = []

    # -- construction -------------------------------------------------------------
    @classmethod
    def of_function(cls, function: cst.FunctionDef) -> "CFG":
        graph = cls(function)
        graph._suite(function.body)
        graph._link(graph._cur, graph.exit)
        graph._cur = []
        return graph

    @classmethod
    def of_statements(cls, statements: Sequence[cst.BaseStatement]) -> "CFG":
        graph = cls(None)
        for statement in statements:
            graph._statement(statement)
        graph._link(graph._cur, graph.exit)
        graph._cur = []
        return graph

    def _new(self, kind: str, node: cst.CSTNode | None = None,
             expr: cst.CSTNode | None = None) -> Node:
        created = Node(len(self.nodes), kind, node, expr, self._handlers, self._withs, self._tries)
        created.expects_raise = self._expects_raise
        self.nodes.append(created)
        return created

    def _link(self, sources: Iterable[int], target: int) -> None:
        for source in sources:
            succ = self.nodes[source].succ
            if target not in succ:
                succ.append(target)

    def _add(self, kind: str, node: cst.CSTNode | None = None,
             expr: cst.CSTNode | None = None, collect: cst.CSTNode | None = None) -> Node:
        created = self._new(kind, node, expr)
        if collect is not None:
            _collect(created, collect)
        self._link(self._cur, created.index)
        if created.may_raise:
            created.exc = self._exc
        self._cur = [created.index]
        return created

    def _suite(self, suite: cst.BaseSuite) -> None:
        if isinstance(suite, cst.IndentedBlock):
            for statement in suite.body:
                self._statement(statement)
        else:  # SimpleStatementSuite
            for small in suite.body:
                self._small(small)

    def _statement(self, statement: cst.BaseStatement) -> None:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                self._small(small)
        elif isinstance(statement, cst.If):
            self._if(statement)
        elif isinstance(statement, cst.While):
            self._while(statement)
        elif isinstance(statement, cst.For):
            self._for(statement)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            self._try(statement)
        elif isinstance(statement, cst.With):
            self._with(statement)
        elif isinstance(statement, cst.Match):
            self._match(statement)
        else:  # nested FunctionDef / ClassDef: defining it runs nothing we track
            self._add(STMT, statement)

    def _small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Pass):
            return
        if isinstance(small, cst.Return):
            created = self._add(RETURN, small, small.value, collect=small)
            self._cur = []
            self._jump("return", [created.index])
        elif isinstance(small, cst.Raise):
            created = self._add(RAISE, small, small.exc, collect=small)
            created.exc = None
            self._link([created.index], self._exc)
            self._cur = []
        elif isinstance(small, (cst.Break, cst.Continue)):
            cur, self._cur = self._cur, []
            self._jump("break" if isinstance(small, cst.Break) else "continue", cur)
        elif isinstance(small, cst.Assert):
            self._add(STMT, small, small.test, collect=small)
            self._assume(small.test, True)
        else:
            self._add(STMT, small, collect=small)

    def _assume(self, test: cst.CSTNode, polarity: bool) -> None:
        created = self._add(ASSUME, test, test)
        created.polarity = polarity

    def _if(self, statement: cst.If) -> None:
        test = self._add(TEST, statement, statement.test, collect=statement.test)
        self._assume(statement.test, True)
        self._suite(statement.body)
        after_true = self._cur
        self._cur = [test.index]
        self._assume(statement.test, False)
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            self._if(orelse)
        elif isinstance(orelse, cst.Else):
            self._suite(orelse.body)
        self._cur = after_true + self._cur

    def _loop_body(self, head: int, body: cst.BaseSuite) -> _Loop:
        loop = _Loop(head)
        self._stack.append(loop)
        self._suite(body)
        self._link(self._cur, head)
        self._stack.pop()
        return loop

    def _while(self, statement: cst.While) -> None:
        head = self._add(JOIN, statement)
        test = self._add(TEST, statement, statement.test, collect=statement.test)
        self._assume(statement.test, True)
        loop = self._loop_body(head.index, statement.body)
        if _always_true(statement.test):
            self._cur = []
        else:
            self._cur = [test.index]
            self._assume(statement.test, False)
            if statement.orelse is not None:
                self._suite(statement.orelse.body)
        self._cur = self._cur + loop.breaks

    def _for(self, statement: cst.For) -> None:
        self._add(ITER, statement, statement.iter, collect=statement.iter)
        head = self._add(NEXT, statement, statement.target)
        if statement.asynchronous is not None:
            head.has_await = True
            head.exc = self._exc
        loop = self._loop_body(head.index, statement.body)
        self._cur = [head.index]
        if statement.orelse is not None:
            self._suite(statement.orelse.body)
        self._cur = self._cur + loop.breaks

    def _with(self, statement: cst.With) -> None:
        created = self._new(WITH, statement, statement)
        for item in statement.items:
            _collect(created, item)
        if statement.asynchronous is not None:
            created.has_await = True
        self._link(self._cur, created.index)
        if created.may_raise:
            created.exc = self._exc
        self._cur = [created.index]
        saved = self._withs
        self._withs = saved + (statement,)
        expects = _swallowing_context(statement)
        if expects is None:
            self._suite(statement.body)
        else:
            # ``with pytest.raises(...)``/``suppress(...)``: an exception in the body
            # continues after the ``with``; under ``raises`` the body never completes.
            after = self._new(JOIN, statement)
            saved_exc, self._exc = self._exc, after.index
            saved_expects = self._expects_raise
            self._expects_raise = saved_expects or expects == "raises"
            self._suite(statement.body)
            self._expects_raise = saved_expects
            self._exc = saved_exc
            self._cur = ([] if expects == "raises" else self._cur) + [after.index]
        self._withs = saved

    def _match(self, statement: cst.Match) -> None:
        subject = self._add(TEST, statement, statement.subject, collect=statement.subject)
        ends: list[int] = []
        irrefutable = False
        for case in statement.cases:
            self._cur = [subject.index]
            self._assume(case, True)
            if case.guard is not None:
                self._add(TEST, case, case.guard, collect=case.guard)
            self._suite(case.body)
            ends.extend(self._cur)
            if case.guard is None and isinstance(case.pattern, cst.MatchAs) and case.pattern.pattern is None:
                irrefutable = True
        if not irrefutable:
            ends.append(subject.index)
        self._cur = ends

    def _try(self, statement: cst.Try | cst.TryStar) -> None:
        outer_exc = self._exc
        frame: _Finally | None = None
        if statement.finalbody is not None:
            frame = _Finally(statement.finalbody.body, outer_exc, self._tries, self._handlers)
            after_handlers_exc = self._finally_entry(frame, len(self._stack), "raise")
        else:
            after_handlers_exc = outer_exc
        dispatch = self._new(JOIN, statement) if statement.handlers else None
        if frame is not None:
            self._stack.append(frame)
        self._exc = dispatch.index if dispatch is not None else after_handlers_exc
        saved_tries = self._tries
        self._tries = saved_tries + (statement,)
        self._suite(statement.body)
        self._tries = saved_tries
        self._exc = after_handlers_exc
        if statement.orelse is not None:
            self._suite(statement.orelse.body)
        ends = self._cur
        if dispatch is not None:
            catch_all = False
            for handler in statement.handlers:
                self._cur = [dispatch.index]
                saved = self._handlers
                self._handlers = saved + (handler,)
                self._add(HANDLER, handler, handler.type)
                self._suite(handler.body)
                self._handlers = saved
                ends = ends + self._cur
                catch_all = catch_all or _is_catch_all(handler)
            if not catch_all:
                self._link([dispatch.index], after_handlers_exc)
        if frame is not None:
            self._stack.pop()
        self._exc = outer_exc
        self._cur = ends
        if frame is not None:
            self._suite(statement.finalbody.body)

    # -- jumps through finally -------------------------------------------------------
    def _jump(self, kind: str, frontier: list[int]) -> None:
        for level in range(len(self._stack) - 1, -1, -1):
            frame = self._stack[level]
            if isinstance(frame, _Loop):
                if kind == "break":
                    frame.breaks.extend(frontier)
                    return
                if kind == "continue":
                    self._link(frontier, frame.head)
                    return
            else:
                self._link(frontier, self._finally_entry(frame, level, kind))
                return
        if kind == "return":
            self._link(frontier, self.exit)

    def _finally_entry(self, frame: _Finally, level: int, kind: str) -> int:
        """The entry of the copy of ``frame``'s body that is run when leaving by ``kind``."""
        if kind in frame.copies:
            return frame.copies[kind]
        saved = (self._cur, self._exc, self._stack, self._tries, self._handlers)
        self._tries, self._handlers = frame.tries, frame.handlers
        entry = self._new(JOIN)
        frame.copies[kind] = entry.index
        self._cur, self._exc, self._stack = [entry.index], frame.outer_exc, self._stack[:level]
        self._suite(frame.body)
        end = self._cur
        if kind == "raise":
            self._link(end, frame.outer_exc)
        else:
            self._cur = []
            self._jump(kind, end)
        self._cur, self._exc, self._stack, self._tries, self._handlers = saved
        return entry.index
