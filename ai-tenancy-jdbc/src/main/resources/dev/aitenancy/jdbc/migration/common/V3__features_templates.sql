-- Feature switches per org; a feature without a row is enabled.
CREATE TABLE ai_feature_flags (
    org_id     VARCHAR(128) NOT NULL,
    feature    VARCHAR(128) NOT NULL,
    enabled    BOOLEAN      NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT ai_feature_flags_pk PRIMARY KEY (org_id, feature)
);

-- Named prompt templates per org; every save is a new version.
CREATE TABLE ai_templates (
    org_id     VARCHAR(128)   NOT NULL,
    name       VARCHAR(128)   NOT NULL,
    version    INTEGER        NOT NULL,
    body       VARCHAR(65536) NOT NULL,
    created_by VARCHAR(256),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT ai_templates_pk PRIMARY KEY (org_id, name, version)
);
