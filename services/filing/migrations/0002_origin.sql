-- A petition's origin: the agency whose order is under review, and (immigration) the A-number.
ALTER TABLE filings
    ADD COLUMN origin_agency text NOT NULL DEFAULT '',
    ADD COLUMN alien_number  text NOT NULL DEFAULT '';
