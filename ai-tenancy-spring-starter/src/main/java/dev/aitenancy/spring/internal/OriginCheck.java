package dev.aitenancy.spring.internal;

import dev.aitenancy.spring.internal.wire.ErrorView;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * CSRF protection of the admin endpoints when Spring Security is absent: a state-changing request
 * (POST, PUT, PATCH, DELETE) whose {@code Origin} (or, without one, {@code Referer}) names another
 * site than the request's own host or an allowed origin is refused with 403. A request with
 * neither header comes from no browser page and passes.
 */
public final class OriginCheck implements HandlerInterceptor {

    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    private final AdminSupport support;
    private final Set<String> allowed;

    public OriginCheck(AdminSupport support, List<String> allowedOrigins) {
        this.support = support;
        this.allowed = allowedOrigins.stream().map(OriginCheck::normalize).filter(o -> o != null)
                .collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws Exception {
        if (SAFE.contains(request.getMethod().toUpperCase(Locale.ROOT))) {
            return true;
        }
        String origin = request.getHeader("Origin");
        if (origin == null || origin.isBlank()) {
            String referer = request.getHeader("Referer");
            if (referer == null || referer.isBlank()) {
                return true;
            }
            origin = referer;
        }
        String o = normalize(origin);
        if (o != null && (o.equals(own(request)) || allowed.contains(o))) {
            return true;
        }
        AdminHttpException refused = new AdminHttpException(403, AdminHttpException.FORBIDDEN,
                "cross-site request refused: its origin is not allowed (ai-tenancy.admin.allowed-origins)");
        response.setStatus(403);
        response.setContentType("application/json");
        response.getOutputStream().write(support.bytes(new ErrorView(refused.code(), refused.getMessage())));
        return false;
    }

    private static String own(HttpServletRequest r) {
        return normalize(r.getScheme() + "://" + r.getServerName() + ":" + r.getServerPort());
    }

    /** {@code scheme://host:port} in lower case, default ports made explicit; null if unreadable. */
    static String normalize(String url) {
        try {
            URI u = URI.create(url.strip());
            if (u.getScheme() == null || u.getHost() == null) {
                return null;
            }
            String scheme = u.getScheme().toLowerCase(Locale.ROOT);
            int port = u.getPort() != -1 ? u.getPort() : scheme.equals("https") ? 443 : 80;
            return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + port;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
