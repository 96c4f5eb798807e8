"""``netra-lint why "<log line>"``: from an error line in production logs to the rules whose
bugs produce it, and (run on a project) to the sites in it.

The table is kept here, in the code, and tested: each entry is a runtime error text as the
framework or server writes it (Starlette/FastAPI, uvicorn's websockets and wsproto
protocols, Django Channels/Daphne, aiohttp, Litestar) or a line of the incident netra-lint
was built from, the rules whose bugs produce it, most likely first, and the causal chain.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from dataclasses import dataclass
from typing import Iterable, Sequence

from .codes import RULES


@dataclass(frozen=True)
class Cause:
    text: str  # the line as the framework or server writes it
    source: str  # who writes it
    patterns: tuple[str, ...]  # regular expressions, searched in the normalised log line
    rules: tuple[str, ...]  # the rules whose bugs produce it, most likely first
    chain: str  # two or three sentences: how the bug becomes this line
    generic: bool = False  # shown only when no specific entry matches


CAUSES: tuple[Cause, ...] = (
    Cause(
        'WebSocket is not connected. Need to call "accept" first.',
        "Starlette / FastAPI (WebSocketDisconnected, a RuntimeError)",
        (r"need to call accept first", r"websocket is not connected"),
        ("NL107", "NL108", "NL101", "NL103", "NL104"),
        "Starlette raises it when a receive runs while the application side of the socket is "
        "not CONNECTED. When the connection had been working, this is not an accept race: a "
        "send failed because the client was gone, Starlette set application_state to "
        "DISCONNECTED, an except clause swallowed that WebSocketDisconnect (NL107) or a "
        "guard that reads only client_state let the loop go on (NL108), and the next receive "
        "raised this. Only when it happens on the first message is it a receive before "
        "'await ws.accept()' (NL101) or a task handed the socket before the accept completed "
        "(NL103); a receive after the code's own close() raises it too (NL104).",
    ),
    Cause(
        'Cannot call "send" once a close message has been sent.',
        "Starlette / FastAPI (WebSocketDisconnected, a RuntimeError)",
        (r"cannot call send once a close message has been sent",),
        ("NL106", "NL104", "NL107"),
        "Starlette raises it on a send or close after the application side became "
        "DISCONNECTED: after a send failed because the client had gone, the except "
        "WebSocketDisconnect handler (or a finally) sends an error reply or closes "
        "(NL106), or the code sends after its own 'await ws.close()' (NL104). A swallowed "
        "disconnect (NL107) lets the loop reach such a send again.",
    ),
    Cause(
        'Cannot call "receive" once a disconnect message has been received.',
        "Starlette / FastAPI (WebSocketDisconnected, a RuntimeError)",
        (r"cannot call receive once a disconnect message has been received",),
        ("NL107",),
        "Starlette raises it when the code receives again after a receive returned, or "
        "raised, the client's disconnect. An except clause that swallows that "
        "WebSocketDisconnect inside the receive loop lets the loop turn once more and "
        "receive on the dead socket (NL107).",
    ),
    Cause(
        "Unexpected ASGI message 'websocket.send', after sending 'websocket.close' or "
        "response already completed.",
        "uvicorn, websockets protocol (wsproto and websockets-sansio: \"..., after sending "
        "'websocket.close'.\")",
        (r"unexpected asgi message",),
        ("NL106", "NL104", "NL107"),
        "uvicorn raises it when the application sends a message (a send, or a second close) "
        "on a connection that is already closed. Under uvicorn a disconnect closes the "
        "connection, so an error reply or a close() in the except WebSocketDisconnect "
        "handler or in a finally after the loop ended on a disconnect raises this (NL106); "
        "a send after the code's own close() does too (NL104). A loop that swallows the "
        "disconnect (NL107) reaches such a send on its next turn.",
    ),
    Cause(
        "Expected ASGI message 'websocket.accept', 'websocket.close', or "
        "'websocket.http.response.start' but got 'websocket.send'.",
        "uvicorn (websockets and wsproto protocols); Starlette writes the same with double "
        "quotes",
        (r"expected asgi message websocket\.accept",),
        ("NL101", "NL102", "NL103"),
        "The server raises it when the first message the application sends is not the "
        "accept. That is a send before 'await ws.accept()' on some path (NL101), an "
        "accept() whose coroutine was never awaited so it never ran (NL102), or a task that "
        "sends before the handler's accept completed (NL103).",
    ),
    Cause(
        "Expected ASGI message 'websocket.send' or 'websocket.close', but got "
        "'websocket.accept'.",
        "uvicorn (websockets and wsproto protocols) and Starlette",
        (r"expected asgi message websocket\.send or websocket\.close,? but got websocket\.accept",),
        ("NL105",),
        "The server raises it when one connection is accepted twice. Accept is reached "
        "twice on some path, typically a helper or dependency that accepts and a handler "
        "that accepts again (NL105).",
    ),
    Cause(
        "Socket has not been accepted, so cannot send over it",
        "Daphne (Django Channels' server)",
        (r"socket has not been accepted,? so cannot send over it",),
        ("NL101", "NL103", "NL102"),
        "Daphne raises it when a consumer sends before the handshake was accepted. That is "
        "a send in connect() before 'await self.accept()' (NL101), a task started before "
        "the accept (NL103), or an accept that was not awaited in an async consumer (NL102).",
    ),
    Cause(
        "Call .prepare() first",
        "aiohttp (WebSocketResponse)",
        (r"call \.?prepare\(?\)? first",),
        ("NL101", "NL103"),
        "aiohttp raises it when a WebSocketResponse is used before "
        "'await ws.prepare(request)', which is aiohttp's accept. That is a use before the "
        "handshake on some path (NL101), or a task handed the response before prepare "
        "completed (NL103).",
    ),
    Cause(
        "Cannot write to closing transport",
        "aiohttp (ConnectionResetError, ClientConnectionResetError)",
        (r"cannot write to closing transport",),
        ("NL106", "NL104", "NL107"),
        "aiohttp raises it on a send whose connection is already closing. That is an error "
        "reply after the client went away (NL106), a send after the code's own close() "
        "(NL104), or a loop that swallowed the earlier failure and sends again (NL107).",
    ),
    Cause(
        "WebSocket connection is closed.",
        "aiohttp (RuntimeError from WebSocketResponse.receive; older versions log "
        "\"websocket connection is closing.\")",
        (r"websocket connection is closed", r"websocket connection is closing"),
        ("NL107",),
        "aiohttp raises it when the code keeps calling receive() on a closed "
        "WebSocketResponse after it returned the CLOSED message several times. A loop that "
        "swallows the close, or the error it raises, keeps receiving (NL107).",
    ),
    Cause(
        "connection is disconnected",
        "Litestar (WebSocketDisconnect detail)",
        (r"connection is disconnected",),
        ("NL107", "NL106"),
        "Litestar raises it on every receive or send after the client disconnected. A loop "
        "whose except clause swallows the disconnect spins on it (NL107); a send in the "
        "disconnect handler raises it again (NL106).",
    ),
    Cause(
        "starlette.websockets.WebSocketDisconnect: 1006",
        "Starlette / FastAPI, uncaught",
        (r"websocketdisconnect", r"clientdisconnected"),
        ("NL106", "NL107"),
        "A WebSocketDisconnect that escapes the handler is usually the second one: the "
        "first was caught, and the handler then sent an error reply or closed the dead "
        "socket, which raised again (NL106). A handler that swallows the first and goes on "
        "(NL107) ends the same way.",
        generic=True,
    ),
    Cause(
        "User has reached the maximum number of WebSocket managers (5). Emergency cleanup "
        "attempted but limit still exceeded",
        "the incident's application (per-user connection limit)",
        (r"maximum number of websocket managers", r"limit still exceeded"),
        ("NL201", "NL202", "NL203"),
        "Per-connection managers leak: one is created on connect and released only on some "
        "paths, so a connection that ends another way keeps its slot (NL201), or it is "
        "released only under 'except WebSocketDisconnect' (NL202), or a registry keeps "
        "every entry (NL203). After a few such connections the user reaches the limit and "
        "is locked out.",
    ),
    Cause(
        "Thread ID mismatch: run_id contains 'X' but thread_id is 'Y'",
        "the incident's application (id consistency check)",
        (r"thread id mismatch", r"(thread|run|session|request|connection)[ _]id mismatch"),
        ("NL302", "NL301", "NL303"),
        "One id is parsed out of another (NL302) while a second site builds the same kind "
        "of id by hand in a different format (NL301), so the parsed part no longer matches; "
        "truncated random parts (NL303) make collisions too. Replies are then routed to the "
        "wrong thread.",
    ),
    Cause(
        "DatabaseManager not initialized",
        "the incident's application (two-phase initialisation)",
        (r"not (been )?initiali[sz]ed",),
        ("NL501",),
        "A manager that starts as None, or must have initialize() called, is used on a "
        "path where its init has not run (NL501). A health check or a request that runs "
        "before, or without, the start-up hook then fails with this line.",
    ),
    Cause(
        "No JWT in WebSocket headers or subprotocols",
        "the incident's application (WebSocket authentication)",
        (r"no jwt in websocket headers or subprotocols", r"no (jwt|token) in .*subprotocol"),
        ("NL401",),
        "Browsers carry the JWT in Sec-WebSocket-Protocol. The server read it from the "
        "offer but accepted without selecting a subprotocol (NL401), so the browser dropped "
        "the connection; its retries without a usable offer are rejected with this line.",
    ),
)

_QUOTES = str.maketrans("", "", "\"'`\u2018\u2019\u201c\u201d\\")
_SPACES = re.compile(r"\s+")


def normalise(line: str) -> str:
    """Lower case, without quotes and backslashes (JSON logs escape them), one space."""
    return _SPACES.sub(" ", line.translate(_QUOTES).lower()).strip()


_COMPILED = [(cause, [re.compile(p) for p in cause.patterns]) for cause in CAUSES]


def explain_line(line: str) -> list[Cause]:
    """The entries that explain the line, the most specific first."""
    text = normalise(line)
    found: list[tuple[int, int, Cause]] = []
    for order, (cause, patterns) in enumerate(_COMPILED):
        lengths = [len(m.group(0)) for p in patterns for m in [p.search(text)] if m]
        if lengths:
            found.append((-max(lengths), order, cause))
    found.sort(key=lambda item: (item[2].generic, item[0], item[1]))
    specific = [cause for _, _, cause in found if not cause.generic]
    return specific or [cause for _, _, cause in found]


def closest(line: str, count: int = 3) -> list[Cause]:
    """The entries whose text is most like the line (difflib), for a line nothing explains."""
    text = normalise(line)

    def score(cause: Cause) -> float:
        target = normalise(cause.text)
        matcher = difflib.SequenceMatcher(None, text, target, autojunk=False)
        whole = matcher.ratio()
        block = matcher.find_longest_match(0, len(text), 0, len(target))
        return max(whole, block.size / max(len(target), 1))

    return sorted(CAUSES, key=score, reverse=True)[:count]


def ranked_rules(causes: Sequence[Cause]) -> list[str]:
    ordered: list[str] = []
    for cause in causes:
        for code in cause.rules:
            if code not in ordered:
                ordered.append(code)
    return ordered


def rank_sites(items: Iterable, rules: Sequence[str], code_of=lambda item: item.finding.code) -> list:
    """The findings of ``rules``, most likely first: by the rule's rank, then by place."""
    rank = {code: i for i, code in enumerate(rules)}
    return sorted((item for item in items if code_of(item) in rank),
                  key=lambda item: (rank[code_of(item)], item))


def describe(causes: Sequence[Cause], width: int = 88) -> str:
    out: list[str] = []
    for cause in causes:
        out.append(f"{cause.text}")
        out.append(f"  written by: {cause.source}")
        out.append("  rules, most likely first: "
                   + ", ".join(f"{code} ({RULES[code].name})" for code in cause.rules))
        out.extend(textwrap.wrap(cause.chain, width, initial_indent="  ", subsequent_indent="  "))
        out.append("")
    return "\n".join(out)


def describe_unknown(line: str) -> str:
    out = ["no rule explains this line.", "The closest lines netra-lint knows:"]
    for cause in closest(line):
        out.append(f"  {cause.text}  ({', '.join(cause.rules)})")
    out.append("('netra-lint why --list' prints every line netra-lint knows.)")
    return "\n".join(out) + "\n"


def describe_all() -> str:
    return "".join(f"{cause.text}\n  {cause.source}: {', '.join(cause.rules)}\n" for cause in CAUSES)
