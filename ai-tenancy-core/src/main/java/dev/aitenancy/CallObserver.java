package dev.aitenancy;

import dev.aitenancy.usage.UsageRecord;

/**
 * Told about every finished call (after its usage record is written), e.g. to publish metrics.
 * Runs on the thread that finished the call; must be quick and must not throw.
 */
@FunctionalInterface
public interface CallObserver {

    void finished(UsageRecord record);

    CallObserver NONE = record -> {
    };
}
