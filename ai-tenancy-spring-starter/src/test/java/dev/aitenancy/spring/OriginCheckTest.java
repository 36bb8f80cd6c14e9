package dev.aitenancy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * Without Spring Security the application's own {@link AdminAuthorizer} decides, and state-changing
 * requests from a foreign origin are refused.
 */
class OriginCheckTest {

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Web {
        /** Whoever sends {@code X-User: root} is a superadmin; a stand-in for the host's own sign-in. */
        @Bean
        AdminAuthorizer authorizer() {
            return request -> Optional.ofNullable(request.getHeader("X-User"))
                    .map(u -> new AdminPrincipal(u, u.equals("root"), null, null, null));
        }
    }

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(TestApp.STARTER)
            .withUserConfiguration(Web.class)
            .withClassLoader(TestApp.withoutSpringSecurity())
            .withPropertyValues("ai-tenancy.admin.enabled=true",
                    "ai-tenancy.admin.allowed-origins=https://admin.example.com");

    private static MockHttpServletResponse send(MockMvc mvc, MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request.header("X-User", "root").contentType(MediaType.APPLICATION_JSON)
                .content("{\"enabled\":false}")).andReturn().getResponse();
    }

    @Test
    void foreignOriginsAreRefusedOnStateChangingRequestsOnly() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(ctx).build();
            String url = "/ai-tenancy/orgs/acme/features/drafts";

            MockHttpServletResponse evil = send(mvc, put(url).header("Origin", "https://evil.example"));
            assertThat(evil.getStatus()).isEqualTo(403);
            assertThat(evil.getContentAsString()).contains("\"code\":\"AI_FORBIDDEN\"");
            assertThat(send(mvc, put(url).header("Referer", "https://evil.example/page")).getStatus()).isEqualTo(403);

            assertThat(send(mvc, put(url).header("Origin", "https://admin.example.com")).getStatus()).isEqualTo(200);
            assertThat(send(mvc, put(url).header("Origin", "http://localhost")).getStatus()).isEqualTo(200); // its own host
            assertThat(send(mvc, put(url)).getStatus()).isEqualTo(200); // no browser
            assertThat(mvc.perform(get("/ai-tenancy/orgs/acme/features").header("X-User", "root")
                    .header("Origin", "https://evil.example")).andReturn().getResponse().getStatus()).isEqualTo(200);
        });
    }

    @Test
    void theApplicationsAuthorizerDecidesWithoutSpringSecurity() {
        runner.run(ctx -> {
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(ctx).build();
            MockHttpServletResponse nobody = mvc.perform(get("/ai-tenancy/orgs/acme/features")).andReturn().getResponse();
            assertThat(nobody.getStatus()).isEqualTo(401);
            MockHttpServletResponse member = mvc.perform(get("/ai-tenancy/orgs/acme/features").header("X-User", "bob"))
                    .andReturn().getResponse();
            assertThat(member.getStatus()).isEqualTo(403);
        });
    }
}
