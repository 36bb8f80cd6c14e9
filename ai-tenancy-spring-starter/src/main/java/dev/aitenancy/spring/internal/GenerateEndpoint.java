package dev.aitenancy.spring.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.AiTenancyException;
import dev.aitenancy.JobEvent;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.StreamHandle;
import dev.aitenancy.spring.AdminPermission;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /orgs/{org}/generate}: runs a prompt (or a stored template) for the org as the
 * calling user, answering JSON, or with {@code "stream": true} a {@code text/event-stream} of
 * {@code token} and {@code usage} events ending in {@code done} (the result) or {@code error}.
 * A call refused before its first event (rate limit, missing key, ...) is answered with the error's
 * HTTP status either way. The stream is written on the request thread, which waits for it.
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
    public ResponseEntity<byte[]> generate(@PathVariable String org, @RequestBody(required = false) String raw,
            @RequestHeader(value = AdminSupport.CORRELATION_HEADER, required = false) String correlationHeader,
            HttpServletRequest http, HttpServletResponse response) throws IOException {
        AdminSupport.Access access = support.authorize(http, org, AdminPermission.GENERATE);
        ObjectNode body = support.body(raw);
        String correlationId = AdminSupport.text(body, "correlationId");
        if (correlationId == null) {
            correlationId = correlationHeader != null && !correlationHeader.isBlank() ? correlationHeader
                    : UUID.randomUUID().toString();
        }
        JobRequest request = request(access, body, correlationId, http);
        boolean stream = Boolean.TRUE.equals(AdminSupport.bool(body, "stream"));
        if (!stream) {
            JobResult result = job.run(request);
            return ResponseEntity.ok().header(AdminSupport.CORRELATION_HEADER, result.correlationId())
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(support.bytes(Views.result(result)));
        }
        stream(request, correlationId, response);
        return null;
    }

    private JobRequest request(AdminSupport.Access access, JsonNode body, String correlationId,
            HttpServletRequest http) {
        String prompt = AdminSupport.text(body, "prompt");
        String template = AdminSupport.text(body, "template");
        if ((prompt == null) == (template == null)) {
            throw AdminHttpException.badRequest("give either \"prompt\" (the prompt text) or \"template\" "
                    + "(the name of a stored template)");
        }
        JobRequest.Builder b = prompt != null ? JobRequest.builder(access.org(), prompt)
                : JobRequest.storedTemplate(access.org(), template);
        Integer version = AdminSupport.integer(body, "templateVersion");
        if (version != null) {
            b.templateVersion(version);
        }
        JsonNode context = body.get("context");
        if (context != null && !context.isNull()) {
            if (!context.isObject()) {
                throw AdminHttpException.badRequest("\"context\" must be a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> values = support.mapper().convertValue(context, Map.class);
            b.context(values);
        }
        JsonNode temperature = body.get("temperature");
        if (temperature != null && !temperature.isNull()) {
            if (!temperature.isNumber()) {
                throw AdminHttpException.badRequest("\"temperature\" must be a number");
            }
            b.temperature(temperature.doubleValue());
        }
        return b.caller(access.caller(http))
                .feature(AdminSupport.text(body, "feature"))
                .provider(AdminSupport.text(body, "provider"))
                .model(AdminSupport.text(body, "model"))
                .maxOutputTokens(AdminSupport.integer(body, "maxOutputTokens"))
                .systemPrompt(AdminSupport.text(body, "systemPrompt"))
                .correlationId(correlationId)
                .build();
    }

    private void stream(JobRequest request, String correlationId, HttpServletResponse response) throws IOException {
        BlockingQueue<JobEvent> events = new LinkedBlockingQueue<>();
        StreamHandle handle = job.stream(request, events::add);
        JobEvent event = next(events, handle);
        if (event instanceof JobEvent.Error e) {
            throw e.error(); // nothing was sent yet: an ordinary error response
        }
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        response.setHeader(AdminSupport.CORRELATION_HEADER, correlationId);
        OutputStream out = response.getOutputStream();
        try {
            while (true) {
                write(out, event);
                if (event instanceof JobEvent.Done || event instanceof JobEvent.Error) {
                    return;
                }
                event = next(events, handle);
            }
        } catch (IOException clientGone) {
            handle.cancel(); // recorded as canceled with the tokens seen so far
        }
    }

    private JobEvent next(BlockingQueue<JobEvent> events, StreamHandle handle) {
        try {
            JobEvent e = events.poll(longestSilence.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) {
                handle.cancel();
                e = events.poll(5, TimeUnit.SECONDS);
            }
            if (e == null) {
                throw new IllegalStateException("the stream reported nothing for " + longestSilence);
            }
            return e;
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            handle.cancel();
            throw new IllegalStateException("interrupted while streaming", ie);
        }
    }

    private void write(OutputStream out, JobEvent event) throws IOException {
        String name;
        Object data;
        if (event instanceof JobEvent.Token t) {
            name = "token";
            data = Views.obj("text", t.text());
        } else if (event instanceof JobEvent.Usage u) {
            name = "usage";
            data = Views.usage(u.usage());
        } else if (event instanceof JobEvent.Done d) {
            name = "done";
            data = Views.result(d.result());
        } else {
            AiTenancyException error = ((JobEvent.Error) event).error();
            name = "error";
            data = Views.obj("code", error.code().name(), "message", error.getMessage());
        }
        // JSON has no raw line breaks, so every event is one data line
        out.write(("event: " + name + "\ndata: ").getBytes(StandardCharsets.UTF_8));
        out.write(support.bytes(data));
        out.write("\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
