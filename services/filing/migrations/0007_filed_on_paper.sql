-- A filing received on paper and docketed by the clerk on a party's behalf: filer_account_id
-- is the clerk who entered it, filer_name the party, received_at the day the paper arrived.
ALTER TABLE filings ADD COLUMN filed_on_paper boolean NOT NULL DEFAULT false;
