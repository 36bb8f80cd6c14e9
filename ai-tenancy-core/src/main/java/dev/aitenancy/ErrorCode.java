package dev.aitenancy;

/**
 * Stable error codes. The string form ({@link #name()}) is part of the public contract: hosts may
 * store it, match on it and show it to users. New codes may be added; existing ones never change.
 */
public enum ErrorCode {
    /** The request itself is malformed (bad argument, unsupported org type, ...). */
    AI_INVALID_REQUEST(false),
    /** A prompt template refers to a variable that the context does not provide. */
    AI_TEMPLATE_MISSING_VARIABLE(false),
    /** A prompt template is not well formed (for example an unclosed <code>&#123;&#123;</code>). */
    AI_TEMPLATE_INVALID(false),
    /** The org has no stored template of that name (or not that version). */
    AI_TEMPLATE_NOT_FOUND(false),
    /** The requested feature is switched off for this organization. */
    AI_FEATURE_DISABLED(false),
    /** The organization has no API key for the provider it asked for. */
    AI_CONFIG_MISSING_API_KEY(false),
    /** Neither the request, a feature preference nor an org default names a model. */
    AI_CONFIG_NO_DEFAULT_MODEL(false),
    /** No provider client is registered for the provider the model belongs to. */
    AI_CONFIG_NO_PROVIDER(false),
    /** Any other configuration problem of the organization or of the library. */
    AI_CONFIG_INVALID(false),
    /** The model is not on the organization's allowlist. */
    AI_MODEL_NOT_ALLOWED(false),
    /** The model is outside the tiers the caller may use. */
    AI_TIER_DENIED(false),
    /** A guardrail blocked the request or the answer. */
    AI_GUARDRAIL_BLOCKED(false),
    /** A rate limit of this library refused the call; retry after the given time. */
    AI_RATE_LIMITED(true),
    /** A hard budget has no room left for this call. */
    AI_BUDGET_EXCEEDED(false),
    /**
     * The call's model has no price, so a hard budget that applies cannot count it, and that budget
     * does not allow unpriced models ({@code Budget.allowUnpriced}): give the model a price, or an
     * admin can allow unpriced models under the budget. Retrying will not help.
     */
    AI_BUDGET_UNPRICED_MODEL(false),
    /** The provider rejected the key (401/403, or Gemini's API_KEY_INVALID). */
    AI_PROVIDER_AUTH(false),
    /** The provider rate limited the call (429 that is not a quota/credit problem). */
    AI_PROVIDER_RATE_LIMITED(true),
    /** The provider account is out of credit or quota; retrying will not help. */
    AI_PROVIDER_QUOTA_EXHAUSTED(false),
    /** The provider is overloaded: HTTP 503 or Anthropic's 529, whatever the provider. */
    AI_PROVIDER_OVERLOADED(true),
    /** The provider failed (500, 502, other 5xx), could not be reached, or a stream broke off. */
    AI_PROVIDER_UNAVAILABLE(true),
    /**
     * The call's deadline passed (its timeout covers every retry), or the provider said it timed out
     * (408, 504). The library retries the provider's own timeouts while the deadline leaves room.
     */
    AI_PROVIDER_TIMEOUT(true),
    /** The provider refused the request as malformed (400/404/413/422). */
    AI_PROVIDER_BAD_REQUEST(false),
    /** The prompt plus the output cap do not fit the model's context window. */
    AI_CONTEXT_TOO_LONG(false),
    /**
     * The provider answered something this library cannot read (invalid JSON, an answer of the wrong
     * shape). Not retried: the provider may already have billed the answer, and the same request
     * gets the same answer.
     */
    AI_PROVIDER_PROTOCOL(false),
    /** The caller canceled the call. */
    AI_CANCELED(false),
    /**
     * A store the call needs (rate limits, budgets, keys, models, usage records) failed or did not
     * answer in time; retry once it is back. No SQL or driver detail is in the message.
     */
    AI_STORE_UNAVAILABLE(true),
    /**
     * The provider does not know the model id (HTTP 404 {@code model_not_found}, Gemini
     * {@code NOT_FOUND}, Anthropic {@code not_found_error}, Azure {@code DeploymentNotFound}): an
     * admin should check the model id configured for the org. Retrying will not help.
     */
    AI_PROVIDER_MODEL_NOT_FOUND(false),
    /**
     * The conversation does not exist for this org and user: it never did, was deleted or purged,
     * or belongs to someone else (the error never says which). Start a new conversation.
     */
    AI_CONVERSATION_NOT_FOUND(false),
    /**
     * The model's answer is not the JSON the request asked for: it does not parse, or it violates
     * the schema. The raw answer is kept in the usage record (if the org stores text); nothing is
     * half-filled. Retrying may give a valid answer.
     */
    AI_OUTPUT_INVALID(false);

    private final boolean retryable;

    ErrorCode(boolean retryable) {
        this.retryable = retryable;
    }

    /**
     * Whether the same call may succeed if retried later, unchanged. A provider client retries a
     * failure exactly when its code is retryable (and the call's deadline and retry policy leave
     * room); it never retries any other.
     */
    public boolean retryable() {
        return retryable;
    }
}
