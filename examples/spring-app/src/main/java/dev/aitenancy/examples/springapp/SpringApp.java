package dev.aitenancy.examples.springapp;

import dev.aitenancy.examples.quickstart.StandInProvider;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.ProviderKeyAdmin;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.spring.OrgDirectory;
import dev.aitenancy.spring.SpringSecurityAdminAuthorizer;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageSummaries;
import java.io.IOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * A Spring Boot application that adds ai-tenancy with one dependency: the starter wires everything
 * onto the H2 file database and mounts the admin and generate endpoints under {@code /ai-tenancy}.
 * What the application adds itself: its users (Spring Security, in memory, HTTP Basic and a sign-in
 * form for the admin console at {@code /ai-tenancy/console/}), the orgs
 * it has, and a local stand-in for OpenAI, with a key and a model seeded for each org.
 *
 * <p>Users (password {@code demo}): {@code root} superadmin; {@code ada} admin of acme;
 * {@code mel} member of acme; {@code gus} admin of globex. {@code initech} has a model but no key.
 */
@SpringBootApplication
@EnableScheduling
public class SpringApp {

    private static final Logger log = LoggerFactory.getLogger(SpringApp.class);

    private final UsageSummaries summaries;

    SpringApp(UsageSummaries summaries) {
        this.summaries = summaries;
    }
    static final List<String> ORGS = List.of("acme", "globex", "initech");
    static final ModelRef MODEL = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");

    public static void main(String[] args) {
        SpringApplication.run(SpringApp.class, args);
    }

    /** The quickstart's local OpenAI stand-in on 127.0.0.1. */
    @Bean(destroyMethod = "close")
    StandInProvider standIn() throws IOException {
        return StandInProvider.start();
    }

    /** Replaces the built-in OpenAI client: calls go to the local stand-in. */
    @Bean
    ProviderClient openAi(StandInProvider standIn) {
        return new OpenAiClient(OpenAiClient.defaultSettings().baseUri(standIn.baseUri()).build());
    }

    @Bean
    OrgDirectory orgs() {
        return org -> ORGS.contains(org.value());
    }

    @Bean
    InMemoryUserDetailsManager users() {
        return new InMemoryUserDetailsManager(
                user("root", SpringSecurityAdminAuthorizer.SUPERADMIN),
                user("ada", SpringSecurityAdminAuthorizer.ORG_ADMIN_PREFIX + "acme"),
                user("mel", SpringSecurityAdminAuthorizer.ORG_MEMBER_PREFIX + "acme",
                        SpringSecurityAdminAuthorizer.GROUP_PREFIX + "support"),
                user("gus", SpringSecurityAdminAuthorizer.ORG_ADMIN_PREFIX + "globex"));
    }

    private static UserDetails user(String name, String... authorities) {
        return User.withUsername(name).password("{noop}demo").authorities(authorities).build();
    }

    /**
     * HTTP Basic for command-line clients (no session), and a sign-in form with a session for the
     * admin console at {@code /ai-tenancy/console/}; every {@code /ai-tenancy} path, the console's
     * pages included, needs a signed-in user. Spring Security's CSRF protection stays on for browser
     * requests (those that carry an Origin or Referer), with the token in the cookie
     * {@code XSRF-TOKEN} ({@code CookieCsrfTokenRepository.withHttpOnlyFalse()}, through
     * {@code csrf.spa()}) that the console sends back as the header {@code X-XSRF-TOKEN};
     * command-line clients such as curl send neither header.
     */
    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(a -> a.requestMatchers("/ai-tenancy/**").authenticated()
                        .requestMatchers("/error").permitAll().anyRequest().denyAll())
                .httpBasic(Customizer.withDefaults())
                .formLogin(f -> f.defaultSuccessUrl("/ai-tenancy/console/").permitAll())
                .logout(l -> l.logoutSuccessUrl("/login?logout").permitAll())
                .csrf(c -> c.spa().ignoringRequestMatchers(
                        r -> r.getHeader("Origin") == null && r.getHeader("Referer") == null));
        return http.build();
    }

    /** Rebuilds today's and yesterday's daily usage summaries (safe to repeat, and on several instances). */
    @Scheduled(initialDelayString = "PT10S", fixedDelayString = "PT1M")
    void summarize() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        summaries.summarize(today.minusDays(1));
        summaries.summarize(today);
    }

    /** Gives each org the model, and acme and globex a key each, unless the database has them already. */
    @Bean
    ApplicationRunner seed(ModelAdmin models, ProviderKeyAdmin keys) {
        return args -> {
            Map<String, String> seededKeys = Map.of("acme", "sk-local-acme-00000000000000a1",
                    "globex", "sk-local-globex-000000000000b2");
            for (String name : ORGS) {
                OrgId org = OrgId.of(name);
                if (models.models(org).isEmpty()) {
                    models.allow(org, MODEL, 1000).setDefault(org, MODEL).setDefaultProvider(org, MODEL.provider());
                }
                String key = seededKeys.get(name);
                if (key != null && keys.status(org).isEmpty()) {
                    keys.upsert(org, ProviderId.OPENAI, ApiKey.of(key), "seed");
                }
            }
            log.info("ai-tenancy example ready: orgs {}, users root/ada/mel/gus (password demo), endpoints under /ai-tenancy",
                    ORGS);
        };
    }
}
