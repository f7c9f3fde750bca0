"""The document vault: content addressed by SHA-256, stored once, chunked, verified on every read.

Storing checks the SHA-256 filing computed against the bytes received. Reading never hands
out a byte before the whole content has been hashed against its address: a document that no
longer matches is refused (``ContentCorrupted``), however it got that way. Small documents are
verified and served from that one read; larger ones are verified in a first pass that keeps
one chunk in memory at a time, then streamed in a second pass that hashes again and stops
before the last chunk if anything changed in between. A slow reader never holds a database
connection: the second pass takes one per chunk. The bytes are in PostgreSQL or in the object
store (``backends``); the checks are the same for both.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Connection
from psycopg.errors import ForeignKeyViolation
from psycopg_pool import ConnectionPool

from services.access import metrics, store
from services.access.backends import ContentBackend, PostgresContent
from services.access.store import ContentInfo
from services.common import court
from services.common.errors import CourtError
from services.common.text import clean

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
# Documents up to this size are verified and served from the same read.
BUFFERED_LIMIT = 8 * CHUNK_BYTES
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ContentCorrupted(Exception):
    """The stored content does not match its SHA-256 (or chunks are missing)."""


@dataclass(frozen=True)
class NewDocument:
    filename: str
    content: bytes
    sha256: str
    pages: int
    case_number: str = ""
    filing_id: str = ""


def validate(document: NewDocument) -> NewDocument:
    """Check a document filing asks us to store; the SHA-256 must be the content's own."""

    def refuse(field: str, message: str) -> CourtError:
        return CourtError("validation_failed", f"{field}: {message}", details={"field": field})

    # The court's one rule for file names (what filing checked; a caller may be another one).
    filename = clean(
        document.filename.replace("\\", "/").rsplit("/", 1)[-1],
        field="filename",
        max_length=court.MAX_FILENAME,
        required=True,
    )
    if not document.content:
        raise refuse("content", "the document is empty")
    sha256 = document.sha256.strip().lower()
    if not _SHA256.match(sha256):
        raise refuse("sha256", "a hex SHA-256 of the content is required")
    if hashlib.sha256(document.content).hexdigest() != sha256:
        raise refuse("sha256", "the content does not match its SHA-256")
    if document.pages < 1:
        raise refuse("pages", "a document has at least one page")
    if len(document.case_number) > 64 or len(document.filing_id) > 64:
        raise refuse("case_number", "too long")
    return NewDocument(
        filename=filename,
        content=document.content,
        sha256=sha256,
        pages=document.pages,
        case_number=document.case_number.strip(),
        filing_id=document.filing_id.strip(),
    )


class Vault:
    def __init__(
        self,
        pool: ConnectionPool,
        *,
        writer: ContentBackend | None = None,
        readers: Sequence[ContentBackend] = (),
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        self._pool = pool
        self._writer = writer or PostgresContent()
        self._readers = {b.location: b for b in (PostgresContent(), *readers, self._writer)}
        self._chunk_bytes = chunk_bytes

    def store(self, document: NewDocument) -> str:
        """Store a validated document; the content once however often it comes."""
        document = validate(document)
        try:
            return self._store(document)
        except ForeignKeyViolation:
            # The orphan sweep removed this content between our look and our reference: the
            # second try writes it anew.
            return self._store(document)

    def discard(self, filing_id: str) -> int:
        """Remove the documents of a filing attempt that never committed (see
        ``store.discard_documents``)."""
        with self._pool.connection() as conn, conn.transaction():
            discarded = store.discard_documents(conn, filing_id.strip()[:64])
        if discarded:
            metrics.DOCUMENTS_DISCARDED.inc(discarded)
            log.info(
                "orphan documents discarded", extra={"filing_id": filing_id, "count": discarded}
            )
        return discarded

    def _store(self, document: NewDocument) -> str:
        with self._pool.connection() as conn, conn.transaction():
            document_id, new = store.insert_document(
                conn,
                sha256=document.sha256,
                filename=document.filename,
                pages=document.pages,
                size_bytes=len(document.content),
                case_number=document.case_number,
                filing_id=document.filing_id,
                chunk_bytes=self._chunk_bytes,
                location=self._writer.location,
            )
            if new:  # a failed write rolls the rows back: nothing half-stored
                self._writer.write(
                    conn,
                    sha256=document.sha256,
                    content=document.content,
                    chunk_bytes=self._chunk_bytes,
                )
        metrics.DOCUMENTS_STORED.labels(str(not new).lower()).inc()
        log.info(
            "document stored",
            extra={"document_id": document_id, "sha256": document.sha256, "deduplicated": not new},
        )
        return document_id

    def verified_chunks(self, sha256: str) -> Sequence[bytes] | Iterator[bytes]:
        """The content's chunks, after checking all of it against ``sha256``.

        Raises ``ContentCorrupted`` before returning when it does not match; the iterator
        returned for large documents raises it (before the last chunk) if the content changed
        after that check.
        """
        with self._pool.connection() as conn:
            info = store.content_info(conn, sha256)
            if info is None:
                raise ContentCorrupted("the content row is missing")
            try:
                return self._verified(conn, info)
            except ContentCorrupted:
                # `documents migrate-to-s3` may have moved it while we read: read it there.
                moved = store.content_info(conn, sha256)
                if moved is None or moved.location == info.location:
                    raise
                return self._verified(conn, moved)

    def _verified(
        self, conn: Connection[Any], info: ContentInfo
    ) -> Sequence[bytes] | Iterator[bytes]:
        if info.size_bytes <= BUFFERED_LIMIT:
            chunks = [self._chunk(conn, info, seq) for seq in range(info.chunk_count)]
            _check_digest(hashlib.sha256(b"".join(chunks)).hexdigest(), info)
            return chunks
        digest = hashlib.sha256()
        for seq in range(info.chunk_count):
            digest.update(self._chunk(conn, info, seq))
        _check_digest(digest.hexdigest(), info)
        return self._stream(info)

    def _stream(self, info: ContentInfo) -> Iterator[bytes]:
        digest = hashlib.sha256()
        for seq in range(info.chunk_count):
            with self._pool.connection() as conn:
                try:
                    chunk = self._chunk(conn, info, seq)
                except ContentCorrupted:
                    # Moved to the object store since the first pass: the same bytes are there
                    # (the move verified them), and the digest below still checks them.
                    moved = store.content_info(conn, info.sha256)
                    if moved is None or moved.location == info.location:
                        raise
                    info = moved
                    chunk = self._chunk(conn, info, seq)
            digest.update(chunk)
            if seq == info.chunk_count - 1:
                _check_digest(digest.hexdigest(), info)
            yield chunk

    def _chunk(self, conn: Connection[Any], info: ContentInfo, seq: int) -> bytes:
        backend = self._readers.get(info.location)
        if backend is None:
            raise CourtError(
                "unavailable",
                f"this document is kept in {info.location}, which this service cannot reach",
            )
        chunk = backend.read_chunk(conn, info, seq)
        last = seq == info.chunk_count - 1
        expected = info.size_bytes - seq * info.chunk_bytes if last else info.chunk_bytes
        if chunk is None:
            raise ContentCorrupted(f"chunk {seq} is missing")
        if len(chunk) != expected:
            raise ContentCorrupted(f"chunk {seq} is {len(chunk)} bytes, not {expected}")
        return chunk


def _check_digest(actual: str, info: ContentInfo) -> None:
    if actual != info.sha256:
        raise ContentCorrupted(f"content hashes to {actual}")
