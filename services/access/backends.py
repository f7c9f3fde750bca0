"""Where the vault keeps content bytes: PostgreSQL chunks, or objects in an S3-compatible store.

A backend writes a new content (inside the transaction that records it, so a failed write
leaves no row behind) and reads one chunk of it; the vault hashes what it reads, whatever
the backend. Which backend a content is in is recorded per content (``contents.location``).
"""

from __future__ import annotations

from typing import Any, Protocol

from psycopg import Connection

from services.access import store
from services.access.objects import ObjectMissing, ObjectStoreUnavailable, S3ContentStore
from services.access.store import ContentInfo
from services.common.errors import CourtError
from services.common.settings import Settings


class ContentBackend(Protocol):
    location: str

    def write(
        self, conn: Connection[Any], *, sha256: str, content: bytes, chunk_bytes: int
    ) -> None: ...

    def read_chunk(self, conn: Connection[Any], info: ContentInfo, seq: int) -> bytes | None: ...


class PostgresContent:
    """1 MiB ``bytea`` rows in ``content_chunks``: the embedded default (`make run`)."""

    location = "postgres"

    def write(
        self, conn: Connection[Any], *, sha256: str, content: bytes, chunk_bytes: int
    ) -> None:
        store.insert_chunks(conn, sha256=sha256, content=content, chunk_bytes=chunk_bytes)

    def read_chunk(self, conn: Connection[Any], info: ContentInfo, seq: int) -> bytes | None:
        return store.read_chunk(conn, info.sha256, seq)


class ObjectStoreContent:
    """One object per content in the object store; a chunk is a ranged GET."""

    location = "s3"

    def __init__(self, objects: S3ContentStore) -> None:
        self.objects = objects

    def write(
        self, conn: Connection[Any], *, sha256: str, content: bytes, chunk_bytes: int
    ) -> None:
        try:
            self.objects.put(sha256, content)
        except ObjectStoreUnavailable as exc:
            raise _unreachable("nothing was stored") from exc

    def read_chunk(self, conn: Connection[Any], info: ContentInfo, seq: int) -> bytes | None:
        start = seq * info.chunk_bytes
        end = min(start + info.chunk_bytes, info.size_bytes) - 1
        try:
            return self.objects.read(info.sha256, start, end)
        except ObjectMissing:
            return None  # the vault reports it as corrupted content
        except ObjectStoreUnavailable as exc:
            raise _unreachable("try again") from exc


def _unreachable(outcome: str) -> CourtError:
    return CourtError("unavailable", f"the document object store is not reachable; {outcome}")


def backends_from_settings(settings: Settings) -> tuple[ContentBackend, list[ContentBackend]]:
    """The backend new content goes to, and every backend this process can read from."""
    postgres = PostgresContent()
    if not settings.s3_bucket:
        return postgres, [postgres]
    objects = ObjectStoreContent(S3ContentStore.from_settings(settings))
    writer: ContentBackend = objects if settings.document_store == "s3" else postgres
    return writer, [postgres, objects]
