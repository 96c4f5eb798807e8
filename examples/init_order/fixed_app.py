"""A database manager used before its async initialization, fixed.

The health check tests ``db_manager is None`` before using it and answers
``503 {"database": "not initialized"}`` until startup has run, instead of
crashing with an ``AttributeError`` on ``None``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse


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
async def health() -> JSONResponse:
    if db_manager is None:
        return JSONResponse({"database": "not initialized"}, status_code=503)
    ok = await db_manager.ping()
    return JSONResponse({"database": "ok" if ok else "down"})
