-- The document vault. Content is addressed by its SHA-256 and kept once, however many
-- documents share it, in 1 MiB chunks so no value is ever a whole 100 MB PDF and a read
-- can stream. Each StoreDocument call gets its own document (its own id and metadata).
CREATE TABLE contents (
    sha256       text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes   bigint      NOT NULL CHECK (size_bytes > 0),
    chunk_count  integer     NOT NULL CHECK (chunk_count > 0),
    chunk_bytes  integer     NOT NULL CHECK (chunk_bytes > 0),
    stored_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE content_chunks (
    sha256  text    NOT NULL REFERENCES contents (sha256),
    seq     integer NOT NULL CHECK (seq >= 0),
    data    bytea   NOT NULL,
    PRIMARY KEY (sha256, seq)
);
-- PDFs are already compressed: keep the chunks out of line without pglz spending CPU on them.
ALTER TABLE content_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE documents (
    document_id  uuid        PRIMARY KEY,
    sha256       text        NOT NULL REFERENCES contents (sha256),
    filename     text        NOT NULL,
    pages        integer     NOT NULL CHECK (pages > 0),
    size_bytes   bigint      NOT NULL,
    -- As filing knew it when storing; the access policy never reads it (see document_cases).
    case_number  text        NOT NULL DEFAULT '',
    filing_id    text        NOT NULL DEFAULT '',
    stored_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_sha256 ON documents (sha256);
