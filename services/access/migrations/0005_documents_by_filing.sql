-- Filing's orphan sweep discards the documents of a filing attempt that never committed, by
-- the filing id they were stored with.
CREATE INDEX documents_filing_id ON documents (filing_id);
