package dev.aitenancy.provider.internal;

import com.fasterxml.jackson.core.JacksonException;
import dev.aitenancy.AiTenancyException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.ProviderException;
import dev.aitenancy.internal.Secrets;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderId;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLException;

/**
 * Turns whatever went wrong into a {@link ProviderException}: the {@link Situation} (from the
 * status, refined by the wire format's reading of the body), its code, and a message that says
 * what happened and what to do — with keys masked, and without parser or HTTP-client internals.
 */
final class ErrorClassifier {

    private static final int MAX_MESSAGE = 500;

    /** Who a failure belongs to: the provider, the org, the model asked for, and the key to mask. */
    record Context(ProviderId provider, String orgId, String model, ApiKey key) {
    }

    private final WireFormat format;

    ErrorClassifier(WireFormat format) {
        this.format = format;
    }

    /** A non-2xx answer. */
    ProviderException http(int status, HttpHeaders headers, String body, Context ctx) {
        ErrorDetails details;
        try {
            details = format.errorDetails(status, body);
        } catch (RuntimeException e) {
            details = ErrorDetails.generic(body);
        }
        Situation situation = details.situation() != null ? details.situation() : Situation.ofStatus(status);
        if (situation == Situation.NOT_FOUND && namesAModel(details, ctx)) {
            situation = Situation.MODEL_NOT_FOUND;
        }
        situation = overloadedIfSaid(situation, details.message());
        Duration retryAfter = retryAfterHeader(headers);
        if (retryAfter == null) {
            retryAfter = details.retryAfter();
        }
        String said = details.message() != null ? ": " + oneLine(details.message()) : "";
        String message = situation == Situation.MODEL_NOT_FOUND
                ? ctx.provider() + " does not know the model '" + ctx.model() + "' (HTTP " + status
                        + (details.providerCode() != null ? ", " + details.providerCode() : "") + said + ")"
                : ctx.provider() + " answered HTTP " + status
                        + (details.providerCode() != null ? " (" + details.providerCode() + ")" : "") + said;
        return build(situation, ctx, status, details.providerCode(), retryAfter, message + advice(situation, ctx),
                null);
    }

    /** The call's deadline passed before an answer (or, in a stream, before its first token). */
    ProviderException deadline(Context ctx, Duration timeout, int attempts, ProviderException last) {
        String tried = attempts == 0 ? "no request was sent"
                : attempts + (attempts == 1 ? " request sent" : " requests sent")
                        + (last != null ? ", the last failure before it: " + last.code() : "");
        return build(Situation.DEADLINE_PASSED, ctx, 0, null, null, ctx.provider() + " did not answer within "
                + timeout.toMillis() + " ms, the call's timeout (" + tried + "); if its answers take longer, "
                + "raise JobRequest.timeout or ProviderSettings.requestTimeout", null);
    }

    /** A stream went silent after its first token for longer than the call's timeout. */
    ProviderException silence(Context ctx, Duration limit, int characters) {
        return build(Situation.DEADLINE_PASSED, ctx, 0, null, null, "the " + ctx.provider() + " stream sent nothing for "
                + limit.toMillis() + " ms after " + characters + " characters; the answer is incomplete", null);
    }

    /** The executor that runs attempts refused one: too many calls in flight. */
    ProviderException saturated(Context ctx, Throwable cause) {
        return build(Situation.OVERLOADED, ctx, 0, null, null, "too many " + ctx.provider()
                + " calls in flight: the executor that runs them refused this one", cause);
    }

    /** A failure without an HTTP answer: no connection, a reset, TLS. */
    ProviderException transport(Throwable failure, Context ctx) {
        Throwable t = unwrap(failure);
        if (t instanceof ProviderException pe) {
            return pe;
        }
        if (t instanceof HttpConnectTimeoutException) {
            return build(Situation.CONNECT_TIMEOUT, ctx, 0, null, null,
                    "could not connect to " + ctx.provider() + " in time (the client's connect timeout)", t);
        }
        boolean noConnection = t instanceof ConnectException || t instanceof UnknownHostException
                || t instanceof UnresolvedAddressException || t instanceof SSLException;
        String what = noConnection ? "could not connect to " + ctx.provider() : "the connection to " + ctx.provider()
                + " failed";
        return build(Situation.UNREACHABLE, ctx, 0, null, null, what + " (" + describe(t) + ")", t);
    }

    /** A 2xx answer that cannot be read. */
    ProviderException unreadable(Context ctx, int status, Throwable cause) {
        return build(Situation.UNREADABLE, ctx, status, null, null, ctx.provider() + " answered HTTP " + status
                + " with " + whatIsWrong(cause) + "; the answer cannot be read", cause);
    }

    /** A stream event that cannot be read. */
    ProviderException unreadableEvent(Context ctx, Throwable cause) {
        return build(Situation.UNREADABLE, ctx, 0, null, null, "the " + ctx.provider() + " stream sent an event with "
                + whatIsWrong(cause) + "; the answer cannot be read", cause);
    }

    /** The connection broke off in the middle of a stream. */
    ProviderException streamBroke(Context ctx, int characters, Throwable cause) {
        return build(Situation.STREAM_CUT, ctx, 0, null, null, "the " + ctx.provider() + " stream broke off after "
                + characters + " characters (" + describe(unwrap(cause)) + ")", cause);
    }

    /** What a wire format reported from inside a stream ({@link StreamSink#fail}). */
    ProviderException inStream(Situation reported, String providerCode, String message, Context ctx) {
        Situation situation = overloadedIfSaid(reported, message);
        String text = situation == Situation.STREAM_CUT
                ? "the " + ctx.provider() + " stream " + (message != null ? message : "ended early")
                : ctx.provider() + " reported an error inside the stream"
                        + (providerCode != null ? " (" + providerCode + ")" : "")
                        + (message != null ? ": " + oneLine(message) : "");
        return build(situation, ctx, 0, providerCode, null, text + advice(situation, ctx), null);
    }

    /**
     * The request could not even be built (a model id that cannot go into a URL, ...); a request the
     * wire format refuses as invalid (an image Gemini cannot take) keeps its own error.
     */
    AiTenancyException cannotBuild(Context ctx, Exception cause) {
        if (cause instanceof InvalidRequestException invalid) {
            return invalid;
        }
        return build(Situation.BAD_REQUEST, ctx, 0, null, null, "could not build the request to " + ctx.provider()
                + " (" + describe(cause) + ")", cause);
    }

    // ---- reading ----------------------------------------------------------------------------------

    /** {@code retry-after-ms}, else {@code retry-after} in seconds or as an HTTP date; null when absent. */
    static Duration retryAfterHeader(HttpHeaders headers) {
        if (headers == null) {
            return null;
        }
        Optional<String> ms = headers.firstValue("retry-after-ms");
        if (ms.isPresent()) {
            try {
                return Duration.ofNanos((long) (Double.parseDouble(ms.get().trim()) * 1_000_000));
            } catch (NumberFormatException ignored) {
                // fall back to retry-after
            }
        }
        Optional<String> after = headers.firstValue("retry-after");
        if (after.isEmpty()) {
            return null;
        }
        String v = after.get().trim();
        try {
            return Duration.ofNanos((long) (Double.parseDouble(v) * 1_000_000_000L));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException notDate) {
                return null;
            }
        }
    }

    /** Whether a 404 is about the model: the body names it, or says "model" or "deployment". */
    private static boolean namesAModel(ErrorDetails details, Context ctx) {
        if (ctx.model() == null) {
            return false; // a key check names no model: a 404 there is a wrong URL
        }
        String text = ((details.providerCode() == null ? "" : details.providerCode()) + " "
                + (details.message() == null ? "" : details.message())).toLowerCase(Locale.ROOT);
        return text.contains("model") || text.contains("deployment")
                || text.contains(ctx.model().toLowerCase(Locale.ROOT));
    }

    /** A server error whose message says the provider is overloaded is an overload, whoever says it. */
    private static Situation overloadedIfSaid(Situation situation, String message) {
        return situation == Situation.SERVER_ERROR && message != null
                && message.toLowerCase(Locale.ROOT).contains("overloaded") ? Situation.OVERLOADED : situation;
    }

    private static String advice(Situation situation, Context ctx) {
        String org = ctx.orgId() == null ? "" : " of org " + ctx.orgId();
        return switch (situation) {
            case KEY_REFUSED, NOT_PERMITTED -> " — the " + ctx.provider() + " key" + org
                    + " was refused; check or replace it under providers";
            case QUOTA_EXHAUSTED -> " — the " + ctx.provider() + " account" + org
                    + " is out of credit or quota; add credit with the provider";
            case CONTEXT_TOO_LONG -> " — shorten the prompt or lower max output tokens";
            case MODEL_NOT_FOUND -> " — the model id does not exist at " + ctx.provider()
                    + ", or this key may not use it: an admin should check the model configured"
                    + (ctx.orgId() == null ? "" : " for org " + ctx.orgId());
            case NOT_FOUND -> " — check the " + ctx.provider() + " client's base URL: the provider's origin, "
                    + "to which the client adds the API's path";
            default -> "";
        };
    }

    private static String whatIsWrong(Throwable cause) {
        if (cause instanceof AnswerUnreadable shape) {
            return "JSON of an unexpected shape (" + shape.getMessage() + ")";
        }
        if (cause instanceof JacksonException json && json.getLocation() != null
                && json.getLocation().getLineNr() > 0) {
            return "a body that is not valid JSON (at line " + json.getLocation().getLineNr() + ", column "
                    + json.getLocation().getColumnNr() + ")";
        }
        return "a body that is not valid JSON";
    }

    /** A failure in plain words: what kind, never a class name. */
    private static String describe(Throwable t) {
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
            return "unknown host";
        }
        if (t instanceof SSLException) {
            return "TLS handshake failed";
        }
        if (t instanceof IllegalArgumentException) {
            return "invalid URL or header";
        }
        String m = t == null ? null : t.getMessage();
        if (t instanceof IOException && m != null && m.length() <= 120 && !m.contains("Exception")) {
            return oneLine(m);
        }
        return "I/O error";
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String oneLine(String s) {
        String line = s.replaceAll("\\s+", " ").strip();
        return line.length() <= MAX_MESSAGE ? line : line.substring(0, MAX_MESSAGE) + "…";
    }

    private static ProviderException build(Situation situation, Context ctx, int status, String providerCode,
            Duration retryAfter, String message, Throwable cause) {
        String secret = ctx.key() == null ? null : ctx.key().reveal();
        ErrorCode code = situation.code();
        return ProviderException.builder(code, Secrets.scrub(message, secret))
                .org(ctx.orgId())
                .provider(ctx.provider().name())
                .httpStatus(status)
                .providerCode(Secrets.scrub(providerCode, secret))
                .retryAfter(retryAfter)
                .cause(cause == null ? null : new ScrubbedCause(cause, secret))
                .build();
    }

    /** A cause kept for its type and stack, with its message scrubbed of key material and parser noise. */
    static final class ScrubbedCause extends IOException {
        private static final long serialVersionUID = 1L;

        ScrubbedCause(Throwable original, String secret) {
            super(original.getClass().getName() + ": " + Secrets.scrub(String.valueOf(
                    original instanceof JacksonException json ? json.getOriginalMessage() : original.getMessage()),
                    secret));
            setStackTrace(original.getStackTrace());
        }
    }
}
