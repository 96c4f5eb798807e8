"""Ids fixed: one generator makes every thread and run id and knows how they relate.

``UnifiedIDManager`` is the only code that builds an id; everything else asks it.
Ids keep their full random part (``uuid4().hex``), and the thread of a run is asked
of the manager, which recorded it when it issued the run id, instead of being cut
out of the run id's text. Changing the id format can no longer break the router.
"""

from __future__ import annotations

import itertools
from uuid import uuid4


class ThreadMismatch(ValueError):
    pass


class UnifiedIDManager:
    """The one place that makes thread and run ids."""

    def __init__(self) -> None:
        self._sequence = itertools.count(1)
        self._thread_of_run: dict[str, str] = {}

    def generate_thread_id(self, operation: str) -> str:
        thread_id = f"thread_{operation}_{next(self._sequence)}_{uuid4().hex}"
        return thread_id

    def generate_run_id(self, thread_id: str) -> str:
        run_id = f"run_{next(self._sequence)}_{uuid4().hex}"
        self._thread_of_run[run_id] = thread_id
        return run_id

    def thread_id_from_run_id(self, run_id: str) -> str:
        return self._thread_of_run[run_id]


ids = UnifiedIDManager()


def start_conversation(operation: str) -> tuple[str, str]:
    """Open a thread for ``operation`` and start its first run."""
    thread_id = ids.generate_thread_id(operation)
    run_id = ids.generate_run_id(thread_id)
    return thread_id, run_id


def thread_of_run(run_id: str) -> str:
    """The thread a run belongs to."""
    return ids.thread_id_from_run_id(run_id)


def route(thread_id: str, run_id: str) -> str:
    """Check that a run's message belongs to ``thread_id``; return the thread."""
    found = thread_of_run(run_id)
    if found != thread_id:
        raise ThreadMismatch(
            f"Thread ID mismatch: run_id contains {found!r} but thread_id is {thread_id!r}"
        )
    return found
