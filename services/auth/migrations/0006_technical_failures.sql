-- Technical failures: the court's unscheduled outages (beside the maintenance state).

-- What the platform saw of filing's availability (services/auth/availability.py probes it).
-- Kept 30 days: the proposal job reads the last few.
CREATE TABLE availability_observations (
    id              bigserial   PRIMARY KEY,
    observed_at     timestamptz NOT NULL,
    ok              boolean     NOT NULL,
    in_maintenance  boolean     NOT NULL,
    -- The services that did not answer, comma-separated ('' when ok).
    what            text        NOT NULL DEFAULT ''
);
CREATE INDEX availability_observations_at ON availability_observations (observed_at);

CREATE TABLE technical_failures (
    failure_id   uuid        PRIMARY KEY,
    status       text        NOT NULL CHECK (status IN ('proposed', 'confirmed', 'dismissed')),
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz NOT NULL,
    unavailable  text        NOT NULL,
    note         text        NOT NULL DEFAULT '',
    source       text        NOT NULL CHECK (source IN ('admin', 'observed')),
    created_at   timestamptz NOT NULL,
    decided_by   uuid,
    decided_at   timestamptz,
    CHECK (ended_at > started_at)
);
-- A run the platform observed is proposed once, however often the job runs.
CREATE UNIQUE INDEX technical_failures_observed_once
    ON technical_failures (started_at) WHERE source = 'observed';
CREATE INDEX technical_failures_by_start ON technical_failures (started_at DESC);
