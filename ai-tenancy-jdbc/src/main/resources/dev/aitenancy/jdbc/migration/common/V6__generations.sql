-- One row per call: written when the provider is called, completed when it answers.
CREATE TABLE ai_generations (
    id             UUID          NOT NULL PRIMARY KEY,
    org_id         VARCHAR(128)  NOT NULL,
    user_id        VARCHAR(256),
    provider       VARCHAR(63),
    model          VARCHAR(200),
    feature        VARCHAR(128),
    tier           VARCHAR(64),
    status         VARCHAR(16)   NOT NULL,
    input_tokens   BIGINT,
    output_tokens  BIGINT,
    cached_tokens  BIGINT,
    latency_ms     BIGINT,
    correlation_id VARCHAR(128),
    error_code     VARCHAR(64),
    error_message  VARCHAR(2000),
    cost_usd       DECIMAL(20, 10),
    billed_usd     DECIMAL(20, 10),
    input_text     VARCHAR(65536),
    output_text    VARCHAR(65536),
    started_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at    TIMESTAMP WITH TIME ZONE
);
CREATE INDEX ai_generations_org_started ON ai_generations (org_id, started_at DESC);
CREATE INDEX ai_generations_org_model ON ai_generations (org_id, provider, model);
CREATE INDEX ai_generations_correlation ON ai_generations (correlation_id);
