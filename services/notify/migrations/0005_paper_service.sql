-- Who an NDA lists as served on paper ("Case participants listed below will not receive this
-- electronic notice"): counsel with the notice box off in a case (CM/ECF's "Notice" box on the
-- notice of appearance), and the case's parties, so one with no counsel of record and no
-- e-mail is listed.
ALTER TABLE case_counsel ADD COLUMN notices boolean NOT NULL DEFAULT true;

CREATE TABLE case_parties (
    case_number text NOT NULL REFERENCES cases ON DELETE CASCADE,
    name        text NOT NULL,
    role        text NOT NULL DEFAULT 'unspecified',
    -- Empty: the party is served on paper unless counsel of record represents it.
    email       text NOT NULL DEFAULT '',
    PRIMARY KEY (case_number, name)
);
