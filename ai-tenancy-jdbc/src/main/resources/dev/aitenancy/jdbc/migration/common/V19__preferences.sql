-- AI preferences: each org's defaults (user_id '') and each user's own within the org. A column left
-- NULL is a part not set at that level; a level with nothing set has no row. A model override names
-- its provider and model together.
CREATE TABLE ai_preferences (
    org_id            VARCHAR(128) NOT NULL,
    user_id           VARCHAR(256) NOT NULL,
    tone              VARCHAR(500),
    max_answer_tokens INTEGER,
    model_provider    VARCHAR(63),
    model_id          VARCHAR(200),
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT ai_preferences_pk PRIMARY KEY (org_id, user_id),
    CONSTRAINT ai_preferences_model CHECK ((model_provider IS NULL AND model_id IS NULL)
        OR (model_provider IS NOT NULL AND model_id IS NOT NULL)),
    CONSTRAINT ai_preferences_tokens CHECK (max_answer_tokens IS NULL OR max_answer_tokens > 0)
);
