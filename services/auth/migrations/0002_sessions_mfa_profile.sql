-- Lockout, the TOTP second factor, e-filer applications.
ALTER TABLE accounts
    ADD COLUMN failed_logins      integer     NOT NULL DEFAULT 0,
    ADD COLUMN locked_until       timestamptz,
    ADD COLUMN mfa_secret         text,
    ADD COLUMN mfa_pending_secret text,
    ADD COLUMN mfa_enrolled       boolean     NOT NULL DEFAULT false,
    -- The last TOTP time step accepted: a code is never accepted twice.
    ADD COLUMN mfa_last_step      bigint      NOT NULL DEFAULT 0,
    ADD COLUMN efiler_applied_at  timestamptz,
    ADD COLUMN efiler_approved_at timestamptz,
    ADD COLUMN efiler_approved_by uuid;

CREATE INDEX accounts_efiler_pending ON accounts (efiler_applied_at) WHERE efiler_status = 'pending';
CREATE INDEX accounts_attorney_name ON accounts (lower(name)) WHERE role = 'attorney';

-- Sessions: only a hash of each token is stored.
CREATE TABLE sessions (
    session_id          uuid        PRIMARY KEY,
    account_id          uuid        NOT NULL REFERENCES accounts (account_id),
    token_sha256        bytea       NOT NULL UNIQUE,
    created_at          timestamptz NOT NULL,
    last_seen_at        timestamptz NOT NULL,
    idle_expires_at     timestamptz NOT NULL,
    absolute_expires_at timestamptz NOT NULL,
    revoked_at          timestamptz,
    revoked_reason      text
);
CREATE INDEX sessions_open_by_account ON sessions (account_id) WHERE revoked_at IS NULL;

-- Secondary notice addresses: for every case (case_numbers NULL) or the chosen ones.
CREATE TABLE secondary_emails (
    account_id   uuid   NOT NULL REFERENCES accounts (account_id),
    position     integer NOT NULL,
    email        text   NOT NULL,
    case_numbers text[],
    PRIMARY KEY (account_id, position)
);

-- Single-use password reset tokens (hashed), from a credential reissue request.
CREATE TABLE reset_tokens (
    token_sha256 bytea       PRIMARY KEY,
    account_id   uuid        NOT NULL REFERENCES accounts (account_id),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
