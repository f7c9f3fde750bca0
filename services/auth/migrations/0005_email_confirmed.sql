-- Issue 16: a registration's address is confirmed before it receives anything. Accounts from
-- before this change keep working as they did (confirmed); new rows start unconfirmed unless
-- the code says otherwise (an operator's `openecf account create`).
ALTER TABLE accounts ADD COLUMN email_confirmed boolean NOT NULL DEFAULT true;
ALTER TABLE accounts ALTER COLUMN email_confirmed SET DEFAULT false;
