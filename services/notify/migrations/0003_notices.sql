-- Notices of Docket Activity (NDAs).
--
-- Notify keeps its own view of each case (title, counsel of record) from docket.events, the
-- secondary addresses and case subscriptions of each account, the docket entries it tells
-- about, and one notice row per (entry, recipient address): the delivery row, written in the
-- same transaction as the entry, before anything is sent.

CREATE TABLE cases (
    case_number text        PRIMARY KEY,
    title       text        NOT NULL,
    case_type   text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE case_counsel (
    case_number text        NOT NULL REFERENCES cases ON DELETE CASCADE,
    account_id  uuid        NOT NULL,
    name        text        NOT NULL,
    firm        text        NOT NULL DEFAULT '',
    party_name  text        NOT NULL DEFAULT '',
    -- Counsel receives the notices of entries numbered from here on: 0 for the counsel who
    -- opened the case, the notice-of-appearance entry for counsel who appeared later.
    since_entry integer     NOT NULL DEFAULT 0,
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_number, account_id)
);
CREATE INDEX case_counsel_account ON case_counsel (account_id);

-- An account's secondary addresses (from auth.account_updated, a full snapshot each time).
CREATE TABLE secondary_emails (
    account_id   uuid    NOT NULL REFERENCES recipients ON DELETE CASCADE,
    position     integer NOT NULL,
    email        text    NOT NULL,
    -- NULL: every case the account is counsel of record in; else only these.
    case_numbers text[],
    PRIMARY KEY (account_id, position)
);
CREATE INDEX secondary_emails_address ON secondary_emails (lower(email));

-- Users who asked for the notices of a case they are not in.
CREATE TABLE subscriptions (
    case_number text        NOT NULL,
    account_id  uuid        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_number, account_id)
);
CREATE INDEX subscriptions_account ON subscriptions (account_id);

-- A docket entry as its NDAs tell it (from docket.entry_recorded).
CREATE TABLE entries (
    case_number      text        NOT NULL,
    entry_number     integer     NOT NULL,
    case_title       text        NOT NULL,
    case_type        text        NOT NULL,
    docket_text      text        NOT NULL,
    filer            text        NOT NULL,
    filed_at         timestamptz NOT NULL,
    entered_at       timestamptz NOT NULL,
    -- [{document_id, filename, pages}], in docket order.
    documents        jsonb       NOT NULL DEFAULT '[]',
    sealed           boolean     NOT NULL DEFAULT false,
    filing_type      text        NOT NULL DEFAULT '',
    event_id         uuid        NOT NULL,
    trace_id         text        NOT NULL DEFAULT '',
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_number, entry_number)
);

-- One NDA to one address: the delivery row.
--   needs_links → (free-look links issued by access, body rendered) → pending
--   pending → sent | retrying (SMTP 4xx, connection lost) | failed (SMTP 5xx, attempts spent)
CREATE TABLE notices (
    -- uuid5 of (case, entry, address): the same notice recorded twice is one row.
    notice_id        uuid        PRIMARY KEY,
    case_number      text        NOT NULL,
    entry_number     integer     NOT NULL,
    recipient_email  text        NOT NULL,
    recipient_name   text        NOT NULL,
    -- The account the address belongs to (for a secondary address: its owner).
    account_id       uuid,
    reason           text        NOT NULL CHECK (reason IN ('counsel', 'secondary', 'subscriber')),
    notice_format    text        NOT NULL CHECK (notice_format IN ('html', 'text')),
    -- Whether this recipient gets free-look links (not for sealed entries, nor for
    -- subscribers in restricted cases).
    with_links       boolean     NOT NULL,
    status           text        NOT NULL DEFAULT 'needs_links'
        CHECK (status IN ('needs_links', 'pending', 'retrying', 'sent', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    link_attempts    integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    -- Stable per (entry, recipient): any duplicate after a crash mid-send is recognisable.
    message_id       text        NOT NULL UNIQUE,
    subject          text,
    body_text        text,
    body_html        text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    composed_at      timestamptz,
    sent_at          timestamptz,
    failed_at        timestamptz,
    FOREIGN KEY (case_number, entry_number) REFERENCES entries ON DELETE CASCADE
);
CREATE UNIQUE INDEX notices_entry_address
    ON notices (case_number, entry_number, lower(recipient_email));
CREATE INDEX notices_to_compose ON notices (next_attempt_at) WHERE status = 'needs_links';
CREATE INDEX notices_to_send ON notices (next_attempt_at) WHERE status IN ('pending', 'retrying');
CREATE INDEX notices_account ON notices (account_id, created_at DESC);
CREATE INDEX notices_address ON notices (lower(recipient_email), created_at DESC);

-- The free-look link of one document for one notice, kept so a retry reuses it.
CREATE TABLE free_looks (
    notice_id   uuid        NOT NULL REFERENCES notices ON DELETE CASCADE,
    document_id text        NOT NULL,
    -- NULL when access refused a link for good (error says why), and once the notice is
    -- out: access keeps the token's hash, the recipient the link, notify forgets it.
    token       text,
    expires_at  timestamptz,
    error       text,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notice_id, document_id)
);
