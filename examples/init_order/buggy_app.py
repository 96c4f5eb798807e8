"""A database manager used before its async initialization (NL501).

Bug: ``db_manager`` starts as ``None`` and is only set by ``init_db()``, which runs at
application startup. The health check uses it without checking, so a request that
arrives before startup has finished (or in an app whose startup never ran: a test
client without its lifespan, a worker that failed to initialize) hits ``None``.

Runtime symptom: the health check fails with
``AttributeError: 'NoneType' object has no attribute 'ping'``
(logged in the incident as ``DatabaseManager not initialized``).
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI


class DatabaseManager:
    def __init__(self) -> None:
        self.connected = False

    async def connect(self) -> None:
        self.connected = True

    async def ping(self) -> bool:
        return self.connected


db_manager = None


async def init_db() -> None:
    global db_manager
    db_manager = DatabaseManager()
    await db_manager.connect()


@asynccontextmanager
async def lifespan(app: FastAPI):
    await init_db()
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    ok = await db_manager.ping()  # error: NL501
    return {"database": "ok" if ok else "down"}
