package dev.aitenancy.spring;

import dev.aitenancy.limits.RateLimitPolicy;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

/**
 * The {@code ai-tenancy.*} properties.
 *
 * @param masterKey The master key that encrypts the orgs' provider keys in the database: a base64
 *                  32-byte key or a Tink JSON keyset. When unset, the {@code AI_TENANCY_MASTER_KEY}
 *                  environment variable is read. Only needed when the keys live in the database.
 *                  Never logged.
 * @param rateLimit The default limits of every org (an org can be given its own)
 * @param usage     What usage records keep, and for how long
 * @param http      Timeouts of the calls to the providers
 * @param keys      How long decrypted keys are cached and provider acceptances trusted
 * @param admin     The optional admin and generate endpoints
 * @param jdbc      The database schema, when a {@code DataSource} is present
 * @param jobs      The scheduled maintenance jobs: daily usage summaries and the retention purge
 * @param conversations Conversations kept per org and user
 * @param orgs      Orgs set up from properties at startup, by org id (development and small
 *                  deployments); applied again only when their properties change
 * @param providers The built-in providers' endpoints, by provider id ({@code openai},
 *                  {@code anthropic}, {@code gemini}, {@code cohere}), e.g. a company proxy
 */
@ConfigurationProperties("ai-tenancy")
public record AiTenancyProperties(String masterKey, @DefaultValue RateLimit rateLimit, @DefaultValue Usage usage,
        @DefaultValue Http http, @DefaultValue Keys keys, @DefaultValue Admin admin, @DefaultValue Jdbc jdbc,
        @DefaultValue Jobs jobs, @DefaultValue Conversations conversations, Map<String, OrgSetup> orgs,
        Map<String, ProviderEndpoint> providers) {

    public AiTenancyProperties {
        orgs = orgs == null ? Map.of() : Map.copyOf(orgs);
        providers = providers == null ? Map.of() : Map.copyOf(providers);
    }

    /** These properties with the master key left out. */
    @Override
    public String toString() {
        return "AiTenancyProperties[masterKey=" + (masterKey == null ? "unset" : "(set)") + ", rateLimit=" + rateLimit
                + ", usage=" + usage + ", http=" + http + ", keys=" + keys + ", admin=" + admin + ", jdbc=" + jdbc + ", jobs=" + jobs
                + ", conversations=" + conversations + ", orgs=" + orgs + ", providers=" + providers + "]";
    }

    /**
     * Default limits per org; 0 means no limit.
     *
     * @param userRequestsPerMinute  Requests per user and minute
     * @param ipRequestsPerMinute    Requests per client IP and minute
     * @param orgRequestsPerMinute   Requests per org and minute
     * @param userTokensPerMinute    Tokens (input estimate plus output cap) per user and minute
     * @param orgTokensPerMinute     Tokens per org and minute
     * @param userRequestsPerDay     Requests per user and UTC day
     * @param orgRequestsPerDay      Requests per org and UTC day
     * @param userKeyChecksPerMinute Provider key checks per admin and minute
     */
    public record RateLimit(@DefaultValue("30") int userRequestsPerMinute, @DefaultValue("60") int ipRequestsPerMinute,
            @DefaultValue("0") int orgRequestsPerMinute, @DefaultValue("0") long userTokensPerMinute,
            @DefaultValue("0") long orgTokensPerMinute, @DefaultValue("0") int userRequestsPerDay,
            @DefaultValue("0") int orgRequestsPerDay, @DefaultValue("5") int userKeyChecksPerMinute) {

        /** These limits as the library's policy. */
        public RateLimitPolicy toPolicy() {
            return new RateLimitPolicy(userRequestsPerMinute, ipRequestsPerMinute, orgRequestsPerMinute,
                    userTokensPerMinute, orgTokensPerMinute, userRequestsPerDay, orgRequestsPerDay,
                    userKeyChecksPerMinute);
        }
    }

    /**
     * @param maxStoredText Most bytes of prompt and of answer kept per usage record, after
     *                      redaction; 0 keeps no text
     * @param retention     How long usage records are kept: a purge without a date removes the
     *                      records older than this (a bare number means days)
     */
    public record Usage(@DefaultValue("8KB") DataSize maxStoredText,
            @DefaultValue("60d") @DurationUnit(ChronoUnit.DAYS) Duration retention) {
    }

    /**
     * @param connectTimeout Time allowed to connect to a provider
     * @param requestTimeout Time allowed for a provider's answer (the longest silence in a stream)
     */
    public record Http(@DefaultValue("10s") Duration connectTimeout, @DefaultValue("60s") Duration requestTimeout) {
    }

    /**
     * One org set up from properties: its keys, allowed models, default model, limits and budget.
     * Applied at startup when the org's properties are new or changed since they were last applied
     * (recorded in the audit log as {@code properties.apply}); an admin's later change stands until
     * the properties themselves change.
     *
     * @param keys             The org's own key per provider id, e.g. {@code openai: ${ACME_OPENAI_KEY}}
     *                         (never logged)
     * @param models           The allowed models, as {@code provider/model}
     * @param defaultModel     The model calls use when they name none (default: the first of models)
     * @param rateLimit        The org's rate limits (default: the defaults above)
     * @param monthlyBudgetUsd A hard monthly budget for the whole org, in USD (default: none)
     */
    public record OrgSetup(Map<String, String> keys, List<String> models, String defaultModel, RateLimit rateLimit,
            java.math.BigDecimal monthlyBudgetUsd) {

        public OrgSetup {
            keys = keys == null ? Map.of() : Map.copyOf(keys);
            models = models == null ? List.of() : List.copyOf(models);
        }

        /** This setup with the keys left out (masked). */
        @Override
        public String toString() {
            return "OrgSetup[keys=" + keys.keySet() + " (masked), models=" + models + ", defaultModel=" + defaultModel
                    + ", rateLimit=" + rateLimit + ", monthlyBudgetUsd=" + monthlyBudgetUsd + "]";
        }
    }

    /** @param baseUrl Where the provider's API is, e.g. {@code https://llm-proxy.example.com/v1} */
    public record ProviderEndpoint(java.net.URI baseUrl) {
    }

    /**
     * @param history How many earlier messages of a conversation a call sends with its new one
     */
    public record Conversations(@DefaultValue("20") int history) {
        public Conversations {
            if (history < 1) {
                throw new IllegalArgumentException("ai-tenancy.conversations.history must be at least 1, was " + history);
            }
        }
    }

    /**
     * @param cacheTtl       How long a decrypted key is kept in memory before it is read again
     * @param reverifyAfter  How long a provider's acceptance of a key is trusted before it is checked again
     */
    public record Keys(@DefaultValue("5m") Duration cacheTtl, @DefaultValue("7d") Duration reverifyAfter) {
    }

    /**
     * @param enabled        Whether the admin and generate endpoints are mounted (servlet applications only)
     * @param basePath       The path they are mounted under
     * @param allowedOrigins Origins allowed to send state-changing requests when Spring Security is
     *                       absent (an Origin or Referer of the request's own host is always allowed);
     *                       with Spring Security, its CSRF protection applies instead
     * @param maxRequestBody The largest request body the endpoints accept; a larger one is answered
     *                       with 413 before it is read (by its Content-Length) or as soon as a
     *                       chunked one passes this size
     * @param users          Callers known by bearer tokens, by user id, when Spring Security is absent
     * @param console        The admin console: pages for org admins and members, served under
     *                       {@code {base-path}/console/}
     */
    public record Admin(@DefaultValue("false") boolean enabled, @DefaultValue("/ai-tenancy") String basePath,
            @DefaultValue List<String> allowedOrigins, @DefaultValue("1MB") DataSize maxRequestBody,
            Map<String, TokenUser> users, @DefaultValue Console console) {

        public Admin {
            users = users == null ? Map.of() : Map.copyOf(users);
            console = console == null ? new Console(false) : console;
        }
    }

    /**
     * The admin console: static pages (HTML, CSS and JavaScript modules packaged in the starter)
     * that call the admin, usage and generate endpoints as the signed-in user, served under
     * {@code {base-path}/console/} with a strict Content-Security-Policy. Needs
     * {@code ai-tenancy.admin.enabled=true}; who may see the pages is the application's security
     * configuration, what they may do there the {@link AdminAuthorizer}'s.
     *
     * @param enabled Whether the console is served (off by default)
     */
    public record Console(@DefaultValue("false") boolean enabled) {
    }

    /**
     * A caller of the endpoints known by a bearer token, for applications without Spring Security
     * (development and small deployments); the map key is the user id.
     *
     * @param token      A random secret of at least 16 characters, sent as {@code Authorization: Bearer ...}
     *                   (from the environment; never logged)
     * @param superadmin May do everything in every org
     * @param adminOf    The orgs the user administers
     * @param memberOf   The orgs in which the user may generate and read their own usage
     * @param groups     The user's groups
     */
    public record TokenUser(String token, boolean superadmin, java.util.Set<String> adminOf,
            java.util.Set<String> memberOf, java.util.Set<String> groups) {

        /** This user with the token left out. */
        @Override
        public String toString() {
            return "TokenUser[token=(set), superadmin=" + superadmin + ", adminOf=" + adminOf + ", memberOf="
                    + memberOf + ", groups=" + groups + "]";
        }
    }

    /**
     * @param migrate  Whether the ai_ tables are created and migrated at startup (Flyway, in
     *                 a history table of their own); switch off when they are migrated elsewhere
     * @param cacheTtl How long an instance reuses what calls read of an org's configuration (model
     *                 setup, guardrails, rate-limit policies, budget definitions, feature flags,
     *                 stored-text settings); changes made through this instance apply at once,
     *                 changes made on other instances within this time (0 reads them for every call)
     */
    public record Jdbc(@DefaultValue("true") boolean migrate, @DefaultValue("5s") Duration cacheTtl) {
    }

    /**
     * The maintenance jobs, each run at most once per period across the instances sharing the
     * database (a ShedLock lock in {@code ai_shedlock} around each run, and the finished periods in
     * {@code ai_job_runs}); without a database, in this instance only.
     *
     * @param zone           The time zone the cron expressions are read in, and whose days are the
     *                       retention purge's periods (the summaries are of UTC days whatever it is)
     * @param lockAtLeastFor How long a run keeps its lock at least, so an instance whose trigger
     *                       fires a little later (its clock a little off) finds it taken
     * @param lockAtMostFor  How long a run keeps its lock at most: after a crash mid-run, the job can
     *                       run again after this; longer than any run takes
     * @param dailySummaries The daily usage summaries
     * @param retentionPurge The retention purge of usage records
     */
    public record Jobs(@DefaultValue("UTC") java.time.ZoneId zone, @DefaultValue("1m") Duration lockAtLeastFor,
            @DefaultValue("1h") Duration lockAtMostFor, @DefaultValue DailySummaries dailySummaries,
            @DefaultValue RetentionPurge retentionPurge) {
    }

    /**
     * @param enabled Whether the summaries are computed on a schedule; unset: when the usage
     *                records are in the database (the JDBC stores)
     * @param cron    When (a Spring cron expression: second minute hour day month weekday, in
     *                {@code ai-tenancy.jobs.zone}); each run summarizes the complete UTC days not
     *                summarized yet. {@code -} never triggers it: run it through
     *                {@code AiTenancyJobs.runDailySummaries()}
     * @param catchUp How far back a run looks for complete days not summarized yet (after downtime
     *                over midnight); a bare number means days
     */
    public record DailySummaries(Boolean enabled, @DefaultValue("0 5 0 * * *") String cron,
            @DefaultValue("3d") @DurationUnit(ChronoUnit.DAYS) Duration catchUp) {
    }

    /**
     * @param enabled   Whether usage records older than the retention are removed on a schedule;
     *                  unset: when {@code retention} is set
     * @param cron      When (in {@code ai-tenancy.jobs.zone}); at most one purge a day. {@code -}
     *                  never triggers it: run it through {@code AiTenancyJobs.runRetentionPurge()}
     * @param retention How long usage records are kept (a bare number means days); unset, an
     *                  enabled purge keeps them for {@code ai-tenancy.usage.retention}
     */
    public record RetentionPurge(Boolean enabled, @DefaultValue("0 30 0 * * *") String cron,
            @DurationUnit(ChronoUnit.DAYS) Duration retention) {
    }
}
