package dev.aitenancy.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * The test logging's console filter: while a {@link LogCapture} block runs, every event passes (the
 * library logs at DEBUG, so a test can scan everything it wrote for planted keys); otherwise only
 * errors reach the console, so a green run stays quiet.
 */
public final class QuietUnlessCaptured extends Filter<ILoggingEvent> {

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return LogCapture.capturing() || event.getLevel().isGreaterOrEqual(Level.ERROR)
                ? FilterReply.NEUTRAL
                : FilterReply.DENY;
    }
}
