-- When each consumer group of this schema first ran. A group that starts "from its
-- creation" begins, on a partition with no committed offset, at the first event recorded
-- at or after this moment, never at the topic's history (no NDAs for old entries).
CREATE TABLE consumer_groups (
    consumer    text        PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now()
);
