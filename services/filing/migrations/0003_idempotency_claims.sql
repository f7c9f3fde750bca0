-- An Idempotency-Key is claimed before any PDF is inspected: a concurrent duplicate finds the
-- claim and waits for the filing (or the claim's release) instead of checking and storing the
-- same documents again. The claim goes in the transaction that commits the filing.
CREATE TABLE filing_claims (
    filer_account_id  uuid        NOT NULL,
    idempotency_key   text        NOT NULL,
    claim_id          uuid        NOT NULL,
    request_sha256    text        NOT NULL,
    claimed_at        timestamptz NOT NULL,
    PRIMARY KEY (filer_account_id, idempotency_key)
);
