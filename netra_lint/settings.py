"""One Settings object: flake8 options and pyproject.toml map onto it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Iterable

DEFAULT_RESOURCE_PAIRS: tuple[tuple[str, str], ...] = (
    ("connect", "disconnect"),
    ("register*", "unregister*"),
    ("add_connection", "remove_connection"),
    ("create_*manager*", "cleanup*"),
)
DEFAULT_ID_NAMES = (
    r"thread_id|run_id|request_id|connection_id|session_id|message_id"
)


@dataclass(frozen=True)
class Settings:
    """Every option netra-lint understands. Field metadata documents each one."""

    websocket_types: tuple[str, ...] = field(
        default=(),
        metadata={"help": "Extra classes whose instances are server websockets "
                          "(dotted or bare names, e.g. myapp.ws.Socket)."},
    )
    accept_wrappers: tuple[str, ...] = field(
        default=(),
        metadata={"help": "Functions that accept the websocket they are given on the "
                          "caller's behalf (bare or dotted names)."},
    )
    resource_pairs: tuple[tuple[str, str], ...] = field(
        default=DEFAULT_RESOURCE_PAIRS,
        metadata={"help": "acquire:release name pairs for NL201/NL202 (fnmatch patterns), "
                          "e.g. create_websocket_manager:cleanup_manager,connect:disconnect. "
                          "The defaults only name calls whose behaviour cannot be seen; "
                          "configured pairs always count."},
    )
    id_names: str = field(
        default=DEFAULT_ID_NAMES,
        metadata={"help": "Regular expression (full match) of names that hold identifiers (NL301-NL304)."},
    )
    id_generators: tuple[str, ...] = field(
        default=(),
        metadata={"help": "Sanctioned id generators: dotted functions or whole modules "
                          "(e.g. UnifiedIDManager.generate_thread_id, myapp.ids)."},
    )
    close_after_received_disconnect: bool = field(
        default=True,
        metadata={"help": "NL106 reports a close() after the client's disconnect was received "
                          "(it raises under uvicorn's websockets and wsproto backends); set "
                          "false for websockets-sansio deployments, where it does not."},
    )

    project: bool = field(
        default=True,
        metadata={"help": "Project mode: resolve calls into the other modules of the project "
                          "(the tree under the nearest pyproject.toml, setup.cfg, setup.py or "
                          ".git) and use what they do; false analyses each file alone "
                          "(also --no-project, flake8: --netra-no-project)."},
    )

    def id_name_re(self) -> re.Pattern[str]:
        return _compile(self.id_names)


_RE_CACHE: dict[str, re.Pattern[str]] = {}


def _compile(pattern: str) -> re.Pattern[str]:
    compiled = _RE_CACHE.get(pattern)
    if compiled is None:
        compiled = _RE_CACHE[pattern] = re.compile(pattern)
    return compiled


def parse_list(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.replace("\n", ",").split(",")
    return tuple(v.strip() for v in value if v and v.strip())


def parse_pairs(value: str | Iterable[str] | None) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in parse_list(value):
        acquire, sep, release = item.partition(":")
        if not sep or not acquire.strip() or not release.strip():
            raise ValueError(f"resource pair {item!r} is not of the form acquire:release")
        pairs.append((acquire.strip(), release.strip()))
    return tuple(pairs)


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]
