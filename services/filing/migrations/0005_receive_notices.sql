-- A notice of appearance's "Notice" box (whether the attorney receives the case's NDAs),
-- kept with the filing so the clerk's acceptance passes it on; NULL when the filer did not say.
ALTER TABLE filings ADD COLUMN receive_notices boolean;
