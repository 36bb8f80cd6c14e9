package dev.aitenancy.spring.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.AiTenancyException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.RateLimitedException;
import dev.aitenancy.spring.AdminAuthorizer;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.spring.AdminPrincipal;
import dev.aitenancy.spring.OrgDirectory;
import dev.aitenancy.spring.internal.wire.ErrorView;
import dev.aitenancy.spring.internal.wire.WireJson;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * What every admin endpoint does: authorize, read a request record, write a response record, turn
 * failures into error bodies. JSON goes through {@link WireJson}'s mappers only.
 */
public final class AdminSupport {

    /** The header a correlation id is read from and echoed in. */
    public static final String CORRELATION_HEADER = "x-correlation-id";

    private final AdminAuthorizer authorizer;
    private final OrgDirectory orgs;
    public AdminSupport(AdminAuthorizer authorizer, OrgDirectory orgs) {
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
        this.orgs = Objects.requireNonNull(orgs, "orgs");
    }

    /** An authorized request: the org and who asked. */
    public record Access(OrgId org, AdminPrincipal principal) {

        /** The caller as the library sees them: user, groups and IP. */
        public Caller caller(HttpServletRequest request) {
            return new Caller(principal.userId(), principal.groups(), request.getRemoteAddr(), Set.of());
        }

        public String actor() {
            return principal.userId();
        }
    }

    /**
     * Checks that the request has a caller (else 401), that the org id is well formed (400), that
     * the caller may do this in the org (403) and that the org exists (404), in that order.
     */
    public Access authorize(HttpServletRequest request, String org, AdminPermission permission) {
        AdminPrincipal principal = principal(request);
        OrgId id = OrgId.of(org);
        if (!authorizer.allows(principal, id, permission)) {
            throw new AdminHttpException(403, AdminHttpException.FORBIDDEN, "user " + principal.userId()
                    + " may not " + describe(permission) + " in org " + id);
        }
        if (!orgs.exists(id)) {
            throw AdminHttpException.notFound("there is no org " + id);
        }
        return new Access(id, principal);
    }

    /** The caller of the request; 401 when there is none. */
    public AdminPrincipal principal(HttpServletRequest request) {
        return authorizer.principal(request).orElseThrow(() -> new AdminHttpException(401,
                AdminHttpException.UNAUTHENTICATED, "sign in first: the ai-tenancy endpoints need an authenticated "
                        + "caller (Spring Security, or an AdminAuthorizer bean of the application)"));
    }

    private static String describe(AdminPermission p) {
        return switch (p) {
            case GENERATE -> "generate";
            case READ_OWN_USAGE -> "read their usage";
            case READ -> "read the configuration and usage";
            case MANAGE -> "change the configuration";
        };
    }

    // ---- JSON in --------------------------------------------------------------------------------

    /**
     * The request body as a {@code type} record (one of the {@code *Request} records of
     * {@link dev.aitenancy.spring.internal.wire}); 400 when it is missing, not a JSON object, or a
     * field does not have its component's kind ({@code "maxOutputTokens" must be a whole number}).
     * Fields the record does not have are ignored.
     */
    public <T extends Record> T read(String raw, Class<T> type) {
        return bind(body(raw), type);
    }

    /** As {@link #read}, but a missing or blank body reads as {@code {}}. */
    public <T extends Record> T readOrEmpty(String raw, Class<T> type) {
        return bind(raw == null || raw.isBlank() ? WireJson.mapper().createObjectNode() : body(raw), type);
    }

    /** The request body as a JSON object; 400 when it is missing or not a JSON object. */
    public ObjectNode body(String raw) {
        if (raw == null || raw.isBlank()) {
            throw AdminHttpException.badRequest("a JSON object is required as the request body");
        }
        try {
            JsonNode node = WireJson.mapper().readTree(raw);
            if (node instanceof ObjectNode o) {
                return o;
            }
        } catch (JsonProcessingException e) {
            throw AdminHttpException.badRequest(JsonProblems.ofBody(e, WireJson.MAX_NESTING_DEPTH));
        }
        throw AdminHttpException.badRequest("the request body must be a JSON object");
    }

    /**
     * A parsed body as a {@code type} record, read by {@link WireJson#requests()}; a library error
     * raised while reading a value (a guardrail pattern that cannot run in linear time) is thrown as is.
     */
    public <T extends Record> T bind(ObjectNode body, Class<T> type) {
        try {
            return WireJson.requests().treeToValue(body, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof AiTenancyException library) {
                    throw library;
                }
            }
            throw AdminHttpException.badRequest(JsonProblems.ofField(type, e));
        }
    }

    /** {@code value}, or 400 {@code "field" is required} when it is null or blank. */
    public static String requiredText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw AdminHttpException.badRequest("\"" + field + "\" is required");
        }
        return value;
    }

    /** {@code value}, or 400 {@code "field" is required} when it is null. */
    public static <V> V required(V value, String field) {
        if (value == null) {
            throw AdminHttpException.badRequest("\"" + field + "\" is required");
        }
        return value;
    }

    // ---- query parameters -------------------------------------------------------------------------

    public static Instant instantParam(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(value).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e2) {
                throw AdminHttpException.badRequest("\"" + name + "\" must be an ISO-8601 instant "
                        + "(2026-11-01T00:00:00Z) or date (2026-11-01)");
            }
        }
    }

    public static LocalDate dateParam(String name, String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException | NullPointerException e) {
            throw AdminHttpException.badRequest("\"" + name + "\" must be an ISO-8601 date (2026-11-01)");
        }
    }

    public static int intParam(String name, String value, int fallback, int min, int max) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(value.strip());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw AdminHttpException.badRequest("\"" + name + "\" must be a whole number from " + min + " to " + max);
    }

    // ---- JSON out -------------------------------------------------------------------------------

    public ResponseEntity<byte[]> ok(Object body) {
        return respond(200, body);
    }

    public ResponseEntity<byte[]> respond(int status, Object body) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(bytes(body));
    }

    /** {@code body} (one of the records of {@link dev.aitenancy.spring.internal.wire}) as JSON. */
    public byte[] bytes(Object body) {
        try {
            return WireJson.mapper().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write a response", e);
        }
    }

    // ---- errors ---------------------------------------------------------------------------------

    /** The error body and status of a library error; 429 with {@code Retry-After} for a rate limit. */
    public ResponseEntity<byte[]> error(AiTenancyException e) {
        ResponseEntity.BodyBuilder b = ResponseEntity.status(status(e.code())).contentType(MediaType.APPLICATION_JSON);
        if (e instanceof RateLimitedException r && r.retryAfter() != null) {
            b.header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds(r.retryAfter())));
        }
        return b.body(bytes(new ErrorView(e.code().name(), e.getMessage())));
    }

    public ResponseEntity<byte[]> error(AdminHttpException e) {
        return respond(e.status(), new ErrorView(e.code(), e.getMessage()));
    }

    /** A UUID given as {@code field}, or 400 saying so. */
    public static java.util.UUID uuid(String field, String value) {
        try {
            return java.util.UUID.fromString(value.strip());
        } catch (IllegalArgumentException e) {
            throw AdminHttpException.badRequest("\"" + field + "\" must be a UUID");
        }
    }

    /** Whole seconds, rounded up, at least 1. */
    public static long retryAfterSeconds(Duration d) {
        long s = d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
        return Math.max(1, s);
    }

    /** The HTTP status of each library error code. */
    public static int status(ErrorCode code) {
        return switch (code) {
            case AI_INVALID_REQUEST, AI_TEMPLATE_INVALID, AI_TEMPLATE_MISSING_VARIABLE, AI_CONTEXT_TOO_LONG -> 400;
            case AI_TEMPLATE_NOT_FOUND, AI_CONVERSATION_NOT_FOUND -> 404;
            case AI_FEATURE_DISABLED, AI_MODEL_NOT_ALLOWED, AI_TIER_DENIED, AI_GUARDRAIL_BLOCKED -> 403;
            case AI_BUDGET_EXCEEDED, AI_BUDGET_UNPRICED_MODEL -> 402;
            case AI_CONFIG_MISSING_API_KEY, AI_CONFIG_NO_DEFAULT_MODEL, AI_CONFIG_NO_PROVIDER, AI_CONFIG_INVALID,
                    AI_CANCELED -> 409;
            case AI_PROVIDER_AUTH -> 422;
            case AI_RATE_LIMITED, AI_PROVIDER_RATE_LIMITED -> 429;
            case AI_PROVIDER_TIMEOUT -> 504;
            case AI_PROVIDER_OVERLOADED, AI_PROVIDER_UNAVAILABLE, AI_STORE_UNAVAILABLE -> 503;
            case AI_PROVIDER_QUOTA_EXHAUSTED, AI_PROVIDER_BAD_REQUEST, AI_PROVIDER_MODEL_NOT_FOUND,
                    AI_PROVIDER_PROTOCOL, AI_OUTPUT_INVALID -> 502;
            default -> 400; // a code added later
        };
    }

    /**
     * An enum constant named in any case ({@code block}, {@code BLOCK}, {@code Block}), for body
     * fields and query parameters alike, or 400 listing the allowed names.
     */
    public static <E extends Enum<E>> E enumOf(Class<E> type, String field, String value) {
        String name = value == null ? "" : value.strip();
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(name)) {
                return constant;
            }
        }
        throw AdminHttpException.badRequest("\"" + field + "\" must be one of "
                + java.util.Arrays.stream(type.getEnumConstants())
                        .map(c -> c.name().toLowerCase(java.util.Locale.ROOT)).toList());
    }
}
