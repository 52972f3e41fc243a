"""What the API document (/api/v1/openapi.json) says of the app API: the request and answer shapes, the errors in
the one error shape, and the two ways an app authenticates.

The app endpoints read their bodies themselves (lax at the edge, each item judged on its own: jifen.ingest.inbound),
so FastAPI cannot infer these shapes from the route functions; the models below describe them and nothing else
reads them.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from jifen.access.signing import KEY_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, canonical

STATUSES = Literal["qualified", "not_qualified", "pending", "rejected", "duplicate", "conflict"]


class OperationItem(BaseModel):
    """One report: what a teacher (or a school) did in the app. No other fields: anything else goes in attributes
    (an item with another field is rejected, naming it). An item that breaks a constraint is answered rejected,
    with the reason, on its own: the request's other items are judged as usual."""

    model_config = ConfigDict(extra="forbid")

    id: str | int = Field(min_length=1, max_length=128, description="the app's own id of the report, 1-128 "
                          "characters (a whole number is taken as its digits): the same id twice is one report")
    action: str = Field(min_length=1, description="the action code of the app's catalog (GET /api/v1/catalog), "
                                                  "e.g. teaching.session")
    occurred_at: str = Field(description="when it happened, ISO 8601 with an offset, e.g. 2026-09-03T10:00:00+08:00")
    teacher_id: str | int | None = Field(None, max_length=64, description="the platform's teacher id; required for "
                                                                         "teacher indicators")
    school_id: str | int | None = Field(None, max_length=64, description="the roster's school code; required for "
                                                                        "school indicators")
    duration_s: float | None = Field(None, ge=0, le=86400, description="seconds, for sessions (0 to 86400)")
    attributes: dict[str, Any] | None = Field(default_factory=dict, description="every other field the action's "
                                                                                "conditions read, e.g. content_sha256")


class OperationsRequest(BaseModel):
    """Our envelope."""

    operations: list[OperationItem] = Field(description="the reports, judged in this order")
    batch_id: str | int | None = Field(None, min_length=1, max_length=128, description="optional, 1-128 characters "
                                       "(per app): a repeated batch id with the same items gets the first answer "
                                       "again; a whole number is taken as its digits")


class ProvincialRequest(BaseModel):
    """The provincial platforms' 数据上报 envelope."""

    count: int | str = Field(description="the number of items in dataContent (a number, or its digits); must match")
    dataContent: list[OperationItem] = Field(description="the reports, judged in this order")  # noqa: N815
    seqNO: str | int | None = Field(None, min_length=1, max_length=128,  # noqa: N815
                                    description="the batch id (see batch_id)")


class ItemAnswer(BaseModel):
    id: str | None = Field(description="the item's id (null when it had no usable one)")
    status: STATUSES
    indicator: str | None = Field(description="the indicator the action scores, when known")
    reason: str | None = Field(description="why it did not qualify, or what is wrong with it")


class OperationsAnswer(BaseModel):
    """One answer per item, in the order sent; every item is stored or refused on its own."""

    results: list[ItemAnswer]
    batch_id: str | None = Field(None, description="the batch id, when the request carried one")


class StoredOperation(BaseModel):
    id: str
    status: STATUSES
    indicator: str | None
    reason: str | None
    action: str | None
    month: str | None = Field(None, description="the local month the report counts in, YYYY-MM")
    occurred_at: str | None = None
    received_at: str
    withdrawn_at: str | None = Field(description="when the app withdrew it; it then counts nowhere")


class ErrorDetail(BaseModel):
    path: str = Field(description="the field at fault, dotted (empty for the whole body)")
    message: str


class Error(BaseModel):
    status: int
    code: str = Field(description="e.g. invalid, unauthorized, payload_too_large, too_many_requests, conflict")
    message: str
    details: list[ErrorDetail]


class ErrorBody(BaseModel):
    """The one error shape of every answer that is not a success."""

    error: Error


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


APP_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error("no app token or signature, an unknown or revoked one, a timestamp outside ±5 minutes, a nonce "
                "used before"),
    422: _error("the body or a field is not what the endpoint takes, named in the message"),
    429: {**_error("over the app's rate limit; Retry-After says when to try again"),
          "headers": {"Retry-After": {"description": "seconds to wait before trying again",
                                      "schema": {"type": "integer"}}}},
}

SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": OperationsAnswer, "description": "one answer per item"},
    **APP_ERRORS,
    409: _error("the batch id was answered before for other items"),
    413: _error("more items, or a larger body, than the server takes"),
    415: _error("a compressed body (Content-Encoding): send it uncompressed"),
}

SUBMIT_EXTRA: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
        {"$ref": "#/components/schemas/OperationsRequest"}, {"$ref": "#/components/schemas/ProvincialRequest"}]}}}},
}

STORED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": StoredOperation, "description": "the report as stored (or the last rejection of the id, while no "
                                                   "report is stored under it)"},
    **APP_ERRORS,
    404: _error("the app sent no report with this id"),
}

WITHDRAWN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": StoredOperation, "description": "the report as stored, withdrawn (withdrawn_at set)"},
    **APP_ERRORS,
    404: _error("the app stored no report with this id (a rejected one is not stored)"),
}

_SIGNED = (f"Sign a request with a key and secret from `jifen apps credentials APP_CODE`: send {KEY_HEADER}, "
           f"{TIMESTAMP_HEADER} (Unix seconds, within ±300 s of the server's clock), {NONCE_HEADER} (unique, up to "
           f"128 characters, never reused) and {SIGNATURE_HEADER}: the lowercase hex HMAC-SHA256, keyed by the "
           "secret, of the lines METHOD, PATH (with ?query when there is one), TIMESTAMP, NONCE and the hex SHA-256 "
           f"of the body, joined by newlines; e.g. {canonical('POST', '/api/v1/operations', 1790000000, 'n1', b'')!r}.")

SECURITY_SCHEMES: dict[str, Any] = {
    "appToken": {"type": "http", "scheme": "bearer", "description": "The app's API token (`jifen apps add APP_CODE`)."},
    "signedRequest": {"type": "apiKey", "in": "header", "name": KEY_HEADER, "description": _SIGNED},
    "userToken": {"type": "http", "scheme": "bearer",
                  "description": "A user's API token (`jifen users add`); the web pages' session cookie works too, "
                                 "with the X-CSRF-Token header on requests that change something."},
}
# The user endpoints: every answer that is not a success is the one error shape
USER_ERRORS: dict[str, str] = {
    "401": "no user token, or an unknown one",
    "403": "the unit, appeal or report is outside the user's scope (a missing one is answered so too, except to "
           "the region's admins), or the role may not do this",
    "404": "not settled, or not in the settlement (to the region's admins, and for one's own unit)",
    "409": "the state does not allow it: an appeal's step, a version already published or not the latest",
}
_PUBLIC = ("/api/v1/catalog", "/api/v1/operations")  # no user: the catalog is public, the operations are the apps'
_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
APP_SECURITY: list[dict[str, list[str]]] = [{"appToken": []}, {"signedRequest": []}]
DOCUMENTED = (OperationsRequest, ProvincialRequest)  # the request bodies, which no route declares


def install(app: FastAPI) -> None:
    """Make the API document once, with the request bodies and the security schemes in its components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, routes=app.routes,
                                   description=app.description)
            components = document.setdefault("components", {})
            schemas = components.setdefault("schemas", {})
            for model in DOCUMENTED:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
            components["securitySchemes"] = SECURITY_SCHEMES
            _user_endpoints(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _user_endpoints(document: dict[str, Any]) -> None:
    """Every endpoint's 422 in the one error shape (FastAPI documents its own validation shape, which Jifen never
    answers with), and the user endpoints' token and refusals."""
    def answer(description: str) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}

    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if "HTTPValidationError" in str(responses.get("422", "")) or "422" not in responses:
                responses["422"] = answer("a parameter or the body is not what the endpoint takes, named in the "
                                          "message and in details[].path")
            if path.startswith(_PUBLIC):
                continue
            operation.setdefault("security", [{"userToken": []}])
            for code, description in USER_ERRORS.items():
                if code != "409" or method in ("post", "put"):  # a state that forbids a change
                    responses.setdefault(code, answer(description))
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
