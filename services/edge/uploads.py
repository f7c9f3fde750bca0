"""Reading a multipart filing upload as it streams in, enforcing the limits while reading.

The request's total size is limited before this (limits.py); a part over its limit is
refused as soon as it crosses it — the rest is never read
into memory — and each part is kept once, then sent to the filing service in chunks from that
one copy (``sent_documents``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Any, TypeVar

from court.v1 import filing_pb2
from fastapi import Request
from pydantic import BaseModel, ValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from services.common.errors import CourtError
from services.common.settings import get_settings
from services.edge.limits import BadInput, parse_json

METADATA_MAX_BYTES = 64 * 1024
MAX_BOUNDARY = 70
FILE_PARTS = ("lead", "attachments")


@dataclass
class UploadedFile:
    part: str  # lead | attachments
    filename: str
    content: bytearray = field(default_factory=bytearray)


@dataclass
class FilingUpload:
    metadata: dict[str, Any]
    files: list[UploadedFile]


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    max_total_bytes: int
    max_files: int


def _too_large(message: str) -> CourtError:
    return CourtError("too_large", message)


def _invalid(message: str) -> CourtError:
    return CourtError("validation_failed", message)


class _Collector:
    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.metadata = bytearray()
        self.files: list[UploadedFile] = []
        self.total = 0
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, str] = {}
        self._target: bytearray | None = None
        self._limit = 0

    def on_part_begin(self) -> None:
        self._headers = {}
        self._target = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        try:  # a browser sends a part's file name as UTF-8; anything else is not a name
            value = self._header_value.decode("utf-8")
        except UnicodeDecodeError:
            raise _invalid("a part's headers (its file name) are not UTF-8") from None
        self._headers[self._header_field.decode("latin-1").lower()] = value
        self._header_field.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        disposition = Message()
        disposition["content-disposition"] = self._headers.get("content-disposition", "")
        name = disposition.get_param("name", header="content-disposition")
        filename = disposition.get_param("filename", header="content-disposition")
        if name == "metadata":
            self._target, self._limit = self.metadata, METADATA_MAX_BYTES
            return
        if name not in FILE_PARTS:
            raise _invalid(
                f"unexpected part {str(name)[:40]!r}: send metadata, lead and attachments"
            )
        if len(self.files) >= self.limits.max_files:
            raise _invalid(f"at most {self.limits.max_files} documents in one filing")
        filename = collapse_rfc2231_value(filename) if filename else "document.pdf"
        # Browsers escape a quote in a file name (%22); a bare one is a header cut short, e.g.
        # by a line break inside the name.
        if '"' in filename:
            raise _invalid(f"the file name {filename[:40]!r} is not closed by its quote")
        upload = UploadedFile(part=str(name), filename=filename[:255])
        self.files.append(upload)
        self._target, self._limit = upload.content, self.limits.max_file_bytes

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        assert self._target is not None
        size = end - start
        self.total += size
        if len(self._target) + size > self._limit:
            if self._target is self.metadata:
                raise _invalid("the metadata part is too large")
            mb = self.limits.max_file_bytes // 2**20
            raise _too_large(f"{self.files[-1].filename} is over the {mb} MB limit for one file")
        if self.total > self.limits.max_total_bytes:
            mb = self.limits.max_total_bytes // 2**20
            raise _too_large(f"the filing is over the {mb} MB limit")
        self._target += data[start:end]

    def callbacks(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in (
                "on_part_begin",
                "on_header_field",
                "on_header_value",
                "on_header_end",
                "on_headers_finished",
                "on_part_data",
            )
        }


async def read_filing_upload(request: Request, limits: UploadLimits) -> FilingUpload:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise _invalid(
            "send the filing as multipart/form-data (parts: metadata, lead, attachments)"
        )
    boundary = params[b"boundary"]
    if not 1 <= len(boundary) <= MAX_BOUNDARY:  # RFC 2046: at most 70 characters
        raise _invalid(f"the multipart boundary must be 1 to {MAX_BOUNDARY} characters")
    collector = _Collector(limits)
    parser = MultipartParser(boundary, callbacks=collector.callbacks())  # type: ignore[arg-type]
    async for chunk in request.stream():
        parser.write(chunk)
    parser.finalize()
    if not collector.metadata:
        raise _invalid("the metadata part (JSON) is missing")
    try:
        metadata = parse_json(bytes(collector.metadata), what="the metadata part")
    except BadInput as refusal:
        raise CourtError(refusal.code, refusal.message) from None
    if not isinstance(metadata, dict):
        raise _invalid("the metadata part must be a JSON object")
    return FilingUpload(metadata=metadata, files=collector.files)


def sent_documents(
    files: list[UploadedFile],
) -> Iterator[tuple[filing_pb2.DocumentRole.ValueType, str, bytearray]]:
    """Each uploaded part as (role, filename, content) for ``filing_stream``; a part's buffer
    is released once its chunks are sent, so the edge holds each document once, and only until
    it has gone (memory per filing in flight: bench/filing_memory.py)."""
    for f in files:
        role = (
            filing_pb2.DOCUMENT_ROLE_LEAD
            if f.part == "lead"
            else filing_pb2.DOCUMENT_ROLE_ATTACHMENT
        )
        yield role, f.filename, f.content
        f.content.clear()


Body = TypeVar("Body", bound=BaseModel)


def upload_limits() -> UploadLimits:
    """The court's limits on one filing's files (the settings ``filing_max_*``)."""
    settings = get_settings()
    return UploadLimits(
        max_file_bytes=settings.filing_max_file_mb * 2**20,
        max_total_bytes=settings.filing_max_total_mb * 2**20,
        max_files=settings.filing_max_attachments + 1,
    )


async def read_upload(request: Request, model: type[Body]) -> tuple[Body, FilingUpload]:
    """A filing's multipart body within the limits, its `metadata` part validated as ``model``;
    a malformed body or metadata is `validation_failed` naming the field."""
    try:
        upload = await read_filing_upload(request, upload_limits())
    except (MultipartParseError, ValueError):
        raise CourtError("validation_failed", "the multipart body is malformed") from None
    try:
        body = model.model_validate(upload.metadata)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CourtError(
            "validation_failed", f"metadata.{where}: {first['msg']}", details={"field": where}
        ) from None
    return body, upload
