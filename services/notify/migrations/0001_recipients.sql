-- Notify's own view of every account it may write to, kept from auth.events:
-- notices are addressed from here, never by reading auth's tables.
CREATE TABLE recipients (
    account_id      uuid        PRIMARY KEY,
    username        text        NOT NULL,
    name            text        NOT NULL,
    email           text        NOT NULL,
    role            text        NOT NULL,
    notice_format   text        NOT NULL DEFAULT 'html',
    notices_enabled boolean     NOT NULL DEFAULT true,
    updated_at      timestamptz NOT NULL
);
