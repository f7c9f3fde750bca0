"""A real S3Proxy for the object-store tests, and the settings that point the vault at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from pydantic import SecretStr

from services.stack.s3proxy import S3ProxyServer, fetch_s3proxy_jars
from support.ports import free_port
from support.stack import JAR_CACHE

BUCKET = "openecf-documents"


@contextmanager
def running_s3proxy(folder: Path) -> Iterator[S3ProxyServer]:
    server = S3ProxyServer(
        data_dir=folder / "s3proxy",
        jars_dir=fetch_s3proxy_jars(JAR_CACHE),
        port=free_port(),
        log_file=folder / "s3proxy.log",
    )
    server.start()
    try:
        raw_client(server).create_bucket(Bucket=BUCKET)
        yield server
    finally:
        server.stop()


def s3_settings(server: S3ProxyServer, *, store: str = "s3") -> dict[str, Any]:
    """Settings updates (``model_copy``) for a vault on ``server``."""
    return {
        "document_store": store,
        "s3_bucket": BUCKET,
        "s3_endpoint_url": server.endpoint,
        "s3_access_key_id": server.access_key,
        "s3_secret_access_key": SecretStr(server.secret_key),
    }


def s3_env(server: S3ProxyServer) -> dict[str, str]:
    return {
        "OPENECF_S3_BUCKET": BUCKET,
        "OPENECF_S3_ENDPOINT_URL": server.endpoint,
        "OPENECF_S3_ACCESS_KEY_ID": server.access_key,
        "OPENECF_S3_SECRET_ACCESS_KEY": server.secret_key,
    }


def raw_client(server: S3ProxyServer) -> Any:
    """A plain boto3 client, for looking at (and damaging) objects behind the vault's back."""
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        config=Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
        ),
    )
