package dev.aitenancy.spring.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.JobRequest;
import dev.aitenancy.spring.internal.wire.GenerateWire.CorrelationRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.async.DeferredResult;

/** What the endpoints that make calls (generate, embeddings) share: the correlation id and the asynchronous answer. */
final class CallAnswers {

    /** The longest a call or stream may take in all before the response gives up on it. */
    static final Duration LONGEST_CALL = Duration.ofMinutes(30);

    private CallAnswers() {
    }

    /**
     * The call's correlation id: the body's {@code correlationId}, else the header's, else a new
     * one; echoed in the response header (on errors too) unless the request will refuse it.
     */
    static String correlationId(AdminSupport support, ObjectNode body, String header, HttpServletResponse response) {
        String id = support.bind(body, CorrelationRequest.class).correlationId(); // read first, as echoed
        if (id == null) {
            id = header != null && !header.isBlank() ? header : UUID.randomUUID().toString();
        }
        if (id.length() <= JobRequest.MAX_CORRELATION_ID_LENGTH && id.chars().noneMatch(Character::isISOControl)) {
            response.setHeader(AdminSupport.CORRELATION_HEADER, id);
        }
        return id;
    }

    /** Answers with {@code view} of the call's result when it has one: no request thread waits meanwhile. */
    static <T> DeferredResult<ResponseEntity<byte[]>> whenDone(AdminSupport support, CompletableFuture<T> call,
            Function<T, Object> view) {
        DeferredResult<ResponseEntity<byte[]>> answer = new DeferredResult<>(LONGEST_CALL.toMillis());
        answer.onTimeout(() -> call.cancel(true));
        call.whenComplete((result, failure) -> {
            if (failure != null) {
                answer.setErrorResult(failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure);
            } else {
                answer.setResult(ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                        .body(support.bytes(view.apply(result))));
            }
        });
        return answer;
    }
}
