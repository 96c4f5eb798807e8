"""The cheap text screen: which rule families can possibly report on a file's text.

It runs on every file flake8 hands to the plugin, so it imports nothing heavy (no
libcst): only files that pass it are parsed and analysed.
"""

from __future__ import annotations

import re

from .settings import Settings

ALL_FAMILIES = frozenset({"accept", "disconnect", "resources", "ids", "handshake", "init"})

# Families of rules and the text that must be present for one of their rules to apply.
# Cheap substring checks on the raw text decide which families run before any libcst parse.
_WS_MARKERS = ("websocket", "WebSocket", "Websocket")
# NL301/NL302 fully match a name against Settings.id_names, so the pattern must occur in
# the text; NL303 needs a uuid4()/uuid1() or secrets.token_*() call.
_RANDOM_ID = re.compile(r"uuid[14]|token_(?:hex|urlsafe|bytes)")
# NL304: an id and a clock on one line (``job_id = f"job_{int(time.time())}"``).
_TIMED_ID = re.compile(r"(?i)id\b[^\n]*(?:time\(\)|strftime\()")
# the header in any usual spelling: sec-websocket-protocol, Sec-WebSocket-Protocol,
# Sec-Websocket-Protocol, SEC-WEBSOCKET-PROTOCOL
_HANDSHAKE_MARKERS = ("ebsocket-protocol", "ebSocket-Protocol", "ebsocket-Protocol",
                      "EBSOCKET-PROTOCOL", "subprotocols",
                      "sec_websocket_protocol")
# NL501: a module-level name bound to None that a function rebinds through ``global``, or
# a class attribute bound to None that is assigned through the class (``cls._instance =``).
_MODULE_NONE = re.compile(r"^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*None\b", re.MULTILINE)
_GLOBALS = re.compile(r"^[ \t]*global[ \t]+([\w, \t]+)", re.MULTILINE)
_NAME = re.compile(r"\w+")
_BUILT = r"[ \t]*(?:await[ \t]+)?[\w.]+[ \t]*\("  # ``= Manager(...)``, ``= await connect(...)``
_CLASS_DEF = re.compile(r"^[ \t]*class[ \t]+(\w+)", re.MULTILINE)
_CLASS_ASSIGNED = re.compile(r"\b(?:cls|[A-Z]\w*|self\.__class__)\.(\w+)[ \t]*(?::[^=\n]*)?=(?!=)")
# NL501 (b): a method that a class's other methods may need to have run first. A plain
# ``start(self)`` (threads, servers) counts only next to a flag that says so.
_TWO_PHASE = re.compile(r"def[ \t]+_?(?:a?sync_)?(?:initiali[sz]e|init|setup|bootstrap)"
                        r"[ \t]*\([ \t]*self\b")
_TWO_PHASE_START = re.compile(r"def[ \t]+_?(?:a?sync_)?(?:start|startup)[ \t]*\([ \t]*self\b")
_TWO_PHASE_FLAG = re.compile(r"(?i)initiali[sz]ed|_started\b|not started|_ready\b|not ready")
_CLASS_NONE = re.compile(r"^[ \t]+([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*None\b", re.MULTILINE)


def families_for(text: str, settings: Settings, wanted: frozenset[str]) -> set[str]:
    """The rule families that can possibly report on this text."""
    families: set[str] = set()
    websocket_families = [f for f in ("accept", "disconnect", "resources") if f in wanted]
    if websocket_families:
        markers = _WS_MARKERS + tuple(t.rsplit(".", 1)[-1] for t in settings.websocket_types)
        if any(m in text for m in markers):
            families.update(websocket_families)
    if "ids" in wanted and (_RANDOM_ID.search(text) or settings.id_name_re().search(text)
                            or _TIMED_ID.search(text)):
        families.add("ids")
    if "handshake" in wanted and any(m in text for m in _HANDSHAKE_MARKERS):
        families.add("handshake")
    if "init" in wanted and (("None" in text and _init_may_apply(text)) or _TWO_PHASE.search(text)
                             or (_TWO_PHASE_START.search(text) and _TWO_PHASE_FLAG.search(text))):
        families.add("init")
    return families


def _init_may_apply(text: str) -> bool:
    """A name bound to None that some function later binds to a value it builds (a call or
    an await): through ``global`` for module names, through the class for attributes."""
    if "global" in text:
        declared = {n for names in _GLOBALS.findall(text) for n in _NAME.findall(names)}
        for name in declared & set(_MODULE_NONE.findall(text)):
            if re.search(rf"^[ \t]+{name}[ \t]*(?::[^=\n]*)?={_BUILT}", text, re.MULTILINE):
                return True
    if "cls." not in text and "__class__." not in text and not any(
            f"{name}." in text for name in _CLASS_DEF.findall(text)):
        return False  # nothing assigns through a class
    for attr in set(_CLASS_ASSIGNED.findall(text)) & set(_CLASS_NONE.findall(text)):
        if re.search(rf"\.{attr}[ \t]*(?::[^=\n]*)?={_BUILT}", text):
            return True
    return False
