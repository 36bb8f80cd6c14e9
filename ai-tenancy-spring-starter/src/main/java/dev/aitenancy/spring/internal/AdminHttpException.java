package dev.aitenancy.spring.internal;

/** A refusal of the admin endpoints that is not one of the library's errors: 401, 403, 404, 400. */
public final class AdminHttpException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** No authenticated caller. */
    public static final String UNAUTHENTICATED = "AI_UNAUTHENTICATED";
    /** The caller may not do this in this org, or a state-changing request came from a foreign origin. */
    public static final String FORBIDDEN = "AI_FORBIDDEN";
    /** The org, or the thing asked for, does not exist. */
    public static final String NOT_FOUND = "AI_NOT_FOUND";
    /** The request is malformed. */
    public static final String INVALID_REQUEST = "AI_INVALID_REQUEST";

    private final int status;
    private final String code;

    public AdminHttpException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public static AdminHttpException badRequest(String message) {
        return new AdminHttpException(400, INVALID_REQUEST, message);
    }

    public static AdminHttpException notFound(String message) {
        return new AdminHttpException(404, NOT_FOUND, message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
