-- The names of the tools a model asked to call (arguments stay in output_text, when text is stored),
-- what the call was (chat or embeddings; older rows are chat) and which AI preferences shaped it.
ALTER TABLE ai_generations ADD COLUMN tool_calls VARCHAR(1000);
ALTER TABLE ai_generations ADD COLUMN operation VARCHAR(32) DEFAULT 'chat' NOT NULL;
ALTER TABLE ai_generations ADD COLUMN preferences VARCHAR(500);
