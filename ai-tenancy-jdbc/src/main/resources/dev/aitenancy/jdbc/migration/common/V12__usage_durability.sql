-- The instance that started a call. A started call whose instance stopped renewing its lease in
-- ai_usage_instances is settled as 'abandoned' by a live instance.
ALTER TABLE ai_generations ADD COLUMN instance_id UUID;
CREATE INDEX ai_generations_status_instance ON ai_generations (status, instance_id);

CREATE TABLE ai_usage_instances (
    id          UUID                     NOT NULL PRIMARY KEY,
    alive_until TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Usage records the database refused even after validation, set aside so all other records keep
-- flowing: kept whole (as JSON) for an operator to see, fix and replay.
CREATE TABLE ai_usage_rejected (
    id          UUID                     NOT NULL PRIMARY KEY,
    org_id      VARCHAR(128)             NOT NULL,
    status      VARCHAR(16)              NOT NULL,
    record_json VARCHAR(400000)          NOT NULL,
    reason      VARCHAR(2000)            NOT NULL,
    rejected_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ai_usage_rejected_org ON ai_usage_rejected (org_id, rejected_at);
