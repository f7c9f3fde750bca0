-- PACER-credential accounts. Usernames are unique regardless of case.
CREATE TABLE accounts (
    account_id     uuid        PRIMARY KEY,
    username       text        NOT NULL,
    name           text        NOT NULL,
    email          text        NOT NULL,
    role           text        NOT NULL
        CHECK (role IN ('public', 'attorney', 'pro_se', 'clerk', 'admin')),
    password_hash  text        NOT NULL,
    bar_number     text        NOT NULL DEFAULT '',
    bar_state      text        NOT NULL DEFAULT '',
    firm           text        NOT NULL DEFAULT '',
    address        text        NOT NULL DEFAULT '',
    efiler_status  text        NOT NULL DEFAULT 'not_applied'
        CHECK (efiler_status IN ('not_applied', 'pending', 'approved')),
    notice_format  text        NOT NULL DEFAULT 'html' CHECK (notice_format IN ('html', 'text')),
    notices_enabled boolean    NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_username_lower ON accounts (lower(username));
CREATE INDEX accounts_email_lower ON accounts (lower(email));
