-- Administrative actions and secret reads per org. Never holds key material.
CREATE TABLE ai_audit_log (
    id       UUID         NOT NULL PRIMARY KEY,
    org_id   VARCHAR(128) NOT NULL,
    actor    VARCHAR(256),
    action   VARCHAR(64)  NOT NULL,
    target   VARCHAR(256),
    detail   VARCHAR(1000),
    at       TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ai_audit_log_org_at ON ai_audit_log (org_id, at DESC);
