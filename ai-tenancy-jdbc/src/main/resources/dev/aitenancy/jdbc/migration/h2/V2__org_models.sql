-- Each org's allowed models; exactly one default per (org, provider) is enforced by the constraint below.
CREATE TABLE ai_org_models (
    org_id            VARCHAR(128) NOT NULL,
    provider          VARCHAR(63)  NOT NULL,
    model             VARCHAR(200) NOT NULL,
    label             VARCHAR(200),
    max_output_tokens INTEGER,
    is_default        BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    -- H2 has no partial indexes: this column is the provider only on the default row, NULL elsewhere,
    -- and NULLs do not collide in a unique constraint
    default_of        VARCHAR(63) GENERATED ALWAYS AS (CASE WHEN is_default THEN provider END),
    CONSTRAINT ai_org_models_pk PRIMARY KEY (org_id, provider, model),
    CONSTRAINT ai_org_models_one_default UNIQUE (org_id, default_of)
);

CREATE TABLE ai_org_settings (
    org_id           VARCHAR(128) NOT NULL PRIMARY KEY,
    default_provider VARCHAR(63)
);

CREATE TABLE ai_feature_preferences (
    org_id            VARCHAR(128) NOT NULL,
    feature           VARCHAR(128) NOT NULL,
    provider          VARCHAR(63)  NOT NULL,
    model             VARCHAR(200) NOT NULL,
    max_output_tokens INTEGER,
    CONSTRAINT ai_feature_preferences_pk PRIMARY KEY (org_id, feature),
    CONSTRAINT ai_feature_preferences_model FOREIGN KEY (org_id, provider, model)
        REFERENCES ai_org_models (org_id, provider, model) ON DELETE CASCADE
);

CREATE TABLE ai_org_fallbacks (
    org_id   VARCHAR(128) NOT NULL,
    position INTEGER      NOT NULL,
    provider VARCHAR(63)  NOT NULL,
    model    VARCHAR(200) NOT NULL,
    CONSTRAINT ai_org_fallbacks_pk PRIMARY KEY (org_id, position),
    CONSTRAINT ai_org_fallbacks_model FOREIGN KEY (org_id, provider, model)
        REFERENCES ai_org_models (org_id, provider, model) ON DELETE CASCADE
);
