-- The sweeps find the started calls of a dead instance through an index on (instance_id,
-- started_at), from the instant its lease row notes: every started row of the instance started at
-- or after in_flight_since (NULL: no bound known). The index
-- on (status, instance_id) goes: every finished call changed its status, so its update had to write
-- a new entry in each of the table's indexes; now it changes no indexed column.
ALTER TABLE ai_usage_instances ADD COLUMN in_flight_since TIMESTAMP WITH TIME ZONE;
-- the instances already there (of earlier versions, stopped for the upgrade): the start of their
-- earliest started call, found through the index that goes below, or now when they have none
UPDATE ai_usage_instances SET in_flight_since = COALESCE((SELECT MIN(g.started_at) FROM ai_generations g
    WHERE g.status = 'started' AND g.instance_id = ai_usage_instances.id), CURRENT_TIMESTAMP);
CREATE INDEX ai_generations_instance_started ON ai_generations (instance_id, started_at);
DROP INDEX ai_generations_status_instance;
