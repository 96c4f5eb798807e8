"""A two-phase database manager, fixed: the getter initialises what it returns.

``get_database_manager()`` is the one way to the shared instance, and it runs
``initialize()`` (once, under a lock) before handing it out, so no caller can reach an
uninitialised manager; the lifespan warms the same instance through the getter.
"""

from __future__ import annotations

import asyncio
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
_db_lock = asyncio.Lock()


async def get_database_manager() -> DatabaseManager:
    global _db_manager
    async with _db_lock:
        if _db_manager is None:
            manager = DatabaseManager(DATABASE_URL)
            await manager.initialize()
            _db_manager = manager
    return _db_manager


@asynccontextmanager
async def lifespan(app: FastAPI):
    await get_database_manager()
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    db = await get_database_manager()
    ok = await db.health_check()
    return {"database": "ok" if ok else "down"}
