"""The application: one router with the chat endpoint."""

from __future__ import annotations

from fastapi import FastAPI

from .routes.websocket import router

app = FastAPI()
app.include_router(router)
