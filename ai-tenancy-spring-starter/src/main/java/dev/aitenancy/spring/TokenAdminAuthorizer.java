package dev.aitenancy.spring;

import dev.aitenancy.spring.AiTenancyProperties.TokenUser;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Callers known by a bearer token ({@code Authorization: Bearer <token>}), from
 * {@code ai-tenancy.admin.users.<user-id>.*}: the default {@link AdminAuthorizer} when Spring
 * Security is absent and users are configured, for development and small deployments. Tokens are
 * compared in constant time; every configured token is compared on each request.
 */
public final class TokenAdminAuthorizer implements AdminAuthorizer {

    /** The shortest token accepted. */
    public static final int MIN_TOKEN_LENGTH = 16;

    private final Map<String, byte[]> tokens = new LinkedHashMap<>();
    private final Map<String, AdminPrincipal> principals = new LinkedHashMap<>();

    /**
     * @throws IllegalArgumentException for a token shorter than {@value #MIN_TOKEN_LENGTH} characters
     *                                  or one shared by two users
     */
    public TokenAdminAuthorizer(Map<String, TokenUser> users) {
        users.forEach((id, u) -> {
            String token = u == null || u.token() == null ? "" : u.token().strip();
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException("ai-tenancy.admin.users." + id + ".token must be a random secret of "
                        + "at least " + MIN_TOKEN_LENGTH + " characters (e.g. from openssl rand -hex 24)");
            }
            for (byte[] other : tokens.values()) {
                if (MessageDigest.isEqual(other, token.getBytes(StandardCharsets.UTF_8))) {
                    throw new IllegalArgumentException("ai-tenancy.admin.users." + id + ".token is another user's too; "
                            + "give each user a token of their own");
                }
            }
            tokens.put(id, token.getBytes(StandardCharsets.UTF_8));
            principals.put(id, new AdminPrincipal(id, u.superadmin(), u.adminOf(), u.memberOf(), u.groups()));
        });
    }

    @Override
    public Optional<AdminPrincipal> principal(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (Map.Entry<String, byte[]> t : tokens.entrySet()) { // no early exit: the time says nothing
            if (MessageDigest.isEqual(t.getValue(), given)) {
                found = t.getKey();
            }
        }
        return Optional.ofNullable(found).map(principals::get);
    }
}
