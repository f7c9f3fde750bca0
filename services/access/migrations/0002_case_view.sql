-- Access's own view of the cases, kept from docket.events (consumer group access.cases):
-- the policy decides from these tables alone and never calls docket.
CREATE TABLE cases (
    case_number  text        PRIMARY KEY,
    case_type    text        NOT NULL DEFAULT 'unspecified' CHECK (case_type IN
        ('unspecified', 'immigration', 'social_security', 'agency', 'civil', 'criminal')),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Counsel of record (from the case's opening and later appearances).
CREATE TABLE counsel (
    case_number  text        NOT NULL,
    account_id   text        NOT NULL,
    since        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_number, account_id)
);
CREATE INDEX counsel_account ON counsel (account_id);

-- Which docket entry each document belongs to. A document with no row here is not docketed
-- (yet): only court staff may open it. Sealing only ever turns on.
CREATE TABLE document_cases (
    document_id   uuid        PRIMARY KEY,
    case_number   text        NOT NULL,
    entry_number  integer     NOT NULL,
    sealed        boolean     NOT NULL DEFAULT false,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX document_cases_entry ON document_cases (case_number, entry_number);
