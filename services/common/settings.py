"""Settings from the environment (``OPENECF_*``), one object for every process.

Secrets are ``SecretStr`` so they never print in a log line or a repr.
"""

from __future__ import annotations

import re
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.balancing import channel_target

SERVICE_NAMES = ("auth", "filing", "docket", "notify", "access")
PROCESS_NAMES = (*SERVICE_NAMES, "edge")

Port = int
# RFC 9106's low-memory argon2id profile (64 MiB, 3 passes, 4 lanes; argon2-cffi's default) or
# OWASP's minimum (19 MiB, 2 passes, 1 lane: about an eighth of the CPU a hash).
Argon2Profile = Literal["rfc9106-low-memory", "owasp-minimum"]
_HOSTPORT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")


class SettingMissing(RuntimeError):
    """A setting this command needs is empty (its message says how to give it)."""


class Settings(BaseSettings):
    """Every knob of the platform; the README's settings table mirrors this class."""

    model_config = SettingsConfigDict(env_prefix="OPENECF_", extra="ignore", frozen=True)

    # Where the local stack keeps data, logs and mail; made absolute at load (below), so no
    # component depends on the folder it was started from.
    data_dir: Path = Path(".openecf")

    # Real components. Empty means "the local stack starts its own".
    database_url: SecretStr = SecretStr("")
    kafka_bootstrap: str = ""
    database_pool_size: int = Field(default=8, ge=1, le=200)
    # How `openecf migrate --topics` creates the topics (one broker locally, three in production).
    kafka_topic_partitions: int = Field(default=3, ge=1, le=1000)
    kafka_replication_factor: int = Field(default=1, ge=1, le=10)
    # The local stack's own broker (make run): its client and controller ports.
    kafka_port: Port = Field(default=9092, ge=1, le=65535)
    kafka_controller_port: Port = Field(default=9093, ge=1, le=65535)
    # Transport to Kafka: PLAINTEXT (the local broker), SSL, or SASL_SSL with SCRAM; the CA
    # file that signed the brokers' certificates (empty: the system's CAs).
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_ssl_cafile: str = ""
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"
    kafka_username: str = ""
    kafka_password: SecretStr = SecretStr("")

    # Network: gRPC services and the edge. Every default port lies below the kernel's ephemeral
    # range (32768 and up on Linux): a port inside it can be the local end of any outgoing
    # connection on the machine, and then `make run` cannot bind it. The chart names its own.
    bind_host: str = "127.0.0.1"
    auth_addr: str = "127.0.0.1:15051"
    filing_addr: str = "127.0.0.1:15052"
    docket_addr: str = "127.0.0.1:15053"
    notify_addr: str = "127.0.0.1:15054"
    access_addr: str = "127.0.0.1:15055"
    auth_port: Port = Field(default=15051, ge=1, le=65535)
    filing_port: Port = Field(default=15052, ge=1, le=65535)
    docket_port: Port = Field(default=15053, ge=1, le=65535)
    notify_port: Port = Field(default=15054, ge=1, le=65535)
    access_port: Port = Field(default=15055, ge=1, le=65535)
    edge_port: Port = Field(default=8000, ge=1, le=65535)
    # Proxies (comma-separated IPs or CIDRs, or *) whose X-Forwarded-For the edge believes:
    # login throttling and mail limits count per client, so behind an ingress it must be set.
    trusted_proxies: str = "127.0.0.1"
    # /metrics ports: auth, filing, docket, notify, access, edge.
    metrics_port_base: Port = Field(default=9101, ge=1, le=65530)
    grpc_workers: int = Field(default=16, ge=1, le=256)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=300)

    # SMTP: the local sink, or the court's relay.
    smtp_host: str = "127.0.0.1"
    smtp_port: Port = Field(default=1025, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    mail_from: str = "ecf-noreply@court.example"
    # Where people reach the portal: the links in e-mails point here.
    public_base_url: str = "http://127.0.0.1:8000"
    mail_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    mail_max_attempts: int = Field(default=10, ge=1, le=100)
    # NDAs: the court's name in them; how long one waits for its free-look links (access
    # unreachable) before it goes out without them; sender threads (one relay connection each).
    court_name: str = "United States Court of Appeals"
    notice_link_wait_seconds: float = Field(default=900.0, ge=0, le=7 * 24 * 3600)
    notice_sender_threads: int = Field(default=3, ge=1, le=32)

    # Service-to-service identity: a folder with every process's Ed25519 public key
    # (`<name>.pub`) and this process's own private key (`<name>.key`); empty means
    # `<data_dir>/keys`, where the local stack generates them. Tokens live this many seconds.
    service_keys_dir: str = ""
    service_token_seconds: int = Field(default=30, ge=5, le=300)
    # The same keys as settings (a Kubernetes Secret and ConfigMap), which win over the folder:
    # this process's private key (PEM), and `name=<base64 raw key>,…` for every process.
    service_private_key: SecretStr = SecretStr("")
    service_public_keys: str = ""

    # Sessions, login throttling and one-time tokens.
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=12, ge=1, le=24 * 14)
    lockout_threshold: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    login_client_threshold: int = Field(default=100, ge=1, le=1_000_000)
    reset_token_minutes: int = Field(default=30, ge=5, le=24 * 60)
    confirm_token_hours: int = Field(default=48, ge=1, le=24 * 14)
    token_mails_per_address_hour: int = Field(default=3, ge=1, le=1000)
    token_mails_per_client_hour: int = Field(default=20, ge=1, le=100000)
    bar_searches_per_client_minute: int = Field(default=60, ge=1, le=100000)
    totp_issuer: str = "OpenECF"
    # The argon2id profile new password hashes get (services.auth.passwords); a login upgrades
    # a hash made with another. Named, vetted profiles only: never free numbers.
    argon2_profile: Argon2Profile = "rfc9106-low-memory"
    # Keys that seal TOTP secrets at rest (AES-256-GCM): `id:<base64 32-byte key>,…`, the
    # first seals, all open (rotation). Empty: `<data_dir>/totp-keys`, made once (local stack).
    auth_totp_keys: SecretStr = SecretStr("")

    # Where the vault keeps document content: PostgreSQL (the default) or an S3-compatible
    # object store (the metadata stays in PostgreSQL either way). With a bucket set, content
    # already moved to the object store is read from it whatever the write store.
    document_store: str = "postgres"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""  # empty: AWS S3
    s3_region: str = "us-east-1"
    s3_prefix: str = "documents/"
    s3_access_key_id: str = ""  # empty (with the secret): boto3's own credential chain
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_sse: str = ""  # server-side encryption: empty, AES256 or aws:kms
    s3_sse_kms_key_id: str = ""
    s3_ca_file: str = ""  # a private CA for the store's TLS certificate

    # Filing intake.
    filing_max_file_mb: int = Field(default=30, ge=1, le=60)
    # Below the 64 MiB a service takes for one document (services/common/document_stream.py).
    filing_max_total_mb: int = Field(default=60, ge=1, le=60)
    filing_max_attachments: int = Field(default=20, ge=0, le=100)
    # Filing types a clerk reviews before they are docketed (comma-separated).
    filing_review_types: str = "notice_of_appearance"
    pdf_workers: int = Field(default=2, ge=1, le=32)
    # Time one PDF check may take: a base, plus a share per page (pdf_too_complex after it).
    pdf_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    pdf_seconds_per_page: float = Field(default=0.02, ge=0, le=10)
    # All of one filing's documents together, and checks one account may run at once.
    filing_check_budget_seconds: float = Field(default=100.0, gt=0, le=110)
    filing_max_concurrent_checks: int = Field(default=2, ge=1, le=32)
    pdf_memory_mb: int = Field(default=512, ge=64, le=8192)
    # OCR of one scanned document of a paper filing (services/filing/ocr.py): wall-clock
    # seconds and memory (tesseract included); over either, pdf_too_complex.
    filing_ocr_timeout_seconds: float = Field(default=120.0, gt=0, le=600)
    filing_ocr_memory_mb: int = Field(default=1024, ge=256, le=8192)
    # Documents stored for a submit that has not committed this long are reclaimed (it can no
    # longer commit; the client retries); the sweep runs this often in every filing replica.
    filing_orphan_grace_seconds: float = Field(default=600.0, ge=1, le=7 * 24 * 3600)
    filing_orphan_sweep_seconds: float = Field(default=60.0, gt=0, le=3600)

    # The court.
    court_timezone: str = "America/Los_Angeles"
    maintenance_day: int = Field(default=5, ge=0, le=6)  # Monday=0 … Saturday=5
    maintenance_start: time = time(0, 0)
    maintenance_hours: float = Field(default=5.0, gt=0, le=168)
    # Technical failures: how often auth checks that filing works, how long it must fail
    # (outside maintenance) before an outage is proposed, and how many court days after one
    # a receipt still says it was filed "just after" it.
    availability_probe_seconds: float = Field(default=30.0, ge=1, le=3600)
    technical_failure_threshold_minutes: float = Field(default=15.0, gt=0, le=1440)
    technical_failure_grace_days: int = Field(default=1, ge=0, le=14)

    # Consumers and the outbox relay.
    consumer_max_attempts: int = Field(default=5, ge=1, le=100)
    consumer_backoff_seconds: float = Field(default=0.2, gt=0, le=60)
    # The relay is woken by commits (LISTEN); this is how often it looks without a wake-up.
    outbox_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    outbox_batch_size: int = Field(default=100, ge=1, le=10000)

    log_level: str = "INFO"

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("service_keys_dir")
    @classmethod
    def _absolute_or_empty(cls, value: str) -> str:
        return str(Path(value).expanduser().resolve()) if value else ""

    @field_validator("service_public_keys")
    @classmethod
    def _public_keys(cls, value: str) -> str:
        for entry in filter(None, (part.strip() for part in value.split(","))):
            name, equals, encoded = entry.partition("=")
            if not equals or name.strip() not in PROCESS_NAMES or len(encoded.strip()) != 44:
                raise ValueError(f"{entry[:20]!r}: use process=<base64 Ed25519 public key>,…")
        return value

    @field_validator("court_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("auth_addr", "filing_addr", "docket_addr", "notify_addr", "access_addr")
    @classmethod
    def _host_port(cls, value: str) -> str:
        # One host:port (a DNS name lists every replica), or several ip:port for replicas.
        if not all(_HOSTPORT.match(part.strip()) for part in value.split(",")):
            raise ValueError(f"{value!r} is not host:port (or a comma-separated ip:port list)")
        channel_target(value)  # several addresses must be IP literals
        return value

    @field_validator("kafka_bootstrap")
    @classmethod
    def _bootstrap(cls, value: str) -> str:
        for server in filter(None, value.split(",")):
            if not _HOSTPORT.match(server.strip()):
                raise ValueError(f"{server!r} is not host:port")
        return value

    @field_validator("kafka_security_protocol")
    @classmethod
    def _kafka_protocol(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"PLAINTEXT", "SSL", "SASL_SSL"}:
            raise ValueError("must be PLAINTEXT, SSL or SASL_SSL")
        return upper

    @field_validator("kafka_sasl_mechanism")
    @classmethod
    def _kafka_mechanism(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"SCRAM-SHA-512", "SCRAM-SHA-256"}:
            raise ValueError("must be SCRAM-SHA-512 or SCRAM-SHA-256")
        return upper

    @field_validator("kafka_ssl_cafile", "s3_ca_file")
    @classmethod
    def _readable_ca(cls, value: str) -> str:
        if value and not Path(value).expanduser().is_file():
            raise ValueError(f"no CA file at {value}")
        return str(Path(value).expanduser().resolve()) if value else ""

    @field_validator("document_store")
    @classmethod
    def _document_store(cls, value: str) -> str:
        lower = value.lower()
        if lower not in {"postgres", "s3"}:
            raise ValueError("must be postgres or s3")
        return lower

    @field_validator("s3_endpoint_url")
    @classmethod
    def _endpoint_url(cls, value: str) -> str:
        if not value:
            return value
        # botocore's own check, which would otherwise refuse it only at the first use.
        from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

        valid = is_valid_endpoint_url(value) or is_valid_ipv6_endpoint_url(value)
        if not valid or urlsplit(value).scheme not in {"http", "https"}:
            raise ValueError(f"{value!r} is not an http(s) URL such as https://s3.court.example")
        return value

    @field_validator("s3_sse")
    @classmethod
    def _sse(cls, value: str) -> str:
        if value not in {"", "AES256", "aws:kms"}:
            raise ValueError("must be empty, AES256 or aws:kms")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("log level must be DEBUG, INFO, WARNING or ERROR")
        return upper

    @model_validator(mode="after")
    def _kafka_login(self) -> Settings:
        scram = self.kafka_security_protocol == "SASL_SSL"
        if scram and not (self.kafka_username and self.kafka_password.get_secret_value()):
            raise ValueError(
                "OPENECF_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs OPENECF_KAFKA_USERNAME and "
                "OPENECF_KAFKA_PASSWORD"
            )
        return self

    @model_validator(mode="after")
    def _object_store(self) -> Settings:
        if self.document_store == "s3" and not self.s3_bucket:
            raise ValueError("OPENECF_DOCUMENT_STORE=s3 needs OPENECF_S3_BUCKET")
        return self

    @model_validator(mode="after")
    def _distinct_ports(self) -> Settings:
        ports = [self.grpc_port(name) for name in SERVICE_NAMES] + [self.edge_port]
        ports += [self.metrics_port(name) for name in PROCESS_NAMES]
        if not self.kafka_bootstrap:  # the local broker's ports are used only then
            ports += [self.kafka_port, self.kafka_controller_port]
        if len(set(ports)) != len(ports):
            raise ValueError("the gRPC, edge and metrics ports must all differ")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.court_timezone)

    def grpc_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))

    def grpc_addr(self, service: str) -> str:
        return str(getattr(self, f"{service}_addr"))

    @property
    def keys_dir(self) -> Path:
        return Path(self.service_keys_dir) if self.service_keys_dir else self.data_dir / "keys"

    def metrics_port(self, process: str) -> int:
        return self.metrics_port_base + PROCESS_NAMES.index(process)

    def require_database_url(self) -> str:
        url = self.database_url.get_secret_value()
        if not url:
            raise SettingMissing(
                "no database: start the local stack with `make run` in this checkout, "
                "or set OPENECF_DATABASE_URL"
            )
        return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
