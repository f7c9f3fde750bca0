-- Visible characters of text on each page of a filed document (PDFium's extraction), in page
-- order: which pages of an accepted filing are thin on text (a partly scanned exhibit).
ALTER TABLE filing_documents
    ADD COLUMN page_text_chars integer[] NOT NULL DEFAULT '{}';
