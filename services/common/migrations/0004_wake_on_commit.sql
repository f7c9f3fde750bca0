-- A worker that waits for rows of a table sleeps until a commit adds some
-- (services/common/commit_signal.py), on the channel <schema>_<table>. NOTIFY is delivered at
-- commit, once per transaction and channel however many rows were added.
CREATE FUNCTION wake_on_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_' || TG_TABLE_NAME, '');
    RETURN NULL;
END
$$;

-- The outbox relay.
CREATE TRIGGER outbox_wake AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION wake_on_commit();
