-- Cases brought over from ACMS, and the case's fee status.

-- The filing fee: '' until someone records it (a petition opened here, or an ACMS case
-- without one); the clerk sets it (services/docket/fees.py keeps the list of values).
ALTER TABLE cases ADD COLUMN fee_status text NOT NULL DEFAULT ''
    CHECK (fee_status IN ('', 'paid', 'ifp_pending', 'ifp_granted', 'waived'));
-- ACMS's case subtype (e.g. "Petition for Review"), kept as ACMS named it.
ALTER TABLE cases ADD COLUMN case_subtype text NOT NULL DEFAULT '';
-- Set on a case imported from ACMS (`openecf import acms`): it has no opening petition here.
ALTER TABLE cases ADD COLUMN imported_at timestamptz;
ALTER TABLE cases ALTER COLUMN opening_filing_id DROP NOT NULL;
ALTER TABLE cases ADD CONSTRAINT cases_opened_here_or_imported
    CHECK (opening_filing_id IS NOT NULL OR imported_at IS NOT NULL);

-- Every change of a case's fee status: who, when, from what to what.
CREATE TABLE fee_status_changes (
    change_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      bigint      NOT NULL REFERENCES cases (case_id),
    from_status  text        NOT NULL,
    to_status    text        NOT NULL,
    changed_by   uuid        NOT NULL,
    changed_at   timestamptz NOT NULL
);
CREATE INDEX fee_status_changes_by_case ON fee_status_changes (case_id, change_id);
