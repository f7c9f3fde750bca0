-- Importing an ACMS case again (`openecf import acms` after ACMS added entries): what ACMS said
-- at the last import, so a re-import applies ACMS's own changes and never undoes the court's.

-- The fee status ACMS gave at the last import ('' none; NULL: not an imported case). A
-- re-import sets the case's fee status only when ACMS's changed since: a clerk's later
-- setting here stands while ACMS says what it said before.
ALTER TABLE cases ADD COLUMN acms_fee_status text;

-- Entries that came from ACMS (not docketed here), whether ACMS sealed them (the case sealed
-- or the entry restricted) at the last import, and ACMS's counts of their documents and pages
-- (the documents stay in ACMS; NULL when the import predates this column).
ALTER TABLE entries ADD COLUMN acms_imported boolean NOT NULL DEFAULT false;
ALTER TABLE entries ADD COLUMN acms_sealed boolean;
ALTER TABLE entries ADD COLUMN acms_document_count integer CHECK (acms_document_count >= 0);
ALTER TABLE entries ADD COLUMN acms_page_count integer CHECK (acms_page_count >= 0);

-- A fee status an import set has no clerk: NULL is "the ACMS import".
ALTER TABLE fee_status_changes ALTER COLUMN changed_by DROP NOT NULL;

-- Cases imported before this migration: ACMS's entries are the court entries without a filer
-- entered before the import (entries docketed here name a filer or the Clerk of Court), and
-- ACMS sealed those the import sealed (no one here did: sealed_by is empty).
UPDATE cases SET acms_fee_status = fee_status WHERE imported_at IS NOT NULL;
UPDATE entries e
   SET acms_imported = true,
       acms_sealed = (e.sealed_at IS NOT NULL AND e.sealed_by IS NULL)
  FROM cases c
 WHERE e.case_id = c.case_id
   AND c.imported_at IS NOT NULL
   AND e.filing_id IS NULL
   AND e.filing_type = 'court'
   AND e.filer_name = ''
   AND e.entered_at <= c.imported_at;
