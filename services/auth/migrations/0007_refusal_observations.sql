-- The edge's refusals (503 `unavailable` to a filing, docket or document request, and the
-- first success after them) beside auth's own health probes: the proposal job reads both.
ALTER TABLE availability_observations
    ADD COLUMN source text NOT NULL DEFAULT 'health' CHECK (source IN ('health', 'refusal'));
