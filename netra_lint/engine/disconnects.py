"""Swallowed disconnects: which ``except`` clauses eat the WebSocketDisconnect of a
websocket send or receive, and whether anything then learns the socket is dead.

After a failed send Starlette sets ``application_state`` to DISCONNECTED and raises
``WebSocketDisconnect``; a handler that swallows it leaves the connection's owner to
call ``receive_text()`` next, which raises ``Need to call "accept" first``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import libcst as cst

from . import facts
from . import frameworks as fw
from .callers import Culprit, caller_verdict
from .calls import is_external
from .cfg import CFG, HANDLER, Node
from .module import FunctionInfo, call_name, caught_names
from .walk import find
from .websockets import Tracked, WebSocketAnalysis, _Event

# Exceptions whose handler can catch a WebSocketDisconnect (uvicorn's ClientDisconnected
# is an OSError; WebSocketDisconnect is an Exception).
_CATCHERS = frozenset({"WebSocketDisconnect", "Exception", "BaseException", "OSError"})
_IO = (fw.SEND, fw.RECEIVE)
_LOGGING = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                      "log", "print", "str", "repr", "format", "sleep", "isinstance", "id"})


def catches_disconnect(handler: cst.ExceptHandler) -> bool:
    names = caught_names(handler)
    return names is None or any(n in _CATCHERS for n in names)


@dataclass(frozen=True)
class Swallow:
    handler: cst.ExceptHandler
    var: str
    method: str          # the send/receive (or helper) in the try body that can raise
    goes_on: bool        # (a) the function uses the websocket again afterwards
    handed_in: bool      # (b) the websocket came from the caller
    from_receive: bool = False  # the disconnect comes from a receive (not a send)
    replies: str | None = None  # a send/close on the socket in the handler (it raises too)
    culprit: Culprit | None = None  # the caller (in any module) that drops the failure value
    value: str | None = None        # the failure value the handler returns
    framework: fw.Framework = fw.STARLETTE


class DisconnectAnalysis:
    def __init__(self, websockets: WebSocketAnalysis) -> None:
        self.ws = websockets
        self.index = websockets.index
        self._raises: dict[tuple[int, int], bool] = {}

    # -- summaries: does a helper let a disconnect of its parameter escape? ----------
    def raises_disconnect(self, info: FunctionInfo, param: int) -> bool:
        if is_external(info):
            return facts.raises_disconnect(self.index, info, param)
        key = (id(info.node), param)
        if key in self._raises:
            return self._raises[key]
        self._raises[key] = False  # recursion: assume not until shown
        from .module import parameters

        name = parameters(info.node)[param].name.value
        graph = self.ws.cfg(info)
        events = self.ws.node_events(info, [Tracked(name, fw.STARLETTE, False, frozenset(), param)])
        result = False
        for index, evs in events.items():
            node = graph.nodes[index]
            if self._innermost_catch(node) is not None:
                continue
            if any(self._may_raise(e) for e in evs):
                result = True
                break
        self._raises[key] = result
        return result

    def does_io(self, info: FunctionInfo, param: int) -> bool:
        """The helper sends or receives on its parameter (itself or through helpers);
        handing it to a callback it cannot see is not I/O."""
        if is_external(info):
            return facts.does_io(self.index, info, param)
        key = (id(info.node), param, "io")
        if key in self._raises:
            return self._raises[key]
        self._raises[key] = False
        from .module import parameters

        name = parameters(info.node)[param].name.value
        events = self.ws.node_events(info, [Tracked(name, fw.STARLETTE, False, frozenset(), param)])
        result = any(
            e.kind in _IO or (e.kind == "pass" and e.target is not None and e.param is not None
                              and self.does_io(e.target.function, e.param))
            for evs in events.values() for e in evs)
        self._raises[key] = result
        return result

    def _may_raise(self, event: _Event) -> bool:
        if event.kind in _IO:
            return True
        if event.kind == "pass" and event.target is not None and event.param is not None:
            return event.awaited and self.raises_disconnect(event.target.function, event.param)
        return False

    @staticmethod
    def _innermost_catch(node: Node) -> cst.Try | None:
        for statement in reversed(node.tries):
            if any(catches_disconnect(h) for h in statement.handlers):
                return statement
        return None

    # -- the question NL107 asks -------------------------------------------------------
    def swallows(self, info: FunctionInfo) -> list[Swallow]:
        tracked = [t for t in self.ws.tracked(info)
                   if t.framework.swallowed_disconnect and "." not in t.name]  # not self.websocket
        if not tracked:
            return []
        everything = self.ws.tracked(info)
        names = [t.name for t in everything]
        graph = self.ws.cfg(info)
        events = self.ws.node_events(info, everything)
        # (try statement, variable) -> the first operation in its body that can raise
        raising: dict[tuple[int, str], tuple[cst.Try, str]] = {}
        for index, evs in events.items():
            node = graph.nodes[index]
            statement = self._innermost_catch(node)
            if statement is None:
                continue
            for event in evs:
                var = names[event.var]
                if var in {t.name for t in tracked} and self._may_raise(event):
                    raising.setdefault((id(statement), var), (statement, _describe(event),
                                                              event.kind == fw.RECEIVE))
        found = []
        for (_, var), (statement, method, from_receive) in raising.items():
            handler = next(h for h in statement.handlers if catches_disconnect(h))
            checker = self._effects(handler, var, info)
            if checker.handled:
                continue
            var_info = next(t for t in tracked if t.name == var)
            goes_on = self._used_after(graph, events, names.index(var), handler)
            handed_in = var_info.param_index is not None and not var_info.owner
            if var_info.framework.swallowed_disconnect == "receive" and not (
                    goes_on and from_receive and not method.startswith("iter_")):
                # Litestar: only a receive that swallowed it and receives again spins; its
                # iter_* end quietly, and an owner's next receive raises the disconnect
                continue
            culprit = None
            if handed_in and not goes_on:
                if self._owns_receive_loop(info, var):
                    continue  # it runs the connection's own loop, which the disconnect ended
                acts, culprit = self._callers_verdict(info, handler)
                if acts:
                    continue
            if goes_on or handed_in:
                found.append(Swallow(handler, var, method, goes_on, handed_in, from_receive,
                                     checker.replies, culprit, _returned_text(handler),
                                     var_info.framework))
        return found

    def _callers_verdict(self, info: FunctionInfo, handler: cst.ExceptHandler):
        """(every caller acts on the failure value, the caller that drops it if known).
        Project mode follows the value up every caller chain across modules; alone, only
        this module's call sites are seen."""
        if not _HandlerEffects.returns_value(handler):
            return False, None  # nothing tells the caller: it cannot act
        verdict = caller_verdict(self.index, info)
        if verdict is not None:
            return verdict
        return self._callers_act(info, handler), None

    def _handled(self, handler: cst.ExceptHandler, var: str, info: FunctionInfo | None = None) -> bool:
        """The handler re-raises, leaves the loop, or closes/releases the connection
        without another send. A send or close on the socket itself is not handling it:
        that call raises too (NL106); nor is a helper that sends or closes on it."""
        return self._effects(handler, var, info).handled

    def _effects(self, handler: cst.ExceptHandler, var: str, info: FunctionInfo | None) -> "_HandlerEffects":
        checker = _HandlerEffects(var, None if info is None else self._sends_on_gone(info))
        handler.body.visit(checker)
        return checker

    def _sends_on_gone(self, info: FunctionInfo):
        """``call -> bool``: the helper called sends or closes on its websocket argument
        when the client is gone (answered by the helper's summary)."""
        from .websockets import GONE_RECEIVED, gone_effects

        types = self.ws.types(info)
        effects = gone_effects(self.ws)

        def sends(call: cst.Call, position: int | None, keyword: str | None) -> bool:
            target = types.resolve(call)
            if target is None:
                return False  # not visible here: releasing, benefit of the doubt
            from .calls import bind_argument

            param = bind_argument(target, call, position, keyword)
            if param is None:
                return False
            misuse, _ = effects.after_gone(target.function, param, GONE_RECEIVED)
            return misuse is not None
        return sends

    @staticmethod
    def _owns_receive_loop(info: FunctionInfo, var: str) -> bool:
        """The function runs the connection's receive loop, so returning ends it."""
        finder = _ReceiveLoop(var)
        info.node.body.visit(finder)
        return finder.found

    def _used_after(self, graph: CFG, events: dict[int, list[_Event]], var: int,
                    handler: cst.ExceptHandler) -> bool:
        start = next((n.index for n in graph.nodes
                      if n.kind == HANDLER and n.cst is handler), None)
        if start is None:
            return False
        seen = {start}
        queue = deque([start])
        while queue:
            index = queue.popleft()
            node = graph.nodes[index]
            if handler not in node.handlers:
                for event in events.get(index, ()):
                    if event.var == var and (event.kind in _IO or (
                            event.kind == "pass" and event.target is not None
                            and event.param is not None
                            and self.does_io(event.target.function, event.param))):
                        return True
            for target in node.succ:
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        return False

    def _callers_act(self, info: FunctionInfo, handler: cst.ExceptHandler) -> bool:
        """Every call of this helper in the module tests its result and leaves on failure."""
        returns_value = _HandlerEffects.returns_value(handler)
        if not returns_value:
            return False
        finder = _CallSites(info.name)
        for node in self.index.all_nodes:  # pre-order: a test is seen before its calls
            visit = getattr(finder, f"visit_{type(node).__name__}", None)
            if visit is not None:
                visit(node)
        return bool(finder.sites) and all(finder.sites)


def _returned_text(handler: cst.ExceptHandler) -> str | None:
    for node in find(handler.body, cst.Return, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        if node.value is not None:
            return cst.Module([]).code_for_node(node.value)
    return None


def _describe(event: _Event) -> str:
    return f"{event.method}()"


class _HandlerEffects(cst.CSTVisitor):
    def __init__(self, var: str, sends=None) -> None:
        self.var = var
        self.sends = sends
        self.handled = False
        self.replies: str | None = None
        self._conditional = 0  # inside an ``if``/``try`` of the handler: may not run or raise

    def visit_If(self, node: cst.If) -> None:
        self._conditional += 1

    def leave_If(self, original_node: cst.If) -> None:
        self._conditional -= 1

    def visit_Try(self, node: cst.Try) -> None:
        self._conditional += 1

    def leave_Try(self, original_node: cst.Try) -> None:
        self._conditional -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Raise(self, node: cst.Raise) -> None:
        self.handled = True

    def visit_Break(self, node: cst.Break) -> None:
        self.handled = True

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == self.var:
            if (self.replies is None and not self._conditional
                    and func.attr.value.startswith(("send", "close"))):
                self.replies = f"{self.var}.{func.attr.value}()"
            return  # a send or close on the dead socket: it raises too (NL106), not handling
        if call_name(node) in _LOGGING:
            return
        position = 0
        for arg in node.args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            if isinstance(arg.value, cst.Name) and arg.value.value == self.var:
                if self.sends is None or not self.sends(node, None if keyword else position, keyword):
                    self.handled = True  # released, unregistered or collected as dead
            if keyword is None:
                position += 1

    @staticmethod
    def returns_value(handler: cst.ExceptHandler) -> bool:
        finder = _Returns()
        handler.body.visit(finder)
        return finder.with_value



class _Returns(cst.CSTVisitor):
    def __init__(self) -> None:
        self.with_value = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        # ``return None`` written out is a failure value too (SPEC: False, None, a status);
        # a bare ``return`` is not
        if node.value is not None:
            self.with_value = True


class _CallSites:
    """For each call of ``name``: does the caller test the result and leave on failure?"""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sites: list[bool] = []
        self._counted: set[int] = set()

    def _record(self, expr: cst.CSTNode | None, acts: bool) -> None:
        if expr is None:
            return
        counter = _CountCalls(self.name)
        counter.scan(expr)
        for call in counter.calls:
            if id(call) not in self._counted:
                self._counted.add(id(call))
                self.sites.append(acts)

    def visit_If(self, node: cst.If) -> None:
        acts = _leaves(node.body) or (node.orelse is not None and _leaves(node.orelse))
        self._record(node.test, acts)

    def visit_While(self, node: cst.While) -> None:
        self._record(node.test, True)  # the loop stops when the result says so

    def visit_Assign(self, node: cst.Assign) -> None:
        self._record(node.value, True)  # kept for later: benefit of the doubt

    def visit_Return(self, node: cst.Return) -> None:
        self._record(node.value, True)  # handed on to the caller's caller

    def visit_Call(self, node: cst.Call) -> None:
        if call_name(node) == self.name and id(node) not in self._counted:
            self._counted.add(id(node))
            self.sites.append(False)


class _CountCalls:
    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[cst.Call] = []

    def scan(self, root: cst.CSTNode) -> None:
        self.calls = [c for c in find(root, cst.Call, ()) if call_name(c) == self.name]


class _ReceiveLoop(cst.CSTVisitor):
    """Does the function run the connection's own loop: a ``while`` loop that sends or
    receives on the websocket, or a ``for`` over its ``iter_*``? (A ``for`` over agent
    reply chunks that sends each one is per message, not the connection's loop.)"""

    def __init__(self, var: str) -> None:
        self.var = var
        self.depth = 0
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_While(self, node: cst.While) -> None:
        self.depth += 1

    def leave_While(self, original_node: cst.While) -> None:
        self.depth -= 1

    def visit_For(self, node: cst.For) -> None:
        if isinstance(node.iter, cst.Call) and self._on_socket(node.iter, ("iter_",)):
            self.found = True

    def visit_Call(self, node: cst.Call) -> None:
        if self.depth > 0 and self._on_socket(node, ("receive", "iter_", "send")):
            self.found = True

    def _on_socket(self, node: cst.Call, prefixes: tuple[str, ...]) -> bool:
        func = node.func
        return (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                and func.value.value == self.var and func.attr.value.startswith(prefixes))


def _leaves(suite: cst.CSTNode) -> bool:
    finder = _Leaves()
    suite.visit(finder)
    return finder.leaves


class _Leaves(cst.CSTVisitor):
    def __init__(self) -> None:
        self.leaves = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        self.leaves = True

    def visit_Break(self, node: cst.Break) -> None:
        self.leaves = True

    def visit_Raise(self, node: cst.Raise) -> None:
        self.leaves = True

    def visit_Call(self, node: cst.Call) -> None:
        if call_name(node) in ("close", "disconnect"):
            self.leaves = True
