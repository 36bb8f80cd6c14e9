package dev.aitenancy.admin;

import dev.aitenancy.usage.AuditEvent;

/**
 * An administrative change was made but its audit event could not be written (the audit log's
 * store failed). The change stands; the event is attached so the host can record it elsewhere,
 * and it was logged at error level.
 */
public final class AuditFailedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final transient AuditEvent event;

    public AuditFailedException(AuditEvent event, Throwable cause) {
        super("the change " + event.action() + (event.target() == null ? "" : " of " + event.target())
                + " by " + event.actor() + " in org " + event.org().value()
                + " was made, but its audit event could not be written: " + cause.getMessage(), cause);
        this.event = event;
    }

    /** The event that was not written. */
    public AuditEvent event() {
        return event;
    }
}
