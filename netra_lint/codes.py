"""Every code netra-lint reports, declared once, as data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    family: str  # the rule family: decides the cheap text screen and the module
    fixable: bool = False
    unsafe_fix: bool = False  # a fix applied only with --unsafe-fixes (it changes behaviour)


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("NL001", "analysis-failed", "netra-lint could not analyse the file", "core"),
        Rule("NL101", "use-before-accept",
             "websocket received from or sent to before 'await ws.accept()' on some path", "accept"),
        Rule("NL102", "accept-not-awaited", "'ws.accept()' called without 'await'", "accept",
             fixable=True),
        Rule("NL103", "handoff-before-accept",
             "websocket handed to concurrently running code before its accept completed", "accept"),
        Rule("NL104", "use-after-close", "send, receive, accept or close after 'await ws.close()'",
             "accept"),
        Rule("NL105", "double-accept", "accept reached twice on one path", "accept"),
        Rule("NL106", "send-after-disconnect",
             "send or close on a websocket whose client is already gone on that path", "accept",
             unsafe_fix=True),
        Rule("NL107", "swallowed-disconnect",
             "an except clause swallows the WebSocketDisconnect of a send or receive", "disconnect",
             unsafe_fix=True),
        Rule("NL108", "client-state-liveness",
             "liveness check reads only client_state, not application_state", "disconnect"),
        Rule("NL109", "io-not-awaited",
             "a websocket send, receive or close called without 'await' (or in a plain-def route)",
             "accept", fixable=True),
        Rule("NL201", "resource-not-released",
             "a per-connection resource whose release is not guaranteed on every exit path",
             "resources"),
        Rule("NL202", "release-only-on-disconnect",
             "a per-connection resource released only under a narrow except", "resources"),
        Rule("NL203", "registry-only-grows",
             "a registry of connections that code adds to and nothing removes from", "resources"),
        Rule("NL301", "ad-hoc-id", "an id built by hand (f-string, '+', '%', format, join) "
             "outside the sanctioned id generator", "ids"),
        Rule("NL302", "id-parsed-from-id", "one id parsed out of another (split, partition, "
             "slicing, replace, removeprefix, re)", "ids"),
        Rule("NL303", "truncated-random-id", "a truncated random component in an id "
             "(uuid4().hex[:8], token_hex(n) with n < 8)", "ids"),
        Rule("NL304", "non-unique-id", "an id that concurrent callers share: unique only by a "
             "second-resolution timestamp, or sliced down to its constant prefix", "ids"),
        Rule("NL401", "accept-ignores-offered-subprotocol",
             "accept() selects no subprotocol after the client's offered subprotocols were read",
             "handshake"),
        Rule("NL501", "use-before-init",
             "a module-level manager that starts as None is used with no None check or init call",
             "init"),
    )
}


def describe(code: str) -> Rule:
    return RULES[code]
