package dev.aitenancy.spring;

import static dev.aitenancy.spring.AdminMvc.ADA;
import static dev.aitenancy.spring.AdminMvc.MEL;
import static dev.aitenancy.spring.AdminMvc.ROOT;
import static dev.aitenancy.spring.AdminMvc.as;
import static dev.aitenancy.spring.AdminMvc.body;
import static dev.aitenancy.spring.AdminMvc.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/** The admin console's assets under {@code {base-path}/console/} and {@code GET {base-path}/me}. */
@EndpointTest(ConsoleTest.Config.class)
@TestPropertySource(properties = "ai-tenancy.admin.console.enabled=true")
class ConsoleTest {

    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    @AutoClose
    static final LoopbackServer PROVIDER = LoopbackServer.start().otherwise(FakeOpenAi::answer);

    @Configuration(proxyBeanMethods = false)
    static class Config extends TestApp {
        Config() {
            super(new MutableClock(Instant.parse("2026-11-25T10:00:00Z")), PROVIDER, "acme", "globex");
        }
    }

    AdminMvc mvc;

    @BeforeEach
    void setUp(WebApplicationContext context) {
        mvc = new AdminMvc(context);
    }

    private static void assertSecured(MockHttpServletResponse r) {
        assertThat(r.getHeader("Content-Security-Policy")).isEqualTo(CSP);
        assertThat(r.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    @Test
    void theShellPageIsServedUnderTheBasePathWithAStrictPolicy() throws Exception {
        MockHttpServletResponse index = mvc.call(ADA, get("/ai/console/"));
        assertThat(index.getStatus()).isEqualTo(200);
        assertThat(index.getContentType()).isEqualTo("text/html;charset=UTF-8");
        assertSecured(index);
        assertThat(body(index)).contains("<script type=\"module\" src=\"app.js\"></script>", "console.css");

        MockHttpServletResponse bare = mvc.call(ADA, get("/ai/console"));
        assertThat(bare.getStatus()).isEqualTo(302);
        assertThat(bare.getHeader("Location")).isEqualTo("/ai/console/");
        assertSecured(bare);
    }

    /** Every script and stylesheet the shell names is served with its type; none is inline. */
    @Test
    void everyAssetTheConsoleLoadsIsServedAndNothingIsInline() throws Exception {
        String index = body(mvc.call(ADA, get("/ai/console/")));
        assertThat(index).doesNotContain("style=", "<style", "onclick", "onload").containsOnlyOnce("<script");
        assertThat(index).doesNotContainPattern("<script(?![^>]*\\bsrc=)");

        for (String js : new String[] {"app.js", "api.js", "dom.js", "format.js", "pages.js", "limits.js", "guardrails.js", "governance.js",
                "usage.js", "chart.js", "routing.js", "templates.js", "playground.js"}) {
            MockHttpServletResponse r = mvc.call(ADA, get("/ai/console/" + js));
            assertThat(r.getStatus()).as(js).isEqualTo(200);
            assertThat(r.getContentType()).as(js).isEqualTo("text/javascript;charset=UTF-8");
            assertSecured(r);
            // the modules it imports are served too
            Matcher imports = Pattern.compile("from '\\./([a-z]+\\.js)'").matcher(body(r));
            while (imports.find()) {
                assertThat(mvc.call(ADA, get("/ai/console/" + imports.group(1))).getStatus()).as(imports.group()).isEqualTo(200);
            }
            assertThat(body(r)).doesNotContain("innerHTML", "eval(", "new Function");
        }
        MockHttpServletResponse css = mvc.call(ADA, get("/ai/console/console.css"));
        assertThat(css.getContentType()).isEqualTo("text/css;charset=UTF-8");
        assertSecured(css);
    }

    /** uPlot comes from its webjar, served from the console's path (so the policy's 'self' covers it); nothing else of the webjar. */
    @Test
    void theChartLibraryIsServedFromTheConsolePath() throws Exception {
        MockHttpServletResponse js = mvc.call(ADA, get("/ai/console/vendor/uPlot.esm.js"));
        assertThat(js.getStatus()).isEqualTo(200);
        assertThat(js.getContentType()).isEqualTo("text/javascript;charset=UTF-8");
        assertSecured(js);
        assertThat(body(js)).contains("export { uPlot as default }");
        MockHttpServletResponse css = mvc.call(ADA, get("/ai/console/vendor/uPlot.min.css"));
        assertThat(css.getStatus()).isEqualTo(200);
        assertThat(css.getContentType()).isEqualTo("text/css;charset=UTF-8");
        for (String path : new String[] {"/ai/console/vendor/uPlot.cjs.js", "/ai/console/vendor/README.md",
                "/ai/console/vendor/app.js"}) {
            assertThat(mvc.call(ADA, get(path)).getStatus()).as(path).isEqualTo(404);
        }
        assertThat(body(mvc.call(ADA, get("/ai/console/chart.js")))).contains("import('./vendor/uPlot.esm.js')",
                "vendor/uPlot.min.css");
    }

    @Test
    void onlyPlainPathsOfTheConsoleFolderAreServed() throws Exception {
        for (String path : new String[] {"/ai/console/nothing.js", "/ai/console/.hidden.js", "/ai/console/app",
                "/ai/console/app.js.map", "/ai/console/%2e%2e/ConsoleTest.class",
                "/ai/console/../../dev/aitenancy/spring/AiTenancyProperties.class"}) {
            MockHttpServletResponse r = mvc.call(ADA, get(path));
            assertThat(r.getStatus()).as(path).isIn(400, 404);
            if (r.getStatus() == 404) {
                assertSecured(r);
            }
        }
    }

    @Test
    void meAnswersTheSignedInCaller() throws Exception {
        MockHttpServletResponse ada = mvc.call(ADA, get("/ai/me"));
        assertThat(ada.getStatus()).isEqualTo(200);
        assertThat(body(ada)).isEqualTo("{\"userId\":\"ada\",\"superadmin\":false,\"adminOf\":[\"acme\"],\"memberOf\":[],"
                + "\"groups\":[]}");
        assertThat(json(mvc.call(ROOT, get("/ai/me"))).path("superadmin").asBoolean()).isTrue();
        assertThat(body(mvc.call(MEL, get("/ai/me")))).contains("\"memberOf\":[\"acme\"]", "\"adminOf\":[]");
        assertThat(body(mvc.call(as("zed", "AI_ORG_MEMBER:globex", "AI_ORG_MEMBER:acme", "AI_GROUP:ops"), get("/ai/me"))))
                .contains("\"memberOf\":[\"acme\",\"globex\"]", "\"groups\":[\"ops\"]");

        MockHttpServletResponse nobody = mvc.call(null, get("/ai/me"));
        assertThat(nobody.getStatus()).isEqualTo(401);
        assertThat(json(nobody).path("code").asText()).isEqualTo("AI_UNAUTHENTICATED");
        assertThat(json(nobody).path("message").asText()).startsWith("sign in first");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Web {
    }

    /** Off by default: no console without ai-tenancy.admin.console.enabled=true, while /me is there. */
    @Test
    void theConsoleIsOffByDefault() {
        new WebApplicationContextRunner().withConfiguration(TestApp.STARTER).withUserConfiguration(Web.class)
                .withClassLoader(TestApp.withoutSpringSecurity())
                .withPropertyValues("ai-tenancy.admin.enabled=true")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    var mvc = MockMvcBuilders.webAppContextSetup(ctx).build();
                    assertThat(mvc.perform(get("/ai-tenancy/console/")).andReturn().getResponse().getStatus())
                            .isEqualTo(404);
                    assertThat(mvc.perform(get("/ai-tenancy/me")).andReturn().getResponse().getStatus()).isEqualTo(401);
                });
    }
}
