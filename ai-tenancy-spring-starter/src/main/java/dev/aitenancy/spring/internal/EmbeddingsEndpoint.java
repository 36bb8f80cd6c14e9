package dev.aitenancy.spring.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.EmbeddingRequest;
import dev.aitenancy.LLMJob;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.spring.internal.wire.EmbeddingsWire.EmbeddingsRequest;
import dev.aitenancy.spring.internal.wire.EmbeddingsWire.EmbeddingsResult;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * {@code POST /orgs/{org}/embeddings}: embeds texts for the org as the calling user, with the same
 * authorization as {@code generate} (a member of the org, or its admin, or a superadmin): an
 * {@link EmbeddingsRequest}, answered with an {@link EmbeddingsResult} or an error body with the
 * error's HTTP status. Answered asynchronously (Servlet async): no request thread waits for the
 * provider. Every answer after the body was read echoes the correlation id.
 */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}")
public class EmbeddingsEndpoint extends AdminEndpoint {

    private final LLMJob job;

    public EmbeddingsEndpoint(AdminSupport support, LLMJob job) {
        super(support);
        this.job = job;
    }

    @PostMapping("/orgs/{org}/embeddings")
    public DeferredResult<ResponseEntity<byte[]>> embed(@PathVariable String org,
            @RequestBody(required = false) String raw,
            @RequestHeader(value = AdminSupport.CORRELATION_HEADER, required = false) String correlationHeader,
            HttpServletRequest http, HttpServletResponse response) {
        AdminSupport.Access access = support.authorize(http, org, AdminPermission.GENERATE);
        ObjectNode json = support.body(raw);
        String correlationId = CallAnswers.correlationId(support, json, correlationHeader, response);
        EmbeddingsRequest body = support.bind(json, EmbeddingsRequest.class);
        if (body.inputs() == null || body.inputs().isEmpty()) {
            throw AdminHttpException.badRequest("give \"inputs\": the texts to embed, as an array of strings");
        }
        EmbeddingRequest request = EmbeddingRequest.builder(access.org(), body.inputs())
                .caller(access.caller(http))
                .feature(body.feature())
                .provider(body.provider())
                .model(body.model())
                .inputType(body.inputType())
                .dimensions(body.dimensions())
                .correlationId(correlationId)
                .build();
        return CallAnswers.whenDone(support, job.embedAsync(request), EmbeddingsResult::of);
    }
}
