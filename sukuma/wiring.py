"""Composition root: settings + database URL → the write model and the HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from api.main import create_app
from domain.application import Sukuma
from sukuma.settings import Settings


def build_application(settings: Settings, database_url: str) -> Sukuma:
    """The event-sourced application over PostgreSQL (tables are created if missing)."""
    return Sukuma(env=settings.eventsourcing_env(database_url))


def build_api(settings: Settings, database_url: str) -> tuple[FastAPI, Sukuma]:
    application = build_application(settings, database_url)
    return create_app(settings, application), application


def asgi_app() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): needs SUKUMA_DATABASE_URL."""
    settings = Settings()
    if settings.database_url is None:
        raise RuntimeError("set SUKUMA_DATABASE_URL to run the API with several workers")
    api, _ = build_api(settings, settings.database_url)
    return api
