-- The names of the tools a model asked to call (arguments stay in output_text, when text is stored).
ALTER TABLE ai_generations ADD COLUMN tool_calls VARCHAR(1000);
