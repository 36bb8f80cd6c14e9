package dev.aitenancy.spring.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.RequestBodyAdviceAdapter;

/**
 * Caps the request bodies of the admin and generate endpoints at
 * {@code ai-tenancy.admin.max-request-body}: a larger {@code Content-Length} is refused before
 * anything is read, and a body without one (chunked) is cut off as soon as it passes the cap. Either
 * way the answer is 413 with the usual {@code {"code","message"}} body, and the body is never held
 * in memory whole.
 */
@ControllerAdvice(assignableTypes = AdminEndpoint.class)
public class RequestBodyLimit extends RequestBodyAdviceAdapter {

    private final long maxBytes;

    public RequestBodyLimit(long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("ai-tenancy.admin.max-request-body must be at least 1 byte");
        }
        this.maxBytes = maxBytes;
    }

    @Override
    public boolean supports(MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public HttpInputMessage beforeBodyRead(HttpInputMessage message, MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) throws IOException {
        if (message.getHeaders().getContentLength() > maxBytes) {
            throw tooLarge();
        }
        InputStream capped = new Capped(message.getBody());
        return new HttpInputMessage() {
            @Override
            public InputStream getBody() {
                return capped;
            }

            @Override
            public HttpHeaders getHeaders() {
                return message.getHeaders();
            }
        };
    }

    /** The refusal of a body over the cap. */
    AdminHttpException tooLarge() {
        return new AdminHttpException(413, AdminHttpException.INVALID_REQUEST, "the request body is larger than "
                + describe(maxBytes) + ", the most these endpoints accept (ai-tenancy.admin.max-request-body); "
                + "send a smaller one");
    }

    private static String describe(long bytes) {
        if (bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MB";
        }
        return bytes % 1024 == 0 ? bytes / 1024 + " KB" : bytes + " bytes";
    }

    /** Thrown while reading a body that passes the cap; Spring hands it on inside its own exception. */
    static final class TooLarge extends IOException {

        private static final long serialVersionUID = 1L;

        private final transient AdminHttpException refusal;

        TooLarge(AdminHttpException refusal) {
            super(refusal.getMessage(), null);
            this.refusal = refusal;
        }

        /** The answer to give: 413. */
        AdminHttpException refusal() {
            return refusal;
        }
    }

    /** A body stream that fails as soon as more than {@code maxBytes} were read from it. */
    private final class Capped extends FilterInputStream {

        private long read;

        Capped(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count(skipped);
            return skipped;
        }

        private void count(long n) throws TooLarge {
            read += n;
            if (read > maxBytes) {
                throw new TooLarge(tooLarge());
            }
        }
    }
}
