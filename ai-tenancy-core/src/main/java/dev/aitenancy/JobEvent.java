package dev.aitenancy;

/**
 * What a streamed call reports, in order: {@link Token}s and {@link Usage}s, then exactly one of
 * {@link Done} or {@link Error}.
 */
public sealed interface JobEvent {

    /** A piece of generated text. */
    record Token(String text) implements JobEvent {
    }

    /** Token usage as known so far; unknown parts are null. */
    record Usage(TokenUsage usage) implements JobEvent {
    }

    /** The call failed or was canceled ({@code AI_CANCELED}); nothing follows. */
    record Error(AiTenancyException error) implements JobEvent {
    }

    /** The call finished; nothing follows. */
    record Done(JobResult result) implements JobEvent {
    }
}
