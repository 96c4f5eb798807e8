"""A database manager whose methods need ``initialize()`` first, used without it (NL501).

Bug: ``DatabaseManager`` is initialised in two phases: the constructor stores the URL,
``initialize()`` opens the connection and sets ``_initialized``. The lazy getter
``get_database_manager()`` constructs the shared instance but never initialises it, and
the lifespan initialises a *different* instance of its own. The health check obtains the
shared instance from the getter and calls ``health_check()``, which needs
``initialize()`` to have run on it.

Runtime symptom: every health check fails with
``RuntimeError: DatabaseManager not initialized``, with or without the lifespan.
"""

from __future__ import annotations

import sqlite3
from contextlib import asynccontextmanager

from fastapi import FastAPI

DATABASE_URL = ":memory:"


class DatabaseManager:
    def __init__(self, url: str) -> None:
        self.url = url
        self._connection: sqlite3.Connection | None = None
        self._initialized = False

    async def initialize(self) -> None:
        self._connection = sqlite3.connect(self.url, check_same_thread=False)
        self._initialized = True

    async def health_check(self) -> bool:
        if not self._initialized:
            raise RuntimeError("DatabaseManager not initialized")
        return self._connection.execute("SELECT 1").fetchone() == (1,)


_db_manager: DatabaseManager | None = None


def get_database_manager() -> DatabaseManager:
    global _db_manager
    if _db_manager is None:
        _db_manager = DatabaseManager(DATABASE_URL)
    return _db_manager


@asynccontextmanager
async def lifespan(app: FastAPI):
    manager = DatabaseManager(DATABASE_URL)  # a second instance: not the getter's
    await manager.initialize()
    app.state.db = manager
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    db = get_database_manager()
    ok = await db.health_check()  # error: NL501
    return {"database": "ok" if ok else "down"}
