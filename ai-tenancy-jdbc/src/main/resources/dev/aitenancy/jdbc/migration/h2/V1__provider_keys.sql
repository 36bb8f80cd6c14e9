-- One provider key per (org, provider), encrypted as a Tink AEAD envelope bound to org/provider.
CREATE TABLE ai_provider_keys (
    org_id           VARCHAR(128) NOT NULL,
    provider         VARCHAR(63)  NOT NULL,
    envelope         VARBINARY(4096) NOT NULL,
    master_key_id    INTEGER      NOT NULL,
    key_last4        VARCHAR(4)   NOT NULL,
    created_by       VARCHAR(256),
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    last_verified_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT ai_provider_keys_pk PRIMARY KEY (org_id, provider)
);

-- rotation walks the envelopes still made with an old master key
CREATE INDEX ai_provider_keys_master_key ON ai_provider_keys (master_key_id);
