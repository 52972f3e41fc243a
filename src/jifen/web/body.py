"""Reading a request body once, within the size limit, so that every later reader gets the same bytes; and a
multipart upload read that way."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from jifen.errors import JifenError, PayloadTooLarge, UnsupportedEncoding


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past ``limit`` bytes (declared or streamed), and with 415 when compressed (a
    Content-Encoding other than identity); cached on the request."""
    cached = getattr(request, "_body", None)
    if cached is not None:
        return bytes(cached)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise UnsupportedEncoding(f"Content-Encoding {encoding} is not supported: send the body uncompressed")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body of {int(declared)} bytes is over the limit of {limit} bytes")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limit:
                raise PayloadTooLarge(f"body is over the limit of {limit} bytes")
    except ClientDisconnect:  # nobody is left to answer; said as an error of the request, not of the server
        raise JifenError(f"the client closed the connection after {len(body)} bytes of the body") from None
    request._body = bytes(body)  # what Request.body() caches; Request.stream() replays it
    return request._body


@dataclass(frozen=True)
class Upload:
    """A multipart/form-data body read within the size limit: its text fields and its ``file`` field."""

    fields: dict[str, str]
    data: bytes | None  # None: no file field
    filename: str


class UnreadableForm(Exception):
    """A body declared multipart/form-data that the form parser cannot read; ``detail`` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


async def read_upload(request: Request, limit: int, *, max_fields: int = 20) -> Upload:
    """The form's text fields and its file, the body read once within ``limit`` bytes (413 past it)."""
    await read_body(request, limit)  # the form parser then reads the same bytes again
    try:
        async with request.form(max_files=1, max_fields=max_fields) as form:
            fields = {key: value for key, value in form.items() if isinstance(value, str)}
            upload = form.get("file")
            if isinstance(upload, UploadFile):
                return Upload(fields, await upload.read(), upload.filename or "upload.xlsx")
            return Upload(fields, None, "")
    except HTTPException as exc:  # the form parser's own answer to a body that is not multipart as declared
        raise UnreadableForm(str(exc.detail)) from None
