-- Issue 16: tokens only as hashes, minted when their mail is sent; confirmed addresses;
-- throttled logins instead of lockouts; rate-limited reissue and confirmation mails.

-- Single-use tokens carried by an e-mail (password reset, address confirmation). The event
-- that asks for the mail names the slot (token_id); notify asks auth for the token when it
-- sends, and only the token's SHA-256 is kept here.
CREATE TABLE mail_tokens (
    token_id       uuid        PRIMARY KEY,
    account_id     uuid        NOT NULL REFERENCES accounts (account_id),
    purpose        text        NOT NULL CHECK (purpose IN ('reset', 'confirm_email')),
    -- The address being confirmed (confirm_email), or the one the reset is sent to.
    email          text        NOT NULL,
    -- confirm_email: whether it becomes the primary address or a secondary one.
    primary_email  boolean     NOT NULL DEFAULT false,
    token_sha256   bytea       UNIQUE,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    issued_at      timestamptz,
    -- Used, or ended by a newer token or a reset: either way it no longer works.
    ended_at       timestamptz
);
CREATE INDEX mail_tokens_open ON mail_tokens (account_id, purpose) WHERE ended_at IS NULL;
DROP TABLE reset_tokens;

-- Secondary addresses are kept with whether they were confirmed; notices go only to
-- confirmed ones.
ALTER TABLE secondary_emails ADD COLUMN confirmed boolean NOT NULL DEFAULT false;
UPDATE secondary_emails SET confirmed = true;  -- addresses from before confirmation existed

-- Requests that send mail, for per-address and per-client rate limits. Keys are SHA-256 of
-- the address or the client, so no address or client IP rests here in plain text.
CREATE TABLE mail_requests (
    bucket      text        NOT NULL,
    key_sha256  bytea       NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX mail_requests_key ON mail_requests (bucket, key_sha256, at);

-- Failed logins per (username, client) and per client, whether or not the username exists:
-- growing delays instead of a lock a stranger could set off.
CREATE TABLE login_throttle (
    key_sha256      bytea       PRIMARY KEY,
    failures        integer     NOT NULL,
    blocked_until   timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
