"""Document content in an S3-compatible object store, through boto3.

Objects are addressed by the content's SHA-256 (``<prefix><first two hex>/<sha256>``), so a
content is written once however often it is filed and an interrupted upload is simply redone.
Every upload carries Content-MD5, so the store refuses bytes damaged on the way; the vault
re-hashes every read against the address. Server-side encryption is optional (AES256 or
aws:kms). Any failure to reach the store is ``ObjectStoreUnavailable``, never a half-write:
the vault records a content's metadata only after its object is in place.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.common.settings import Settings

MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


class ObjectStoreUnavailable(Exception):
    """The object store did not answer, or refused the request."""


class ObjectMissing(Exception):
    """The object store answered, and has no object at this address."""


class S3ContentStore:
    location = "s3"

    def __init__(
        self, client: Any, *, bucket: str, prefix: str = "", sse: str = "", kms_key_id: str = ""
    ) -> None:
        self._client = client
        self.bucket = bucket
        self._prefix = prefix
        self._sse = sse
        self._kms_key_id = kms_key_id

    @classmethod
    def from_settings(cls, settings: Settings) -> S3ContentStore:
        config = Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            # Content-MD5 is the integrity check on upload; the newer flexible checksums are
            # not implemented by every S3-compatible store.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"},
        )
        secret = settings.s3_secret_access_key.get_secret_value()
        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            # Empty: boto3's own chain (a pod's web identity, instance profile, …).
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=secret or None,
            verify=settings.s3_ca_file or None,
            config=config,
        )
        return cls(
            client,
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            sse=settings.s3_sse,
            kms_key_id=settings.s3_sse_kms_key_id,
        )

    def key(self, sha256: str) -> str:
        return f"{self._prefix}{sha256[:2]}/{sha256}"

    def put(self, sha256: str, content: bytes) -> None:
        extra: dict[str, str] = {}
        if self._sse:
            extra["ServerSideEncryption"] = self._sse
            if self._kms_key_id:
                extra["SSEKMSKeyId"] = self._kms_key_id
        md5 = base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()
        self._call(
            "put_object",
            Bucket=self.bucket,
            Key=self.key(sha256),
            Body=content,
            ContentMD5=md5,
            ContentType="application/pdf",
            Metadata={"sha256": sha256},
            **extra,
        )

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``start`` … ``end`` (inclusive; None: to the end) of the object."""
        byte_range = f"bytes={start}-{'' if end is None else end}"
        reply = self._call("get_object", Bucket=self.bucket, Key=self.key(sha256), Range=byte_range)
        try:
            return bytes(reply["Body"].read())
        except (BotoCoreError, OSError) as exc:
            raise ObjectStoreUnavailable(f"reading {self.key(sha256)}: {exc}") from exc

    def exists(self, sha256: str) -> bool:
        try:
            self._call("head_object", Bucket=self.bucket, Key=self.key(sha256))
        except ObjectMissing:
            return False
        return True

    def _call(self, operation: str, **arguments: Any) -> Any:
        try:
            return getattr(self._client, operation)(**arguments)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in MISSING_CODES:
                raise ObjectMissing(arguments.get("Key", "")) from exc
            raise ObjectStoreUnavailable(f"{operation} refused: {code or exc}") from exc
        except BotoCoreError as exc:
            raise ObjectStoreUnavailable(f"{operation} failed: {exc}") from exc
