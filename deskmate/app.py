"""The FastAPI application: routers, error rendering, health and the web pages."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.api import router as chat_router
from bot.assistant import Assistant, RasaRestAssistant
from bot.handoff_api import router as handoff_router
from bot.ratelimit import RedisRateLimiter
from bot.surveys import send_due_forever
from deskmate import __version__
from deskmate import models as _models  # noqa: F401  # every table, and the audit recorder
from deskmate.audit.api import router as audit_router
from deskmate.audit.middleware import install_request_ids
from deskmate.auth.api import router as auth_router
from deskmate.body_limit import BodyLimit
from deskmate.db import get_engine, make_session_factory
from deskmate.errors import DeskmateError
from deskmate.privacy.api import router as privacy_router
from deskmate.settings import Settings, get_settings
from experts.api import router as experts_router
from knowledge.api import router as knowledge_router
from knowledge.insight_api import router as knowledge_insight_router
from knowledge.retrieval import LanguageRouter
from knowledge.tasks import publish_due_forever
from ticketing.api import router as tickets_router
from ticketing.customers.api import router as customers_router
from ticketing.routing.api import router as routing_router
from ticketing.sla.api import router as sla_router
from ticketing.webhooks.api import router as webhooks_router
from ticketing.workflows.api import router as workflows_router

logger = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "web" / "static"
MAX_BODY_BYTES = 1_000_000
HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "not_permitted",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def _error(status: int, code: str, detail: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "detail": detail})


def _validation_detail(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return 400, "invalid_json", "The request body is not valid JSON."
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {err.get('msg', 'invalid')}")
    return 422, "validation_error", "; ".join(parts)


def create_app(
    settings: Settings | None = None,
    *,
    assistant: Assistant | None = None,
    retriever: LanguageRouter | None = None,
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Load the embedding model and the index before taking traffic, not on the first query.
        app.state.retriever.warm_up()
        scheduler = None
        if settings.kb_schedule_interval > 0:
            # Scheduled publishing runs in the app until a worker process takes it over.
            scheduler = asyncio.create_task(
                publish_due_forever(
                    app.state.session_factory,
                    router=app.state.retriever,
                    interval=settings.kb_schedule_interval,
                )
            )
        surveys = None
        if settings.csat_survey_interval > 0:
            surveys = asyncio.create_task(
                send_due_forever(
                    app.state.session_factory,
                    assistant=app.state.assistant,
                    interval=settings.csat_survey_interval,
                )
            )
        yield
        if scheduler is not None:
            scheduler.cancel()
        if surveys is not None:
            surveys.cancel()

    app = FastAPI(
        title="Deskmate",
        version=__version__,
        description="Conversational service desk: chat gateway, knowledge base and tickets.",
        lifespan=lifespan,
    )
    engine = get_engine(settings.resolved_database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.assistant = assistant or RasaRestAssistant(
        settings.resolved_rasa_url, timeout=settings.rasa_timeout
    )
    app.state.retriever = retriever or LanguageRouter.from_settings(settings)
    app.state.rate_limiter = RedisRateLimiter(settings.redis_url) if settings.redis_url else None

    @app.exception_handler(DeskmateError)
    async def _deskmate_error(_request: Request, exc: DeskmateError) -> JSONResponse:
        return _error(exc.status_code, exc.code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(*_validation_detail(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, HTTP_CODES.get(exc.status_code, "error"), str(exc.detail))

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)

    # Routers are tried in this order and each tries its routes one by one: the ticket API,
    # the busiest, first. No two routers share a path, so the order changes nothing else.
    app.include_router(tickets_router)
    app.include_router(chat_router)
    app.include_router(handoff_router)
    app.include_router(knowledge_router)
    app.include_router(knowledge_insight_router)
    app.include_router(auth_router)
    app.include_router(experts_router)
    app.include_router(workflows_router)
    app.include_router(routing_router)
    app.include_router(sla_router)
    app.include_router(webhooks_router)
    app.include_router(customers_router)
    app.include_router(audit_router)
    app.include_router(privacy_router)
    install_request_ids(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:  # async: nothing here blocks, no worker thread
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        checks = {
            "database": _database_ok(app),
            "index": app.state.retriever.ready,
            "rasa": app.state.assistant.is_ready(),
            "actions": _actions_ok(settings),
        }
        ready = all(checks.values())
        return JSONResponse(
            status_code=200 if ready else 503,
            content={"status": "ready" if ready else "not_ready", "checks": checks},
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def chat_page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    return app


# The cyclic collector's first generation runs after this many more container objects were
# allocated than freed (CPython's default is 700). A ticket create holds a few thousand at once
# (ORM states, rows, audit snapshots), so at 700 the collector ran almost once per create and,
# with its older generations, took about 0.7 ms of a create's CPU; at 10,000 about 0.2 ms (bench
# api, in process). Garbage in cycles lives a little longer: memory, not correctness.
GC_FIRST_GENERATION = 10_000


def settle_for_serving() -> None:
    """Once the app is built, before it serves: what importing and building made lives as long
    as the process, so it leaves the collector's generations (later collections do not walk it
    again), and the collector runs less often (GC_FIRST_GENERATION)."""
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(GC_FIRST_GENERATION, second, third)


def _database_ok(app: FastAPI) -> bool:
    try:
        with app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # readiness reports any failure as "not ready"
        logger.warning("database not reachable", exc_info=True)
        return False


def _actions_ok(settings: Settings) -> bool:
    try:
        response = httpx.get(f"{settings.resolved_actions_url}/health", timeout=2.0)
        return response.status_code == 200
    except httpx.HTTPError:
        return False
