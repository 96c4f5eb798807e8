"""Property tests: check_source never raises, on generated programs.

Two sources of programs:

- ``hypothesmith.from_grammar()`` / ``from_node()``: valid Python from the grammar and from
  libcst's node types, once as generated and once with a comment that mentions every text
  marker, so that the cheap screen lets every rule family run on it.
- a small grammar of FastAPI/Starlette websocket handlers (``websocket_modules()``):
  accept/close/send/receive calls, helpers that accept, send or close, task spawning,
  managers, ids, if/else, try/except/else/finally, loops, ``match``, ``with``, local
  coroutines, in routes, ``WebSocketEndpoint`` subclasses and typed helpers.

Properties: no exception; every finding inside the file (1 <= line <= number of lines,
col >= 0); NL001 only alone and never an internal error (the grammar's programs are valid,
so it gets no NL001 at all); the same findings for the same text, for its CRLF version,
with a BOM, and shifted by three lines after three comment lines; a receive before any
accept is always NL101; an accept first and no other lifecycle call means no NL101-NL105.

The example counts keep this module under a minute; ``scripts/fuzz.py`` runs the same
properties for as long as you like (``--examples``, ``--seed``).
"""

from __future__ import annotations

from functools import lru_cache

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netra_lint.api import check_source
from netra_lint.finding import Finding

CI_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                              HealthCheck.data_too_large])

# Every substring the text screen (engine/source.py) looks for, so every family runs.
ALL_MARKERS = ("# websocket WebSocket Websocket _id Id uuid token_hex global _instance cls._ None "
               "subprotocols sec-websocket-protocol Sec-WebSocket-Protocol\n")

# -- the websocket grammar --------------------------------------------------------------------

PRELUDE = '''\
import asyncio
import uuid
from contextlib import suppress

from fastapi import BackgroundTasks, FastAPI, WebSocket, WebSocketDisconnect
from starlette.endpoints import WebSocketEndpoint
from starlette.websockets import WebSocketState

import other_module

app = FastAPI()
lock = asyncio.Lock()
background = BackgroundTasks()
items = [1, 2, 3]
run_id = "run"
flag = True


class ConnectionManager:
    def __init__(self) -> None:
        self.active: list[WebSocket] = []

    async def connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self.active.append(websocket)

    def disconnect(self, websocket: WebSocket) -> None:
        self.active.remove(websocket)


manager = ConnectionManager()


async def accept_with_auth(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol="jwt")


async def send_welcome(websocket: WebSocket) -> None:
    await websocket.send_json({"type": "welcome"})


async def reject(websocket: WebSocket) -> None:
    await websocket.close(code=1008)


async def pump(websocket: WebSocket) -> None:
    while True:
        await websocket.send_text("tick")
        await asyncio.sleep(1)


async def is_allowed(websocket: WebSocket) -> bool:
    return websocket.headers.get("authorization") is not None


def compute(x: int) -> int:
    return x + 1
'''

# Statements that neither accept, close nor hand the websocket to other code.
PLAIN_ATOMS = (
    'await websocket.send_text("hi")',
    'await websocket.send_json({"type": "reply"})',
    'await websocket.send_bytes(b"x")',
    'await websocket.send({"type": "websocket.send", "text": "x"})',
    "data = await websocket.receive_text()",
    "payload = await websocket.receive_json()",
    "message = await websocket.receive()",
    'token = websocket.headers.get("sec-websocket-protocol")',
    'user = websocket.query_params.get("user")',
    'thread_id = f"thread_{run_id}"',
    "value = compute(1)",
    "await asyncio.sleep(0)",
    "pass",
)
LIFECYCLE_ATOMS = (
    "await websocket.accept()",
    'await websocket.accept(subprotocol="jwt")',
    "websocket.accept()",
    "await websocket.close()",
    "await websocket.close(code=1008)",
    "asyncio.create_task(pump(websocket))",
    "asyncio.ensure_future(pump(websocket))",
    "background.add_task(pump, websocket)",
    "await accept_with_auth(websocket)",
    "await send_welcome(websocket)",
    "await reject(websocket)",
    "await manager.connect(websocket)",
    "manager.disconnect(websocket)",
    "await other_module.handle(websocket)",
    "await generated_helper_0(websocket)",
    "await generated_helper_1(websocket)",
    "run_id = str(uuid.uuid4())[:8]",
    'user_id = thread_id.split("_")[1]',
)
ALL_ATOMS = PLAIN_ATOMS + LIFECYCLE_ATOMS
CONDITIONS = ("flag", "user is None", "not token", "await is_allowed(websocket)",
              "websocket.client_state == WebSocketState.CONNECTED",
              "websocket.application_state == WebSocketState.CONNECTED")
HANDLERS = ("except WebSocketDisconnect:", "except Exception:", "except (ValueError, KeyError):",
            "except:", "except Exception as exc:", "except WebSocketDisconnect as exc:")


def indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _flatten(blocks) -> list[str]:
    return [line for block in blocks for line in block]


@lru_cache(maxsize=None)
def statement(depth: int, in_loop: bool, atoms: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    simple = st.sampled_from(atoms).map(lambda s: [s])
    terminals = ["return", "raise WebSocketDisconnect(code=1000)", 'raise ValueError("bad")']
    if in_loop:
        terminals += ["break", "continue"]
    options = [simple, simple, simple, st.sampled_from(terminals).map(lambda s: [s])]
    if depth > 0:
        body = block(depth - 1, in_loop, atoms)
        loop_body = block(depth - 1, True, atoms)
        options += [
            st.builds(lambda c, a, b: [f"if {c}:", *indent(a)] + (["else:", *indent(b)] if b else []),
                      st.sampled_from(CONDITIONS), body, st.none() | body),
            st.builds(lambda c1, a, c2, b: [f"if {c1}:", *indent(a), f"elif {c2}:", *indent(b)],
                      st.sampled_from(CONDITIONS), body, st.sampled_from(CONDITIONS), body),
            st.builds(_try, body, st.lists(st.tuples(st.sampled_from(HANDLERS), body), max_size=2),
                      st.none() | body, st.none() | body),
            st.builds(lambda c, a: [f"while {c}:", *indent(a)],
                      st.sampled_from(("True", "flag", "websocket.client_state == WebSocketState.CONNECTED")),
                      loop_body),
            st.builds(lambda h, a: [h, *indent(a)],
                      st.sampled_from(("for item in items:", "async for message in websocket.iter_text():",
                                       "async for payload in websocket.iter_json():")), loop_body),
            st.builds(lambda h, a: [h, *indent(a)],
                      st.sampled_from(("async with lock:", "with suppress(ValueError):")), body),
            st.builds(_match, body, body, st.none() | body),
            st.builds(_local_coroutine, block(depth - 1, False, atoms),
                      st.sampled_from(("await inner()", "asyncio.create_task(inner())"))),
        ]
    return st.one_of(options)


@lru_cache(maxsize=None)
def block(depth: int, in_loop: bool, atoms: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(statement(depth, in_loop, atoms), min_size=1, max_size=4).map(_flatten)


def _try(body, handlers, orelse, final) -> list[str]:
    if not handlers and final is None:
        final = ["pass"]
    lines = ["try:", *indent(body)]
    bare = [h for h in handlers if h[0] == "except:"][:1]  # a bare except must come last
    for header, handler in [h for h in handlers if h[0] != "except:"] + bare:
        lines += [header, *indent(handler)]
    if orelse is not None and handlers:
        lines += ["else:", *indent(orelse)]
    if final is not None:
        lines += ["finally:", *indent(final)]
    return lines


def _match(first, second, default) -> list[str]:
    lines = ['match message.get("type"):', '    case "ping" | "pong":', *indent(indent(first)),
             '    case {"kind": kind, **rest}:', *indent(indent(second))]
    if default is not None:
        lines += ["    case _:", *indent(indent(default))]
    return ["message = {}", *lines]


def _local_coroutine(body, call) -> list[str]:
    return ["async def inner() -> None:", *indent(body), call]


def _function(kind: str, index: int, body: list[str]) -> list[str]:
    if kind == "route":
        return ["", "", f'@app.websocket("/ws/{index}")',
                f"async def endpoint_{index}(websocket: WebSocket, flag: bool = False):", *indent(body)]
    if kind == "endpoint":
        return ["", "", f"class Endpoint{index}(WebSocketEndpoint):",
                "    async def on_connect(self, websocket: WebSocket) -> None:", *indent(indent(body))]
    return ["", "", f"async def generated_helper_{index}(websocket: WebSocket) -> None:", *indent(body)]


FUNCTION_KINDS = st.sampled_from(("route", "route", "endpoint", "helper"))


@st.composite
def websocket_modules(draw, atoms: tuple[str, ...] = ALL_ATOMS, depth: int = 3) -> str:
    """A module of 1-3 generated handlers or helpers after a fixed prelude."""
    lines = PRELUDE.splitlines()
    for index in range(draw(st.integers(1, 3))):
        lines += _function(draw(FUNCTION_KINDS), index, draw(block(depth, False, atoms)))
    return "\n".join(lines) + "\n"


@st.composite
def receive_first(draw) -> tuple[str, int]:
    """A route whose first statement receives: (text, line of that receive)."""
    lines = PRELUDE.splitlines()
    lines += ["", "", '@app.websocket("/ws")', "async def endpoint(websocket: WebSocket, flag: bool = False):",
              "    data = await websocket.receive_text()"]
    line = len(lines)
    lines += indent(draw(block(3, False, ALL_ATOMS)))
    return "\n".join(lines) + "\n", line


@st.composite
def accept_first(draw) -> str:
    """A route that accepts first and then never accepts, closes or hands the websocket on."""
    lines = PRELUDE.splitlines()
    lines += ["", "", '@app.websocket("/ws")', "async def endpoint(websocket: WebSocket, flag: bool = False):",
              "    await websocket.accept()", *indent(draw(block(3, False, PLAIN_ATOMS)))]
    return "\n".join(lines) + "\n"


# -- properties (plain functions: scripts/fuzz.py runs them with more examples) ----------------

def findings_of(text: str) -> list[Finding]:
    findings = check_source(text, "fuzz.py")  # must not raise: that is the main property
    n_lines = max(len(text.splitlines()), 1)
    for f in findings:
        assert isinstance(f, Finding), f
        assert 1 <= f.line <= n_lines and f.col >= 0, (f, n_lines)
        assert f.code.startswith("NL") and "\n" not in f.message, f
    nl001 = [f for f in findings if f.code == "NL001"]
    if nl001:
        assert len(findings) == 1, findings
        assert "internal error" not in nl001[0].message, nl001[0].message
    return findings


def triples(findings: list[Finding]) -> list[tuple[int, int, str]]:
    return sorted((f.line, f.col, f.code) for f in findings)


def prop_grammar_program(program: str) -> None:
    """Any valid program: no exception, valid positions, NL001 only for a parse failure."""
    findings_of(program)
    findings = findings_of(program.rstrip("\n") + "\n" + ALL_MARKERS)
    if findings and findings[0].code == "NL001":
        assert "nested too deeply" in findings[0].message or "parse" in findings[0].message \
            or "not valid Python" in findings[0].message, findings[0].message


def prop_websocket_module(text: str) -> None:
    """A valid websocket module: no NL001; the same findings for the same text, for its
    CRLF version, with a BOM, and shifted by three lines under three comment lines."""
    compile(text, "<fuzz>", "exec")  # the grammar's programs are valid Python
    findings = findings_of(text)
    assert not [f for f in findings if f.code == "NL001"], (findings, text)
    base = triples(findings)
    assert triples(findings_of(text)) == base, "not deterministic"
    assert triples(findings_of(text.replace("\n", "\r\n"))) == base, "CRLF changed the findings"
    assert triples(findings_of("\ufeff" + text)) == base, "a BOM changed the findings"
    shifted = triples(findings_of("# one\n# two\n# three\n" + text))
    assert shifted == [(line + 3, col, code) for line, col, code in base], "positions moved"


def prop_receive_first(case: tuple[str, int]) -> None:
    """A route whose first statement is a receive: NL101 at that line, whatever follows."""
    text, line = case
    compile(text, "<fuzz>", "exec")
    findings = findings_of(text)
    assert (line, "NL101") in {(f.line, f.code) for f in findings}, (line, findings, text)


def prop_accept_first(text: str) -> None:
    """A route that accepts first and then only sends/receives: no NL001, NL101-NL105."""
    compile(text, "<fuzz>", "exec")
    lifecycle = [f for f in findings_of(text) if f.code in ("NL001", "NL101", "NL102", "NL103", "NL104", "NL105")]
    assert not lifecycle, (lifecycle, text)


# (name, strategy, property): the fuzz script runs this list
PROPERTIES = [
    ("grammar", hypothesmith.from_grammar(), prop_grammar_program),
    ("cst_nodes", hypothesmith.from_node(), prop_grammar_program),
    ("websocket_modules", websocket_modules(), prop_websocket_module),
    ("receive_first", receive_first(), prop_receive_first),
    ("accept_first", accept_first(), prop_accept_first),
]


# -- the bounded tests -----------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles odd programs
@settings(CI_SETTINGS, max_examples=120)
@given(hypothesmith.from_grammar())
def test_grammar_programs_never_raise(program: str) -> None:
    prop_grammar_program(program)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(CI_SETTINGS, max_examples=30)
@given(hypothesmith.from_node())
def test_cst_node_programs_never_raise(program: str) -> None:
    prop_grammar_program(program)


@settings(CI_SETTINGS, max_examples=60)
@given(websocket_modules())
def test_websocket_modules(text: str) -> None:
    prop_websocket_module(text)


@settings(CI_SETTINGS, max_examples=80)
@given(receive_first())
def test_receive_before_accept_is_always_reported(case: tuple[str, int]) -> None:
    prop_receive_first(case)


@settings(CI_SETTINGS, max_examples=80)
@given(accept_first())
def test_accept_first_has_no_lifecycle_report(text: str) -> None:
    prop_accept_first(text)
