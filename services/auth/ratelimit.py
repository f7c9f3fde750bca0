"""Per-key counters over a sliding window, for the requests that send mail.

Keys (an address, a client) are stored as SHA-256, so the table holds no address or IP.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection

from services.common.errors import CourtError


def key_hash(key: str) -> bytes:
    return hashlib.sha256(key.strip().lower().encode("utf-8", "replace")).digest()


def spend(
    conn: Connection[Any],
    *,
    bucket: str,
    key: str,
    limit: int,
    window: timedelta,
    now: datetime,
) -> None:
    """Count one request for ``key``; refuse with 429 ``rate_limited`` once over ``limit``."""
    digest = key_hash(key)
    # Serialise counting per key, so parallel requests cannot all slip under the limit.
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [digest.hex()])
    conn.execute(
        "DELETE FROM mail_requests WHERE bucket = %s AND key_sha256 = %s AND at <= %s",
        [bucket, digest, now - window],
    )
    row = conn.execute(
        "SELECT count(*), min(at) FROM mail_requests WHERE bucket = %s AND key_sha256 = %s",
        [bucket, digest],
    ).fetchone()
    count, oldest = (row[0], row[1]) if row else (0, None)
    if count >= limit:
        retry = int(((oldest + window) - now).total_seconds()) + 1 if oldest else 60
        raise CourtError(
            "rate_limited",
            "too many requests of this kind; try again later",
            retry_after_seconds=max(retry, 1),
        )
    conn.execute(
        "INSERT INTO mail_requests (bucket, key_sha256, at) VALUES (%s, %s, %s)",
        [bucket, digest, now],
    )
