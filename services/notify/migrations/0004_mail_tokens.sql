-- A mail that carries a single-use token (password reset, address confirmation) names only
-- the token's slot at auth; the sender asks auth for the token as it sends, so the plain
-- token is in the e-mail and never in this table.
ALTER TABLE mail_queue ADD COLUMN token_id uuid;
