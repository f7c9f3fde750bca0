-- The docket: cases, counsel of record, docket entries.

-- Per-year case number sequences: ACMS `YY-N`, and the legacy CM/ECF `YY-7NNNN` series for
-- immigration petitions received before 2021-05-01. The row lock taken by the increment makes
-- numbers gapless (a rolled-back opening gives its number back).
CREATE TABLE case_number_sequences (
    series       text     NOT NULL CHECK (series IN ('acms', 'legacy')),
    year         smallint NOT NULL CHECK (year BETWEEN 0 AND 99),
    last_number  integer  NOT NULL,
    PRIMARY KEY (series, year)
);

CREATE TABLE cases (
    case_id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number        text        NOT NULL UNIQUE,
    title              text        NOT NULL,
    case_type          text        NOT NULL
        CHECK (case_type IN ('immigration', 'social_security', 'agency', 'civil', 'criminal')),
    status             text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    -- When the petition was received: the court counts the case as opened that (local) day.
    opened_at          timestamptz NOT NULL,
    -- [{"name": …, "role": "petitioner"}, …] in petition order.
    parties            jsonb       NOT NULL DEFAULT '[]',
    origin_agency      text        NOT NULL DEFAULT '',
    -- Restricted: shown to court staff and counsel of record only, never in public views.
    alien_number       text        NOT NULL DEFAULT '',
    -- The entry-number counter; the case row lock makes entry numbers gapless.
    last_entry_number  integer     NOT NULL DEFAULT 0,
    opening_filing_id  uuid        NOT NULL UNIQUE,
    -- What case search matches words against: the title and the party names.
    search_text        text        NOT NULL
);
-- Case-number prefix search ("26-12…") whatever the database collation.
CREATE INDEX cases_number_prefix ON cases (case_number text_pattern_ops);

-- Word search over titles and party names: a trigram GIN index (ILIKE '%word%' uses it).
-- pg_trgm lives once per database; use it wherever it already is, else put it in public.
-- Without the extension (a server without contrib) search still works, without the index.
DO $$
DECLARE
    trgm_schema text;
BEGIN
    SELECT n.nspname INTO trgm_schema
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF trgm_schema IS NULL
       AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION pg_trgm SCHEMA public;
        trgm_schema := 'public';
    END IF;
    IF trgm_schema IS NULL THEN
        RAISE NOTICE 'pg_trgm is not available: case search runs without its index';
    ELSE
        EXECUTE format(
            'CREATE INDEX cases_search_trgm ON cases USING gin (search_text %I.gin_trgm_ops)',
            trgm_schema);
    END IF;
END
$$;

-- Attorneys of record: who may file in a case and receives its NDAs.
CREATE TABLE counsel (
    case_id       bigint      NOT NULL REFERENCES cases (case_id),
    account_id    uuid        NOT NULL,
    name          text        NOT NULL,
    firm          text        NOT NULL DEFAULT '',
    party_name    text        NOT NULL DEFAULT '',
    notices       boolean     NOT NULL DEFAULT true,
    -- The entry that made them counsel (the petition, or the "ADDED counsel" entry).
    entry_number  integer     NOT NULL,
    added_at      timestamptz NOT NULL,
    PRIMARY KEY (case_id, account_id)
);
-- "My cases": the cases an attorney is counsel of record in, newest first.
CREATE INDEX counsel_by_account ON counsel (account_id, case_id DESC);

-- Docket entries: append-only (a correction is a new entry); only sealing changes a row.
CREATE TABLE entries (
    case_id           bigint      NOT NULL REFERENCES cases (case_id),
    entry_number      integer     NOT NULL CHECK (entry_number > 0),
    -- A filing type ('motion', …), or 'court' for an entry the court makes itself.
    filing_type       text        NOT NULL,
    -- The filing docketed; NULL for the court's own entries.
    filing_id         uuid,
    filed_at          timestamptz NOT NULL,
    entered_at        timestamptz NOT NULL,
    text              text        NOT NULL,
    filer_name        text        NOT NULL DEFAULT '',
    filer_account_id  uuid,
    -- [{"document_id", "role", "filename", "sha256", "pages", "size_bytes"}, …], lead first:
    -- immutable facts of the entry, always read with it.
    documents         jsonb       NOT NULL DEFAULT '[]',
    sealed_at         timestamptz,
    sealed_by         uuid,
    -- The docket sheet reads a page as a range scan of this key (keyset on entry_number).
    PRIMARY KEY (case_id, entry_number)
);
-- A filing is docketed once, whatever route or redelivery brings it again.
CREATE UNIQUE INDEX entries_by_filing ON entries (filing_id) WHERE filing_id IS NOT NULL;

CREATE FUNCTION entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'docket entries are append-only: record a correcting entry instead';
    END IF;
    IF (NEW.case_id, NEW.entry_number, NEW.filing_type, NEW.filing_id, NEW.filed_at,
        NEW.entered_at, NEW.text, NEW.filer_name, NEW.filer_account_id, NEW.documents)
       IS DISTINCT FROM
       (OLD.case_id, OLD.entry_number, OLD.filing_type, OLD.filing_id, OLD.filed_at,
        OLD.entered_at, OLD.text, OLD.filer_name, OLD.filer_account_id, OLD.documents) THEN
        RAISE EXCEPTION 'docket entries are append-only: only sealing may change an entry';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION entries_append_only();
