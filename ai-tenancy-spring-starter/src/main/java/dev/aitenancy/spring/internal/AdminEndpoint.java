package dev.aitenancy.spring.internal;

import dev.aitenancy.AiTenancyException;
import dev.aitenancy.spring.internal.wire.ErrorView;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * The base of the admin endpoint classes: their failures become {@code {"code","message"}} bodies.
 * The handlers apply to these endpoints only, never to the application's own controllers.
 */
public abstract class AdminEndpoint {

    private static final Logger log = LoggerFactory.getLogger(AdminEndpoint.class);
    /** A Java class or package name such as {@code java.lang.Foo}: never part of an error body. */
    private static final Pattern NAMES_A_CLASS = Pattern.compile("\\b(java|javax|jakarta|com|org|dev|sun)\\.[a-z]");

    protected final AdminSupport support;

    protected AdminEndpoint(AdminSupport support) {
        this.support = Objects.requireNonNull(support, "support");
    }

    @ExceptionHandler(AiTenancyException.class)
    ResponseEntity<byte[]> onLibraryError(AiTenancyException e) {
        return support.error(e);
    }

    @ExceptionHandler(AdminHttpException.class)
    ResponseEntity<byte[]> onRefusal(AdminHttpException e) {
        return support.error(e);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<byte[]> onBadArgument(IllegalArgumentException e) {
        String message = e.getMessage();
        if (message == null || NAMES_A_CLASS.matcher(message).find()) {
            log.debug("ai-tenancy admin endpoint refused an argument", e);
            message = "the request has a value of the wrong form";
        }
        return support.error(AdminHttpException.badRequest(message));
    }

    /** A body that could not be read: over the size cap (413), or not readable as text (400). */
    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<byte[]> onUnreadableBody(HttpMessageNotReadableException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RequestBodyLimit.TooLarge tooLarge) {
                return support.error(tooLarge.refusal());
            }
        }
        return support.error(AdminHttpException.badRequest("the request body could not be read; send JSON in UTF-8"));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<byte[]> onMethod(HttpRequestMethodNotSupportedException e) {
        return support.error(new AdminHttpException(405, AdminHttpException.INVALID_REQUEST,
                "method " + e.getMethod() + " is not supported here"));
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<byte[]> onMediaType(HttpMediaTypeNotSupportedException e) {
        return support.error(new AdminHttpException(415, AdminHttpException.INVALID_REQUEST,
                "send the request body as application/json"));
    }

    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<byte[]> onUnexpected(RuntimeException e) {
        if (e.getClass().getName().equals("org.springframework.security.web.firewall.RequestRejectedException")) {
            // Spring Security's firewall refused a header (control characters, say) when it was read
            return support.error(AdminHttpException.badRequest("a request header holds characters that are not "
                    + "allowed; send printable characters only"));
        }
        log.error("ai-tenancy admin endpoint failed unexpectedly", e);
        return support.respond(500, new ErrorView("AI_INTERNAL",
                "the request failed unexpectedly; the server log has the details"));
    }
}
