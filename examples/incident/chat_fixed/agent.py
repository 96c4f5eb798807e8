"""A stand-in for the LLM: thinks for a while, then streams its reply word by word."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

#: How long the stand-in agent "thinks" before it streams its reply.
THINKING_SECONDS = 1.0


async def think() -> None:
    await asyncio.sleep(THINKING_SECONDS)


async def agent_reply(text: str) -> AsyncIterator[str]:
    await think()
    for word in f"You said: {text}".split():
        yield word
        await asyncio.sleep(0.01)
