-- The tiers an org subscribes to; an org with none is not restricted by tiers.
CREATE TABLE ai_org_tiers (
    org_id VARCHAR(128) NOT NULL,
    tier   VARCHAR(64)  NOT NULL,
    CONSTRAINT ai_org_tiers_pk PRIMARY KEY (org_id, tier)
);

-- A group or user narrowed to some tiers (possibly none): the narrowing row, then its tiers.
CREATE TABLE ai_tier_narrowings (
    org_id       VARCHAR(128) NOT NULL,
    subject_type VARCHAR(8)   NOT NULL,
    subject_id   VARCHAR(256) NOT NULL,
    CONSTRAINT ai_tier_narrowings_pk PRIMARY KEY (org_id, subject_type, subject_id),
    CONSTRAINT ai_tier_narrowings_type CHECK (subject_type IN ('group', 'user'))
);

CREATE TABLE ai_tier_narrowing_tiers (
    org_id       VARCHAR(128) NOT NULL,
    subject_type VARCHAR(8)   NOT NULL,
    subject_id   VARCHAR(256) NOT NULL,
    tier         VARCHAR(64)  NOT NULL,
    CONSTRAINT ai_tier_narrowing_tiers_pk PRIMARY KEY (org_id, subject_type, subject_id, tier),
    CONSTRAINT ai_tier_narrowing_tiers_subject FOREIGN KEY (org_id, subject_type, subject_id)
        REFERENCES ai_tier_narrowings (org_id, subject_type, subject_id) ON DELETE CASCADE
);

-- Models an org never uses.
CREATE TABLE ai_model_denylist (
    org_id   VARCHAR(128) NOT NULL,
    provider VARCHAR(63)  NOT NULL,
    model    VARCHAR(200) NOT NULL,
    CONSTRAINT ai_model_denylist_pk PRIMARY KEY (org_id, provider, model)
);
