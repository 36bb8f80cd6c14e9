-- Daily usage per org, provider, model and user ('' where a record had none); rebuilt per day.
CREATE TABLE ai_usage_daily (
    org_id        VARCHAR(128) NOT NULL,
    usage_day     DATE         NOT NULL,
    provider      VARCHAR(63)  NOT NULL,
    model         VARCHAR(200) NOT NULL,
    user_id       VARCHAR(256) NOT NULL,
    requests      BIGINT       NOT NULL,
    errors        BIGINT       NOT NULL,
    input_tokens  BIGINT       NOT NULL,
    output_tokens BIGINT       NOT NULL,
    cost_usd      DECIMAL(20, 10) NOT NULL,
    billed_usd    DECIMAL(20, 10) NOT NULL,
    CONSTRAINT ai_usage_daily_pk PRIMARY KEY (org_id, usage_day, provider, model, user_id)
);

-- ("day" is a reserved word in H2, hence usage_day.)
-- One row per summarized day, locked while that day is rebuilt so two instances take turns.
CREATE TABLE ai_usage_daily_runs (
    usage_day DATE NOT NULL PRIMARY KEY
);
