/**
 * The Spring Boot starter of ai-tenancy.
 *
 * <p><b>API</b> — what an application uses and may replace:
 * <ul>
 *   <li>{@link dev.aitenancy.spring.AdminAuthorizer}, {@link dev.aitenancy.spring.AdminPrincipal},
 *       {@link dev.aitenancy.spring.AdminPermission}: who may use the admin and generate endpoints
 *       (define an {@code AdminAuthorizer} bean to replace the default);</li>
 *   <li>{@link dev.aitenancy.spring.SpringSecurityAdminAuthorizer}: that default when Spring
 *       Security is present, and the authorities it reads;</li>
 *   <li>{@link dev.aitenancy.spring.OrgDirectory}: which orgs exist (404 for the others);</li>
 *   <li>{@link dev.aitenancy.spring.AiTenancyProperties}: the {@code ai-tenancy.*} properties;</li>
 *   <li>the HTTP endpoints themselves — paths, JSON bodies, status codes and error bodies, as the
 *       README describes them — though not the classes that serve them.</li>
 * </ul>
 *
 * <p><b>Not API</b>: the auto-configuration classes ({@code AiTenancyAutoConfiguration},
 * {@code AiTenancyAdminAutoConfiguration}) are public because Spring Boot loads them from
 * {@code AutoConfiguration.imports}; an application excludes them by name or replaces their beans
 * with its own, but does not call or extend them. Everything under
 * {@code dev.aitenancy.spring.internal} may change in any release.
 */
package dev.aitenancy.spring;
