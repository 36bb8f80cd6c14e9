-- The sweeps find the started calls of a dead instance through an index on (instance_id,
-- started_at), from the instant its lease row notes: every started row of the instance started at
-- or after in_flight_since (NULL: no bound known, as for instances of earlier versions). The index
-- on (status, instance_id) goes: every finished call changed its status, so its update had to write
-- a new entry in each of the table's indexes; now it changes no indexed column.
ALTER TABLE ai_usage_instances ADD COLUMN in_flight_since TIMESTAMP WITH TIME ZONE;
CREATE INDEX ai_generations_instance_started ON ai_generations (instance_id, started_at);
DROP INDEX ai_generations_status_instance;
