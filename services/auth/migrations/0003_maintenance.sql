-- The maintenance window's state (owned by auth, followed by every process through the
-- compacted topic platform.maintenance) and the history of every change to it.
CREATE TABLE maintenance_state (
    id                 smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),  -- one row
    active             boolean     NOT NULL DEFAULT false,
    reason             text        NOT NULL DEFAULT '',
    started_at         timestamptz,
    until              timestamptz,
    source             text        CHECK (source IN ('schedule', 'admin')),
    set_by             text        NOT NULL DEFAULT '',
    set_by_account_id  uuid,
    changed_at         timestamptz NOT NULL DEFAULT now(),
    -- An open window always ends: a missed "off" cannot keep the court closed.
    CHECK (NOT active OR until IS NOT NULL)
);
INSERT INTO maintenance_state (id) VALUES (1);

CREATE TABLE maintenance_history (
    id                 bigserial   PRIMARY KEY,
    active             boolean     NOT NULL,
    reason             text        NOT NULL,
    started_at         timestamptz,
    until              timestamptz,
    source             text        NOT NULL CHECK (source IN ('schedule', 'admin')),
    set_by             text        NOT NULL,
    set_by_account_id  uuid,
    changed_at         timestamptz NOT NULL,
    event_id           uuid        NOT NULL UNIQUE
);
CREATE INDEX maintenance_history_changed_at ON maintenance_history (changed_at);
