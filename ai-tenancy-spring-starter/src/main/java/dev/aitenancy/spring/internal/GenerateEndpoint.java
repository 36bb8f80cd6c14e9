package dev.aitenancy.spring.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.AiTenancyException;
import dev.aitenancy.JobEvent;
import dev.aitenancy.JobRequest;
import dev.aitenancy.LLMJob;
import dev.aitenancy.StreamHandle;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.spring.internal.wire.ErrorView;
import dev.aitenancy.spring.internal.wire.ChatWire;
import dev.aitenancy.spring.internal.wire.GenerateWire.GenerateRequest;
import dev.aitenancy.spring.internal.wire.GenerateWire.GenerateResult;
import dev.aitenancy.spring.internal.wire.GenerateWire.TokenEventView;
import dev.aitenancy.spring.internal.wire.GenerateWire.TokenUsageView;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code POST /orgs/{org}/generate}: runs a prompt (or a stored template) for the org as the
 * calling user: a {@link GenerateRequest}, answered with a {@link GenerateResult}, or with
 * {@code "stream": true} a {@code text/event-stream} of {@code token} ({@link TokenEventView}) and
 * {@code usage} ({@link TokenUsageView}) events ending in {@code done} (the result) or {@code error}
 * ({@link ErrorView}). Every answer after the body was read echoes the correlation id.
 * A call refused before its first event (rate limit, missing key, ...) is answered with the error's
 * HTTP status either way. Both are answered asynchronously (Servlet async): no request thread
 * waits for the provider, except for a stream's first event.
 */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}")
public class GenerateEndpoint extends AdminEndpoint {

    private final LLMJob job;
    private final Duration longestSilence;

    public GenerateEndpoint(AdminSupport support, LLMJob job, Duration requestTimeout) {
        super(support);
        this.job = job;
        // the library times a silent provider out itself; this only guards against a lost event
        this.longestSilence = requestTimeout.multipliedBy(2).plusSeconds(30);
    }

    @PostMapping("/orgs/{org}/generate")
    public Object generate(@PathVariable String org, @RequestBody(required = false) String raw,
            @RequestHeader(value = AdminSupport.CORRELATION_HEADER, required = false) String correlationHeader,
            HttpServletRequest http, HttpServletResponse response) {
        AdminSupport.Access access = support.authorize(http, org, AdminPermission.GENERATE);
        ObjectNode json = support.body(raw);
        String correlationId = CallAnswers.correlationId(support, json, correlationHeader, response);
        GenerateRequest body = support.bind(json, GenerateRequest.class);
        JobRequest request = request(access, body, correlationId, http);
        if (Boolean.TRUE.equals(body.stream())) {
            return stream(request, correlationId, response);
        }
        return CallAnswers.whenDone(support, job.runAsync(request), GenerateResult::of);
    }

    private JobRequest request(AdminSupport.Access access, GenerateRequest body, String correlationId,
            HttpServletRequest http) {
        boolean hasMessages = body.messages() != null && !body.messages().isEmpty();
        if (body.prompt() != null && body.template() != null || body.prompt() == null && body.template() == null
                && !hasMessages) {
            throw AdminHttpException.badRequest("give either \"prompt\" (the prompt text) or \"template\" "
                    + "(the name of a stored template), and/or \"messages\"");
        }
        JobRequest.Builder b = body.prompt() != null ? JobRequest.builder(access.org(), body.prompt())
                : body.template() != null ? JobRequest.storedTemplate(access.org(), body.template())
                : JobRequest.messages(access.org(), List.of());
        b.messages(ChatWire.each(body.messages(), ChatWire.MessageView::toMessage))
                .tools(ChatWire.each(body.tools(), ChatWire.ToolView::toTool));
        if (body.responseFormat() != null) {
            b.responseFormat(body.responseFormat().toResponseFormat());
        }
        if (body.conversationId() != null) {
            b.conversation(AdminSupport.uuid("conversationId", body.conversationId()));
        }
        if (body.templateVersion() != null) {
            b.templateVersion(body.templateVersion());
        }
        if (body.context() != null) {
            b.context(body.context());
        }
        if (body.temperature() != null) {
            b.temperature(body.temperature());
        }
        return b.caller(access.caller(http))
                .feature(body.feature())
                .provider(body.provider())
                .model(body.model())
                .maxOutputTokens(body.maxOutputTokens())
                .systemPrompt(body.systemPrompt())
                .correlationId(correlationId)
                .build();
    }

    /**
     * Waits on the request thread for the first event only: a call refused before it (rate limit,
     * missing key) is an ordinary error response; after it, events are sent from the HTTP client's
     * threads as they arrive.
     */
    private SseEmitter stream(JobRequest request, String correlationId, HttpServletResponse response) {
        Relay relay = new Relay();
        StreamHandle handle = job.stream(request, relay);
        JobEvent first = relay.first(handle);
        if (first instanceof JobEvent.Error e) {
            throw e.error();
        }
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        SseEmitter emitter = new SseEmitter(CallAnswers.LONGEST_CALL.toMillis());
        emitter.onTimeout(handle::cancel);
        emitter.onError(failure -> handle.cancel());
        relay.attach(emitter, handle, first);
        return emitter;
    }

    /** Holds the events that arrive before the emitter exists, then forwards them in order. */
    private final class Relay implements Consumer<JobEvent> {
        private final BlockingQueue<JobEvent> early = new LinkedBlockingQueue<>();
        private SseEmitter emitter;
        private StreamHandle handle;
        private boolean closed;

        @Override
        public synchronized void accept(JobEvent event) {
            if (emitter == null) {
                early.add(event);
            } else {
                send(event);
            }
        }

        JobEvent first(StreamHandle h) {
            try {
                JobEvent e = early.poll(longestSilence.toMillis(), TimeUnit.MILLISECONDS);
                if (e == null) {
                    h.cancel(); // the library times a silent provider out itself: this guards against a lost event
                    e = early.poll(5, TimeUnit.SECONDS);
                }
                if (e == null) {
                    throw new IllegalStateException("the stream reported nothing for " + longestSilence);
                }
                return e;
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                h.cancel();
                throw new IllegalStateException("interrupted while waiting for the stream", ie);
            }
        }

        synchronized void attach(SseEmitter e, StreamHandle h, JobEvent first) {
            this.emitter = e;
            this.handle = h;
            send(first);
            for (JobEvent next = early.poll(); next != null && !closed; next = early.poll()) {
                send(next);
            }
        }

        private void send(JobEvent event) {
            if (closed) {
                return;
            }
            boolean last = event instanceof JobEvent.Done || event instanceof JobEvent.Error;
            try {
                emitter.send(SseEmitter.event().name(name(event)).data(json(event), MediaType.APPLICATION_JSON));
                if (last) {
                    closed = true;
                    emitter.complete();
                }
            } catch (IOException | IllegalStateException clientGone) {
                closed = true;
                handle.cancel(); // recorded as canceled with the tokens seen so far
            }
        }
    }

    private static String name(JobEvent event) {
        if (event instanceof JobEvent.Token) {
            return "token";
        }
        if (event instanceof JobEvent.Usage) {
            return "usage";
        }
        return event instanceof JobEvent.Done ? "done" : "error";
    }

    /** One line of JSON (it has no raw line breaks), so every event has one data line. */
    private String json(JobEvent event) {
        Record data;
        if (event instanceof JobEvent.Token t) {
            data = new TokenEventView(t.text());
        } else if (event instanceof JobEvent.Usage u) {
            data = TokenUsageView.of(u.usage());
        } else if (event instanceof JobEvent.Done d) {
            data = GenerateResult.of(d.result());
        } else {
            AiTenancyException error = ((JobEvent.Error) event).error();
            data = new ErrorView(error.code().name(), error.getMessage());
        }
        return new String(support.bytes(data), StandardCharsets.UTF_8);
    }
}
