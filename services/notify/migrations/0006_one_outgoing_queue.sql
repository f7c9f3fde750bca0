-- One outgoing queue. Every message notify sends is a row of `notices`, sent by one sender
-- with one retry rule and one dead-letter rule: an NDA (kind 'nda') names its entry and
-- starts at needs_links (the composer makes it pending); an account mail (kind: what it is,
-- e.g. filing_receipt, credential_reissue) is composed when it is queued and starts at pending.
-- mail_queue's rows move here as they are (an unsent one stays due, with its attempts and
-- Message-ID), and mail_queue goes.
--
-- The lock first: a sender of the release before this one cannot send and mark a mail_queue
-- row between its copy and the drop (it waits, then fails on the missing table and rolls back).
LOCK TABLE mail_queue IN ACCESS EXCLUSIVE MODE;

ALTER TABLE notices
    -- The default keeps an NDA inserted by the release before this one an NDA.
    ADD COLUMN kind text NOT NULL DEFAULT 'nda',
    -- A mail that carries a single-use token names only its slot at auth (see 0004).
    ADD COLUMN token_id uuid,
    ALTER COLUMN case_number DROP NOT NULL,
    ALTER COLUMN entry_number DROP NOT NULL,
    ALTER COLUMN reason DROP NOT NULL,
    ALTER COLUMN with_links SET DEFAULT false,
    ADD CONSTRAINT notices_nda_names_its_entry CHECK (
        kind <> 'nda' OR (case_number IS NOT NULL AND entry_number IS NOT NULL
                          AND reason IS NOT NULL)),
    ADD CONSTRAINT notices_mail_is_composed CHECK (
        kind = 'nda' OR (status <> 'needs_links' AND subject IS NOT NULL
                         AND body_text IS NOT NULL));

-- mail_queue had one 'pending' for "not tried yet" and "tried, will retry"; notices says which.
INSERT INTO notices (notice_id, kind, account_id, recipient_email, recipient_name,
                     notice_format, with_links, status, attempts, next_attempt_at, last_error,
                     message_id, subject, body_text, body_html, created_at, composed_at,
                     sent_at, token_id)
SELECT mail_id, kind, account_id, recipient, '',
       CASE WHEN body_html IS NULL THEN 'text' ELSE 'html' END, false,
       CASE WHEN status = 'pending' AND attempts > 0 THEN 'retrying' ELSE status END,
       attempts, next_attempt_at, last_error, message_id, subject, body_text, body_html,
       created_at, created_at, sent_at, token_id
FROM mail_queue;

DROP TABLE mail_queue;

CREATE INDEX notices_kind ON notices (kind, created_at);
