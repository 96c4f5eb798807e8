"""A forward dataflow over a CFG: states, transfer, join, fixed point, replay.

States are immutable values; ``None`` means "this point is not reached". The solver
visits nodes in reverse post-order from a priority queue, so straight-line code is
visited once and loops until their states stop growing (the lattices used here are
finite sets, so that always happens).
"""

from __future__ import annotations

import heapq
from typing import Callable, Generic, TypeVar

from .cfg import CFG, Node

S = TypeVar("S")


def reverse_postorder(cfg: CFG) -> list[int]:
    seen = [False] * len(cfg.nodes)
    order: list[int] = []
    stack: list[tuple[int, int]] = [(cfg.entry, 0)]
    seen[cfg.entry] = True
    while stack:
        index, child = stack[-1]
        node = cfg.nodes[index]
        targets = node.succ if node.exc is None else node.succ + [node.exc]
        if child < len(targets):
            stack[-1] = (index, child + 1)
            target = targets[child]
            if not seen[target]:
                seen[target] = True
                stack.append((target, 0))
        else:
            stack.pop()
            order.append(index)
    order.reverse()
    return order


class Dataflow(Generic[S]):
    """Subclasses define ``transfer`` and ``join``; ``solve`` then ``replay``."""

    def transfer(self, node: Node, state: S, report: bool) -> S | None:
        raise NotImplementedError

    def join(self, left: S, right: S) -> S:
        raise NotImplementedError

    def exceptional(self, node: Node, state: S) -> S:
        """The state carried along ``node``'s exceptional edge: by default the state
        before the node (its effect did not happen)."""
        return state

    def solve(self, cfg: CFG, initial: S) -> list[S | None]:
        order = reverse_postorder(cfg)
        rank = {index: position for position, index in enumerate(order)}
        states: list[S | None] = [None] * len(cfg.nodes)
        states[cfg.entry] = initial
        queue = [(rank[cfg.entry], cfg.entry)]
        queued = {cfg.entry}
        while queue:
            _, index = heapq.heappop(queue)
            queued.discard(index)
            node = cfg.nodes[index]
            state = states[index]
            if node.exc is not None:
                self._merge(states, node.exc, self.exceptional(node, state), queue, queued, rank)
            out = self.transfer(node, state, False)
            if out is None:
                continue
            for target in node.succ:
                self._merge(states, target, out, queue, queued, rank)
        return states

    def _merge(self, states: list, target: int, state: S, queue: list, queued: set,
               rank: dict[int, int]) -> None:
        old = states[target]
        new = state if old is None else self.join(old, state)
        if old is None or new != old:
            states[target] = new
            if target not in queued:
                queued.add(target)
                heapq.heappush(queue, (rank[target], target))

    def replay(self, cfg: CFG, states: list[S | None]) -> None:
        """Run ``transfer`` once more on every reached node with ``report=True``."""
        for node in cfg.nodes:
            state = states[node.index]
            if state is not None:
                self.transfer(node, state, True)


def run(analysis: Dataflow[S], cfg: CFG, initial: S) -> list[S | None]:
    states = analysis.solve(cfg, initial)
    analysis.replay(cfg, states)
    return states


Transfer = Callable[[Node, S, bool], "S | None"]
