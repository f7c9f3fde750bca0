-- The NDA composer sleeps until a commit adds notices (common/0004_wake_on_commit.sql).
CREATE TRIGGER notices_wake AFTER INSERT ON notices
    FOR EACH STATEMENT EXECUTE FUNCTION wake_on_commit();
