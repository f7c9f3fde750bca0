-- Every e-mail is a row before it is a message: written in the transaction that decided
-- to send it, delivered by the sender with retries, never lost.
CREATE TABLE mail_queue (
    mail_id          uuid        PRIMARY KEY,
    kind             text        NOT NULL,
    account_id       uuid,
    recipient        text        NOT NULL,
    subject          text        NOT NULL,
    body_text        text        NOT NULL,
    body_html        text,
    -- Stable per message, so a duplicate after a crash mid-send is recognisable.
    message_id       text        NOT NULL UNIQUE,
    status           text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX mail_queue_due ON mail_queue (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_queue_account ON mail_queue (account_id, created_at);
