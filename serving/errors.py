"""OpenAI-style errors: ``{"error": {"message", "type", "param", "code"}}`` with the right 4xx, for every failure.

The ``openai`` client turns these into its typed exceptions (``BadRequestError``, ``NotFoundError``, ...), so a
caller sees the same errors it would from OpenAI. FastAPI's own 422 for a malformed body becomes a 400, as OpenAI
answers.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from tracewheel.serving.engine import ContextTooLong, EngineClosed, EngineError, UnknownAdapter
from tracewheel.serving.protocol import ErrorInfo, ErrorResponse

logger = logging.getLogger(__name__)

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "server_error",
    503: "server_error",
}


class APIError(Exception):
    """A request the server refuses; raised anywhere in a route, answered by ``install_handlers``."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, param: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param

    def info(self) -> ErrorInfo:
        return ErrorInfo(
            message=self.message,
            type=_TYPES.get(self.status, "server_error"),
            param=self.param,
            code=self.code,
        )

    def body(self) -> dict[str, Any]:
        return ErrorResponse(error=self.info()).model_dump()


def not_found(model: str) -> APIError:
    return APIError(404, f"The model `{model}` does not exist.", code="model_not_found", param="model")


def from_engine(exc: EngineError) -> APIError:
    if isinstance(exc, UnknownAdapter):
        return APIError(404, str(exc), code=exc.code, param="model")
    if isinstance(exc, EngineClosed):
        return APIError(503, str(exc), code=exc.code)
    param = "messages" if isinstance(exc, ContextTooLong) else None
    return APIError(400, str(exc), code=exc.code, param=param)


def _param(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or None


def validation_error(errors: list[Any]) -> APIError:
    """The first of pydantic's errors as one OpenAI error (a malformed JSON body included)."""
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return APIError(400, "We could not parse the JSON body of your request.", code="invalid_json")
    param = _param(tuple(first.get("loc", ())))
    message = first.get("msg", "invalid request")
    return APIError(400, f"{param}: {message}" if param else message, code="invalid_value", param=param)


def install_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, APIError)
        return JSONResponse(exc.body(), status_code=exc.status)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        error = validation_error(list(exc.errors()))
        return JSONResponse(error.body(), status_code=error.status)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        error = APIError(exc.status_code, str(exc.detail))
        return JSONResponse(error.body(), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("request failed", exc_info=exc)
        error = APIError(500, "internal error; the server logged it")
        return JSONResponse(error.body(), status_code=500)

    app.add_exception_handler(APIError, api_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
