"""Moving existing document content from PostgreSQL to the object store, verified, resumable.

One content at a time, under its row lock: its chunks are read and hashed against the address
(damaged content is reported and left where it is, never copied), the object is written and
read back and hashed again, and only then, in the same transaction, the row says ``s3`` and
the chunks are deleted. Stopped at any point, a second run picks up the contents still in
PostgreSQL; an object written by an interrupted run is simply written again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from psycopg_pool import ConnectionPool

from services.access import store
from services.access.objects import S3ContentStore

log = logging.getLogger(__name__)


@dataclass
class MigrationReport:
    moved: int = 0
    moved_bytes: int = 0
    damaged: list[str] = field(default_factory=list)  # SHA-256s whose chunks do not match


def migrate_to_object_store(
    pool: ConnectionPool,
    objects: S3ContentStore,
    *,
    batch_size: int = 50,
    progress: Callable[[MigrationReport], None] | None = None,
) -> MigrationReport:
    report = MigrationReport()
    after = ""
    while True:
        with pool.connection() as conn:
            batch = store.contents_in_postgres(conn, after=after, limit=batch_size)
        if not batch:
            return report
        for sha256 in batch:
            _move_one(pool, objects, sha256, report)
        after = batch[-1]
        if progress is not None:
            progress(report)


def _move_one(
    pool: ConnectionPool, objects: S3ContentStore, sha256: str, report: MigrationReport
) -> None:
    with pool.connection() as conn, conn.transaction():
        info = store.content_info(conn, sha256, lock=True)
        if info is None or info.location != "postgres":
            return  # moved by another run meanwhile
        chunks = [store.read_chunk(conn, sha256, seq) for seq in range(info.chunk_count)]
        content = b"".join(chunk or b"" for chunk in chunks)
        if None in chunks or hashlib.sha256(content).hexdigest() != sha256:
            log.error(
                "content does not match its SHA-256; left in PostgreSQL", extra={"sha256": sha256}
            )
            report.damaged.append(sha256)
            return
        objects.put(sha256, content)
        if hashlib.sha256(objects.read(sha256)).hexdigest() != sha256:
            raise RuntimeError(f"the object store returned other bytes for {sha256}")
        store.moved_to_object_store(conn, sha256)
    report.moved += 1
    report.moved_bytes += len(content)
