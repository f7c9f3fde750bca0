-- Filing envelopes: what was filed, by whom, when, and where it stands.
CREATE TABLE filings (
    filing_id         uuid        PRIMARY KEY,
    filer_account_id  uuid        NOT NULL,
    filer_name        text        NOT NULL,
    idempotency_key   text,
    request_sha256    text        NOT NULL,
    filing_type       text        NOT NULL,
    case_number       text        NOT NULL DEFAULT '',
    title             text        NOT NULL DEFAULT '',
    case_type         text        NOT NULL DEFAULT '',
    parties           jsonb       NOT NULL DEFAULT '[]',
    description       text        NOT NULL DEFAULT '',
    status            text        NOT NULL
        CHECK (status IN ('received', 'pending_review', 'docketed', 'rejected')),
    requires_review   boolean     NOT NULL,
    received_at       timestamptz NOT NULL,
    reviewed_at       timestamptz,
    reviewed_by       uuid,
    reject_reason     text        NOT NULL DEFAULT '',
    entry_number      integer,
    docketed_at       timestamptz
);
-- The same key from the same filer is the same filing (a double-clicked Submit).
CREATE UNIQUE INDEX filings_idempotency ON filings (filer_account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX filings_review_queue ON filings (received_at) WHERE status = 'pending_review';

CREATE TABLE filing_documents (
    filing_id    uuid    NOT NULL REFERENCES filings (filing_id),
    position     integer NOT NULL,
    role         text    NOT NULL CHECK (role IN ('lead', 'attachment')),
    document_id  uuid    NOT NULL,
    filename     text    NOT NULL,
    sha256       text    NOT NULL,
    pages        integer NOT NULL,
    size_bytes   bigint  NOT NULL,
    PRIMARY KEY (filing_id, position)
);

-- Filing's own view of the cases, kept from docket.events: who may file where.
CREATE TABLE cases (
    case_number  text PRIMARY KEY,
    case_type    text NOT NULL
);
CREATE TABLE counsel (
    case_number  text NOT NULL REFERENCES cases (case_number),
    account_id   uuid NOT NULL,
    PRIMARY KEY (case_number, account_id)
);
