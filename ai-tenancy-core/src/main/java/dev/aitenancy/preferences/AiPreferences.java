package dev.aitenancy.preferences;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.JobRequest;
import dev.aitenancy.models.ModelRef;

/**
 * What an org admin sets as the org's defaults, a user as their own, or a request for one call:
 * every part is optional, and {@code null} means "not set at this level" (the next level down
 * applies; see {@link PreferenceMerge}).
 *
 * @param tone            how answers should sound, e.g. {@code formal, in British English}; becomes a
 *                        system instruction. At most {@value #MAX_TONE_LENGTH} characters, no control
 *                        characters but newlines; a blank tone reads as not set
 * @param maxAnswerTokens the longest answer wanted, in output tokens (&gt; 0); the catalog still
 *                        clamps it to the model's and the org's caps
 * @param model           a model to use instead of the one the org would choose; whether the caller
 *                        may use it is decided by the {@link dev.aitenancy.models.ModelCatalog} at
 *                        call time
 */
public record AiPreferences(String tone, Integer maxAnswerTokens, ModelRef model) {

    /** Longest tone accepted, in characters. */
    public static final int MAX_TONE_LENGTH = 500;

    /** Nothing set. */
    public static final AiPreferences NONE = new AiPreferences(null, null, null);

    /**
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} for a tone that is too long or holds
     *                                 control characters, a {@code maxAnswerTokens} of 0 or less, or a
     *                                 model name over {@link JobRequest#MAX_MODEL_LENGTH} characters or
     *                                 with control characters; the message says what to change
     */
    public AiPreferences {
        tone = tone == null || tone.isBlank() ? null : tone;
        if (tone != null) {
            if (tone.length() > MAX_TONE_LENGTH) {
                throw invalid("the tone is " + tone.length() + " characters long; at most " + MAX_TONE_LENGTH
                        + " are accepted, shorten it");
            }
            if (tone.chars().anyMatch(c -> c != '\n' && Character.isISOControl(c))) {
                throw invalid("the tone contains control characters; use printable characters and line breaks only");
            }
        }
        if (maxAnswerTokens != null && maxAnswerTokens <= 0) {
            throw invalid("maxAnswerTokens must be a whole number above 0, was " + maxAnswerTokens
                    + "; leave it out to keep the default");
        }
        if (model != null) {
            if (model.model().length() > JobRequest.MAX_MODEL_LENGTH) {
                throw invalid("the model name is " + model.model().length() + " characters long; at most "
                        + JobRequest.MAX_MODEL_LENGTH + " are accepted");
            }
            if (model.model().chars().anyMatch(Character::isISOControl)) {
                throw invalid("the model name contains control characters; use printable characters only");
            }
        }
    }

    /** Whether no part is set. */
    public boolean isEmpty() {
        return tone == null && maxAnswerTokens == null && model == null;
    }

    /** These preferences with {@code tone} instead (null: not set). */
    public AiPreferences withTone(String tone) {
        return new AiPreferences(tone, maxAnswerTokens, model);
    }

    /** These preferences with {@code maxAnswerTokens} instead (null: not set). */
    public AiPreferences withMaxAnswerTokens(Integer maxAnswerTokens) {
        return new AiPreferences(tone, maxAnswerTokens, model);
    }

    /** These preferences with {@code model} instead (null: not set). */
    public AiPreferences withModel(ModelRef model) {
        return new AiPreferences(tone, maxAnswerTokens, model);
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, message);
    }
}
