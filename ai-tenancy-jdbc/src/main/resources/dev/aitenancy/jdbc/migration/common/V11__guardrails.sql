-- Guardrails: global rules (org_id '') and each org's rules for the org, its tiers, groups and users.
-- The rule itself is JSON with its kind as "type"; position keeps the order rules were created in.
CREATE TABLE ai_guardrails (
    id         UUID          NOT NULL PRIMARY KEY,
    position   BIGINT        GENERATED ALWAYS AS IDENTITY,
    org_id     VARCHAR(128)  NOT NULL,
    level      VARCHAR(8)    NOT NULL,
    subject    VARCHAR(256),
    name       VARCHAR(200)  NOT NULL,
    kind       VARCHAR(32)   NOT NULL,
    action     VARCHAR(8)    NOT NULL,
    enabled    BOOLEAN       NOT NULL,
    rule       VARCHAR(65536) NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ai_guardrails_org ON ai_guardrails (org_id, position);
