package dev.aitenancy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.AbstractMockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/**
 * The endpoints of a {@link TestApp} through MockMvc with Spring Security, as the test users: every
 * request carries a CSRF token, and {@code call} waits for an answer given asynchronously (generate)
 * so that the response it returns is complete. Also the users and readers of response bodies.
 */
final class AdminMvc {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A superadmin. */
    static final RequestPostProcessor ROOT = as("root", "ROLE_AI_SUPERADMIN");
    /** An admin of acme. */
    static final RequestPostProcessor ADA = as("ada", "AI_ORG_ADMIN:acme");
    /** A member of acme. */
    static final RequestPostProcessor MEL = as("mel", "AI_ORG_MEMBER:acme");
    /** An admin of globex. */
    static final RequestPostProcessor GUS = as("gus", "AI_ORG_ADMIN:globex");

    private final MockMvc mvc;

    AdminMvc(WebApplicationContext context) {
        mvc = MockMvcBuilders.webAppContextSetup(context).apply(springSecurity()).build();
    }

    /** A user signed in with Spring Security, with these authorities. */
    static RequestPostProcessor as(String name, String... authorities) {
        return user(name).authorities(Arrays.stream(authorities).map(SimpleGrantedAuthority::new).toList());
    }

    /** The MockMvc itself, for a request without the CSRF token. */
    MockMvc mockMvc() {
        return mvc;
    }

    /** Sends the request as {@code who} (nobody if null); an answer given asynchronously is not waited for. */
    MvcResult perform(RequestPostProcessor who, AbstractMockHttpServletRequestBuilder<?> request) throws Exception {
        if (who != null) {
            request.with(who);
        }
        return mvc.perform(request.with(csrf())).andReturn();
    }

    /** Sends the request as {@code who} (nobody if null) and returns the complete response. */
    MockHttpServletResponse call(RequestPostProcessor who, AbstractMockHttpServletRequestBuilder<?> request)
            throws Exception {
        MvcResult result = perform(who, request);
        if (result.getRequest().isAsyncStarted()) { // generate answers asynchronously
            result.getAsyncResult(30_000);
            result = mvc.perform(asyncDispatch(result)).andReturn();
        }
        return result.getResponse();
    }

    /** {@link #call} with a JSON body. */
    MockHttpServletResponse send(RequestPostProcessor who, AbstractMockHttpServletRequestBuilder<?> request,
            String json) throws Exception {
        return call(who, request.contentType(MediaType.APPLICATION_JSON).content(json));
    }

    /** {@link #call} of {@code method} on {@code path}, with {@code body} as JSON unless it is null. */
    MockHttpServletResponse call(RequestPostProcessor who, String method, String path, String body) throws Exception {
        return call(who, request(method, path, body));
    }

    /** A request of {@code method} on {@code path}, with {@code body} as JSON unless it is null. */
    static MockHttpServletRequestBuilder request(String method, String path, String body) {
        MockHttpServletRequestBuilder request = MockMvcRequestBuilders.request(HttpMethod.valueOf(method), path);
        if (body != null) {
            request.contentType(MediaType.APPLICATION_JSON).content(body);
        }
        return request;
    }

    static String body(MockHttpServletResponse r) throws Exception {
        return r.getContentAsString(StandardCharsets.UTF_8);
    }

    static JsonNode json(MockHttpServletResponse r) throws Exception {
        return JSON.readTree(body(r));
    }

    /** The first {@code "id"} in a JSON body. */
    static String idOf(String body) {
        Matcher m = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(body);
        assertThat(m.find()).as(body).isTrue();
        return m.group(1);
    }
}
