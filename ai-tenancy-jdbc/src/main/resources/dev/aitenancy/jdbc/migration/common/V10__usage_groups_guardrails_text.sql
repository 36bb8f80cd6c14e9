-- The caller's groups (sorted ids joined by ',') and a summary of guardrail outcomes on each call.
ALTER TABLE ai_generations ADD COLUMN group_id VARCHAR(1000);
ALTER TABLE ai_generations ADD COLUMN guardrails VARCHAR(2000);

-- Orgs that store no prompt or answer text in their usage records; an org without a row stores it.
CREATE TABLE ai_usage_text_settings (
    org_id     VARCHAR(128) NOT NULL PRIMARY KEY,
    store_text BOOLEAN      NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Audit queries by actor or action within an org.
CREATE INDEX ai_audit_log_org_actor_at ON ai_audit_log (org_id, actor, at DESC);
CREATE INDEX ai_audit_log_org_action_at ON ai_audit_log (org_id, action, at DESC);
