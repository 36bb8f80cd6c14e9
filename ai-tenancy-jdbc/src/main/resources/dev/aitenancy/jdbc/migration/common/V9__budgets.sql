-- Budgets per org and (scope, subject, period); subject is '' for org budgets.
CREATE TABLE ai_budgets (
    org_id          VARCHAR(128)    NOT NULL,
    scope           VARCHAR(8)      NOT NULL,
    subject         VARCHAR(256)    NOT NULL,
    period          VARCHAR(8)      NOT NULL,
    limit_usd       DECIMAL(20, 10) NOT NULL,
    hard            BOOLEAN         NOT NULL,
    alert_threshold DECIMAL(6, 4)   NOT NULL,
    zone            VARCHAR(64)     NOT NULL,
    CONSTRAINT ai_budgets_pk PRIMARY KEY (org_id, scope, subject, period)
);

-- Spent and reserved money per budget and period (period_key such as M2026-11-01).
CREATE TABLE ai_budget_usage (
    org_id     VARCHAR(128)    NOT NULL,
    budget_key VARCHAR(300)    NOT NULL,
    period_key VARCHAR(16)     NOT NULL,
    spent      DECIMAL(20, 10) NOT NULL,
    reserved   DECIMAL(20, 10) NOT NULL,
    alerted    BOOLEAN         NOT NULL,
    CONSTRAINT ai_budget_usage_pk PRIMARY KEY (org_id, budget_key, period_key)
);

-- Open reservations; one left by a crashed instance is released when it expires.
CREATE TABLE ai_budget_reservations (
    id         UUID            NOT NULL,
    org_id     VARCHAR(128)    NOT NULL,
    budget_key VARCHAR(300)    NOT NULL,
    period_key VARCHAR(16)     NOT NULL,
    amount     DECIMAL(20, 10) NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT ai_budget_reservations_pk PRIMARY KEY (id, budget_key)
);
CREATE INDEX ai_budget_reservations_expiry ON ai_budget_reservations (expires_at);
