"""NL301's ranking: each message says whether the id is later parsed or compared (and
where), so the reports behind the thread/run id mismatch can be selected first."""

from __future__ import annotations

import textwrap

from netra_lint.api import check_source
from netra_lint.rules import ids


def nl301(source: str) -> dict[int, str]:
    text = textwrap.dedent(source)
    return {f.line: f.message for f in check_source(text, "ranking.py") if f.code == "NL301"}


def test_parsed_ids_rank_first_with_the_line_of_the_parse() -> None:
    found = nl301('''
        import time
        def start(op):
            thread_id = f"thread_{op}_{time.time_ns()}"
            run_id = f"run_{op}_{time.time_ns()}"
            session_id = f"s_{op}_{time.time_ns()}"
            return thread_id, run_id, session_id

        def thread_of(run_id):
            return run_id.split("_")[1]

        def same(thread_id, other):
            return thread_id == other
    ''')
    assert found[4].startswith("[compared] id 'thread_id' is built ad hoc with an f-string and "
                               "compared at line 13")
    assert found[5].startswith("[parsed] id 'run_id' is built ad hoc with an f-string and parsed "
                               "back apart with .split() at line 10")
    assert found[6].startswith("[passed-on] id 'session_id' is built ad hoc with an f-string; "
                               "this module does not parse or compare it")


def test_parsing_inside_a_generator_still_counts() -> None:
    """The generator may parse its own ids (no NL302 there), but an id built by hand
    elsewhere and parsed there is the mismatch."""
    found = nl301('''
        class UnifiedIDManager:
            def thread_of_run(self, run_id):
                return run_id.split("_", 1)[1]

        def start(op, n):
            run_id = f"run_{op}_{n}"
            return run_id
    ''')
    assert found[7].startswith("[parsed] id 'run_id'")


def test_comparison_with_none_or_identity_is_not_a_comparison() -> None:
    found = nl301('''
        def start(op, n, thread_id=None):
            if thread_id is None:
                thread_id = f"thread_{op}_{n}"
            if thread_id != None:
                pass
            return thread_id
    ''')
    assert found[4].startswith("[passed-on]")


def test_prefix_checks_and_membership_count_as_comparisons() -> None:
    found = nl301('''
        def start(op, n, run_id):
            thread_id = f"thread_{op}_{n}"
            if thread_id in run_id or run_id.startswith("run_"):
                return thread_id
    ''')
    assert found[3].startswith("[compared] id 'thread_id'")


def test_one_function_answers_the_question() -> None:
    """Project mode answers ``where_taken_apart`` from other modules' sites: the ranking
    must come from it alone."""
    sites = ids.IdSites()
    assert ids.where_taken_apart("run_id", sites) is None
    import libcst as cst

    node = cst.Name("x")
    sites.add("run_id", "compared", node, "")
    sites.add("run_id", "parsed", node, ".split()")
    assert ids.where_taken_apart("run_id", sites) == ("parsed", node, ".split()")
