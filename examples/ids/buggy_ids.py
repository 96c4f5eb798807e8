"""Ad-hoc thread and run ids (NL301, NL302).

Bug: thread and run ids are built by hand with f-strings (their random part is
truncated to 8 hex digits, which the counter before it makes harmless: no NL303),
and the router recovers a run's thread by cutting the run id apart (``'_'.join(run_id.split('_')[1:-2])``), which assumes a thread-id
format that the thread-id code never produced.

Runtime symptom: every message is rejected with
``Thread ID mismatch: run_id contains 'websocket_factory_1757373577513' but thread_id
is 'thread_websocket_factory_1757373577513_54_24427b1b'``.
"""

from __future__ import annotations

import itertools
import time
from uuid import uuid4

_sequence = itertools.count(1)


class ThreadMismatch(ValueError):
    pass


def start_conversation(operation: str) -> tuple[str, str]:
    """Open a thread for ``operation`` and start its first run."""
    ms = int(time.time() * 1000)
    thread_id = f"thread_{operation}_{ms}_{next(_sequence)}_{uuid4().hex[:8]}"  # error: NL301
    run_id = f"run_{operation}_{ms}_{next(_sequence)}_{uuid4().hex[:8]}"  # error: NL301
    return thread_id, run_id


def thread_of_run(run_id: str) -> str:
    """The thread a run belongs to, as the message router works it out."""
    return "_".join(run_id.split("_")[1:-2])  # error: NL302


def route(thread_id: str, run_id: str) -> str:
    """Check that a run's message belongs to ``thread_id``; return the thread."""
    found = thread_of_run(run_id)
    if found != thread_id:
        raise ThreadMismatch(
            f"Thread ID mismatch: run_id contains {found!r} but thread_id is {thread_id!r}"
        )
    return found
