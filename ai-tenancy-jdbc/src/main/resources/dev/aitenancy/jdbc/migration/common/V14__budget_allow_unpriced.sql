-- Whether calls to a model without a price may go ahead under the budget (an admin's explicit
-- choice; by default a hard budget refuses them with AI_BUDGET_UNPRICED_MODEL).
ALTER TABLE ai_budgets ADD COLUMN allow_unpriced BOOLEAN DEFAULT FALSE NOT NULL;
