"""The FastAPI application of ``carenet serve``: one router per domain, errors as JSON with a clear ``detail``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from carenet.service.access.routes import router as access_router
from carenet.service.api import Services
from carenet.service.audit.routes import router as audit_router
from carenet.service.auth.routes import router as auth_router
from carenet.service.booking.routes import router as booking_router
from carenet.service.careplans.routes import router as careplans_router
from carenet.service.careteam.routes import router as careteam_router
from carenet.service.record.routes import router as record_router
from carenet.service.referrals.routes import router as referrals_router
from carenet.service.socialrx.routes import router as socialrx_router
from carenet.service.tasks.routes import router as tasks_router
from carenet.service.threads.routes import router as threads_router

TITLE = "carenet service"


def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return JSONResponse({"detail": "; ".join(problems)}, status_code=422)


def _data_error(_request: Request, exc: DataError) -> JSONResponse:
    """A value the database cannot hold (e.g. a NUL character in text on PostgreSQL): the request is rolled back."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "a value the database cannot hold"
    return JSONResponse({"detail": f"the request holds a value the store cannot keep: {reason}"}, status_code=422)


def create_app(services: Services) -> FastAPI:
    """The service over ``services`` (store, settings, password hasher, clock)."""
    app = FastAPI(title=TITLE, version="1", description="A shared record, triage and booking for a network of "
                  "practices, on the same engines as carenet's digital twin.")
    app.state.services = services
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DataError, _data_error)
    for router in (auth_router, record_router, access_router, audit_router, booking_router, careteam_router,
                   careplans_router, threads_router, referrals_router, tasks_router, socialrx_router):
        app.include_router(router)

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Whether the service is up, and which database it runs on."""
        return {"status": "ok", "database": services.store.dialect}

    return app


__all__ = ["TITLE", "create_app"]
