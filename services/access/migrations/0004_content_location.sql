-- Where a content's bytes live: PostgreSQL (its content_chunks rows) or the object store
-- (no chunks here; the object is addressed by the SHA-256). `openecf documents migrate-to-s3`
-- moves rows from the first to the second.
ALTER TABLE contents
    ADD COLUMN location text NOT NULL DEFAULT 'postgres' CHECK (location IN ('postgres', 's3'));
CREATE INDEX contents_in_postgres ON contents (sha256) WHERE location = 'postgres';
