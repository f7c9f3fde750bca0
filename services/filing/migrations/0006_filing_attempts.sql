-- A submit records its attempt (in its own transaction) before it stores any document in
-- access, and the transaction that commits the filing deletes it. An attempt still here after
-- the grace period never committed: the orphan sweep abandons it (after which it can no longer
-- commit) and asks access to discard its documents.
CREATE TABLE filing_attempts (
    filing_id     uuid        PRIMARY KEY,
    started_at    timestamptz NOT NULL DEFAULT now(),
    abandoned_at  timestamptz
);
CREATE INDEX filing_attempts_started ON filing_attempts (started_at) WHERE abandoned_at IS NULL;
