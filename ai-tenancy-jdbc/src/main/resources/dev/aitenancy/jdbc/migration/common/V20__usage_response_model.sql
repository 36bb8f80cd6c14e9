-- The model id the provider says answered (e.g. with a date suffix), for gen_ai.response.model.
ALTER TABLE ai_generations ADD COLUMN response_model VARCHAR(200);
