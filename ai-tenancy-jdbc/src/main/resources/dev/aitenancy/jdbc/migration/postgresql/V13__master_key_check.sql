-- The master key's canary: a fixed, non-secret text encrypted under the master key when the first
-- key store starts on this database. Every start opens it, so a valid but wrong master key is
-- refused at startup; key rotation re-encrypts it with the provider keys. One row (id = 1).
CREATE TABLE ai_master_key_check (
    id            INTEGER         NOT NULL,
    envelope      BYTEA           NOT NULL,
    master_key_id INTEGER         NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT ai_master_key_check_pk PRIMARY KEY (id)
);
