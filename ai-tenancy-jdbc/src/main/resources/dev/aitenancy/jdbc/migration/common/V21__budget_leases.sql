-- The budget leases a call reserved from (its worst case, then the lease ids), so a call of an
-- instance that died can be charged from them; NULL for a call reserved on its own.
ALTER TABLE ai_generations ADD COLUMN budget_leases VARCHAR(400);
