"""The FastAPI application of ``carenet serve``: one router per domain, errors as JSON with a clear ``detail``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from carenet.service.access.routes import router as access_router
from carenet.service.aggregates.routes import router as aggregates_router
from carenet.service.api import Services
from carenet.service.audit.routes import router as audit_router
from carenet.service.auth.routes import router as auth_router
from carenet.service.booking.routes import router as booking_router
from carenet.service.careplans.routes import router as careplans_router
from carenet.service.careteam.routes import router as careteam_router
from carenet.service.fhir.outcome import outcome_response
from carenet.service.fhir.routes import router as fhir_router
from carenet.service.panels.routes import router as panels_router
from carenet.service.record.routes import router as record_router
from carenet.service.referrals.routes import router as referrals_router
from carenet.service.socialrx.routes import router as socialrx_router
from carenet.service.tasks.routes import router as tasks_router
from carenet.service.threads.routes import router as threads_router
from carenet.service.web import install as install_screens
from carenet.service.web import is_screen
from carenet.service.web.pages import error_page
from carenet.service.worklists.routes import router as worklists_router

TITLE = "carenet service"
THREADS_WITHOUT_CONNECTION = 40
"""Route threads beyond one per store connection, for work that holds none (anyio's own default)."""


def _route_threads(services: Services, close_store: bool = False):
    """Size the route threads so that every request holding a store connection can always get one (and close
    the store when the application stops, if ``close_store``).

    A synchronous route, and the checking of its answer, run on anyio's default threads; its transaction
    commits only after both. A request waiting in the database for another request's uncommitted booking holds
    a thread meanwhile; were every thread so held, the request it waits for could not finish its answer, and
    neither would ever commit. With a thread for every connection the pool can lend, it always can.
    """
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens,
                                   services.store.max_connections + THREADS_WITHOUT_CONNECTION)
        try:
            yield
        finally:
            if close_store:
                services.store.close()

    return lifespan


def _fhir(request: Request) -> bool:
    return request.url.path == "/fhir" or request.url.path.startswith("/fhir/")


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    if _fhir(request):
        return outcome_response(400, "; ".join(problems))
    if is_screen(request):
        return error_page(request, HTTPException(422, "; ".join(problems)))
    return JSONResponse({"detail": "; ".join(problems)}, status_code=422)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """Errors of the FHIR API as OperationOutcome, of the screens as pages; the others as FastAPI answers them."""
    if _fhir(request):
        return outcome_response(exc.status_code, exc.detail, getattr(exc, "issues", None), exc.headers)
    if is_screen(request):
        return error_page(request, exc)
    return await http_exception_handler(request, exc)


def _data_error(_request: Request, exc: DataError) -> JSONResponse:
    """A value the database cannot hold (e.g. a NUL character in text on PostgreSQL): the request is rolled back."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "a value the database cannot hold"
    return JSONResponse({"detail": f"the request holds a value the store cannot keep: {reason}"}, status_code=422)


def create_app(services: Services, *, close_store: bool = False) -> FastAPI:
    """The service over ``services`` (store, settings, password hasher, clock); ``close_store``: the application
    owns the store and closes it when it stops (a worker process of ``carenet serve --workers``)."""
    app = FastAPI(title=TITLE, version="1", description="A shared record, triage and booking for a network of "
                  "practices, on the same engines as carenet's digital twin.",
                  lifespan=_route_threads(services, close_store))
    app.state.services = services
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    for router in (auth_router, record_router, access_router, audit_router, booking_router, careteam_router,
                   careplans_router, threads_router, referrals_router, tasks_router, socialrx_router,
                   worklists_router, panels_router, aggregates_router, fhir_router):
        app.include_router(router)
    install_screens(app)

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Whether the service is up, and which database it runs on."""
        return {"status": "ok", "database": services.store.dialect}

    return app


__all__ = ["TITLE", "create_app"]
