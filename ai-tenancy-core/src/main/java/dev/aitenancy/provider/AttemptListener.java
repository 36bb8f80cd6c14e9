package dev.aitenancy.provider;

import java.util.function.Consumer;

/**
 * Told about each HTTP attempt of one provider request: the first and every retry (e.g. to make
 * each a span). Called on the client's threads; must be quick and must not throw.
 */
@FunctionalInterface
public interface AttemptListener {

    /** Listens to nothing. */
    AttemptListener NONE = attempt -> code -> {
    };

    /**
     * Attempt number {@code attempt} (1 for the first) is being sent.
     *
     * @return told once when it ends: the error code of its failure, or null when it succeeded
     */
    Consumer<String> attemptStarted(int attempt);
}
