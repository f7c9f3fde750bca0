-- Paper service due: each participant an entry's NDA lists as served by mail ("Case
-- participants listed below will not receive this electronic notice"), until the clerk marks
-- the mailing done. One row per entry and participant, recorded with the entry's notices.
CREATE TABLE paper_service_due (
    item_id              uuid        PRIMARY KEY,
    case_number          text        NOT NULL,
    entry_number         integer     NOT NULL,
    participant_name     text        NOT NULL,
    participant_detail   text        NOT NULL DEFAULT '',
    -- Counsel's account, whose mailing address the recipients view keeps; NULL for a party.
    account_id           uuid,
    due_since            timestamptz NOT NULL DEFAULT now(),
    served_at            timestamptz,
    served_by_account_id uuid,
    UNIQUE (case_number, entry_number, participant_name)
);
CREATE INDEX paper_service_due_open ON paper_service_due (due_since) WHERE served_at IS NULL;

-- The mailing address from the account's profile (auth.account_updated carries it).
ALTER TABLE recipients ADD COLUMN address text NOT NULL DEFAULT '';
