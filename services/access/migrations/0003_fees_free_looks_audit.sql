-- The PACER fee ledger: one row per document served to an account (0 cents when not charged).
-- quarter is the court-local calendar quarter, "YYYY-Qn", the unit PACER bills and waives.
CREATE TABLE fee_ledger (
    charge_id     uuid        PRIMARY KEY,
    account_id    text        NOT NULL,
    document_id   uuid        NOT NULL,
    case_number   text        NOT NULL DEFAULT '',
    pages         integer     NOT NULL,
    fee_cents     integer     NOT NULL CHECK (fee_cents >= 0),
    quarter       text        NOT NULL CHECK (quarter ~ '^[0-9]{4}-Q[1-4]$'),
    charged_at    timestamptz NOT NULL
);
CREATE INDEX fee_ledger_account_quarter ON fee_ledger (account_id, quarter, charged_at);

-- Free-look links: one per (document, NDA recipient address). Only the token's SHA-256 is kept.
CREATE TABLE free_looks (
    free_look_id     uuid        PRIMARY KEY,
    token_sha256     bytea       NOT NULL UNIQUE,
    document_id      uuid        NOT NULL,
    recipient_email  text        NOT NULL,
    case_number      text        NOT NULL DEFAULT '',
    entry_number     integer     NOT NULL DEFAULT 0,
    issued_at        timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    redeemed_at      timestamptz
);
CREATE INDEX free_looks_recipient ON free_looks (document_id, lower(recipient_email));

-- Every access decision: who (an account, a free look, or nobody), which document, and the
-- outcome with its reason. action: check (CheckAccess), serve (GetDocument), free_look.
CREATE TABLE access_audit (
    audit_id      bigserial   PRIMARY KEY,
    occurred_at   timestamptz NOT NULL,
    action        text        NOT NULL CHECK (action IN ('check', 'serve', 'free_look')),
    account_id    text,
    free_look_id  uuid,
    caller_service text,
    document_id   text        NOT NULL DEFAULT '',
    outcome       text        NOT NULL CHECK (outcome IN ('allowed', 'denied', 'failed')),
    reason        text        NOT NULL DEFAULT '',
    fee_cents     integer     NOT NULL DEFAULT 0,
    trace_id      text        NOT NULL DEFAULT ''
);
CREATE INDEX access_audit_document ON access_audit (document_id, occurred_at);
CREATE INDEX access_audit_account ON access_audit (account_id, occurred_at);
