-- Nonces of service tokens already used for calls that write, shared by every replica of the
-- service: a token captured on the wire is refused by the other replicas too. Rows live only
-- until the token would have expired anyway (services/common/nonces.py prunes them).
CREATE TABLE service_nonces (
    nonce       text        PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX service_nonces_expiry ON service_nonces (expires_at);
