-- Counters per (org, scope, subject, window): requests or tokens per minute (window = minutes
-- since the epoch) and requests per UTC day (scopes ending in -day, window = days since the
-- epoch). Old windows are deleted as new ones begin.
CREATE TABLE ai_rate_counters (
    org_id       VARCHAR(128) NOT NULL,
    scope        VARCHAR(16)  NOT NULL,
    subject      VARCHAR(256) NOT NULL,
    window_start BIGINT       NOT NULL,
    hits         BIGINT       NOT NULL,
    CONSTRAINT ai_rate_counters_pk PRIMARY KEY (org_id, scope, subject, window_start)
);
CREATE INDEX ai_rate_counters_window ON ai_rate_counters (window_start);

-- An org's own limits (0 = unlimited); orgs without a row use the default.
CREATE TABLE ai_rate_policies (
    org_id                 VARCHAR(128) NOT NULL PRIMARY KEY,
    user_per_minute        INTEGER      NOT NULL,
    ip_per_minute          INTEGER      NOT NULL,
    org_per_minute         INTEGER      NOT NULL,
    user_tokens_per_minute BIGINT       NOT NULL,
    org_tokens_per_minute  BIGINT       NOT NULL,
    user_per_day           INTEGER      NOT NULL,
    org_per_day            INTEGER      NOT NULL,
    user_key_checks        INTEGER      NOT NULL
);
