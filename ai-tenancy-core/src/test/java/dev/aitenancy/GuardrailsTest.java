package dev.aitenancy;

import static dev.aitenancy.LLMJobTest.answer;
import static dev.aitenancy.LLMJobTest.chunk;
import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailOutcome;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.guardrails.GuardrailRule.ContentFilter;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryGuardrailStore;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.models.Tier;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Guardrails on the path of a call: before the provider, after it, in streams, at every level. */
class GuardrailsTest {

    static final OrgId ACME = OrgId.of("acme");
    static final OrgId GLOBEX = OrgId.of("globex");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");
    static final Caller ALICE = new Caller("alice", Set.of("interns"), null, Set.of());
    static final Caller BOB = Caller.user("bob");

    final LoopbackServer server = LoopbackServer.start();
    // Monday 2026-11-23 10:00 in Berlin
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T09:00:00Z"));
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final InMemoryUsageSink usage = new InMemoryUsageSink();
    final InMemoryGuardrailStore guardrails = new InMemoryGuardrailStore();
    final InMemoryModelCatalog catalog = new InMemoryModelCatalog(ModelRegistry.empty()
            .with(new ModelSpec(MINI, 1_047_576, 32_768, new BigDecimal("0.40"), new BigDecimal("1.60"), null))
            .with(new ModelSpec(NANO, 1_047_576, 32_768, new BigDecimal("0.10"), new BigDecimal("0.40"), null)),
            TierPlan.of(List.of(new Tier("basic", Set.of(NANO), null, null),
                    new Tier("standard", Set.of(MINI, NANO), null, null))));
    final OpenAiClient openai = new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
            .requestTimeout(Duration.ofSeconds(5)).build());
    final InMemoryBudgetLedger budgets = new InMemoryBudgetLedger(clock, dev.aitenancy.limits.BudgetAlertListener.NONE);
    LLMJob job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
            .guardrails(guardrails).budgetLedger(budgets).clock(clock)
            .rateLimiter(new InMemoryRateLimiter(clock, new RateLimitPolicy(100, 0, 0))).build();

    GuardrailsTest() {
        for (OrgId org : List.of(ACME, GLOBEX)) {
            catalog.allow(org, MINI).allow(org, NANO).setDefault(org, MINI).setDefaultProvider(org, ProviderId.OPENAI);
            keys.put(org, ProviderId.OPENAI, ApiKey.of("sk-proj-" + org + "-planted-0001112223334445"));
            keys.markVerified(org, ProviderId.OPENAI, clock.instant());
        }
        server.otherwise(req -> json(200, answer("Paris.", 1_000, 200, 0)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    JobResult run(Caller caller, String prompt) {
        return job.run(JobRequest.builder(ACME, prompt).caller(caller).build());
    }

    JsonNode sent() throws Exception {
        return Json.MAPPER.readTree(server.lastRequest().body());
    }

    UsageRecord lastRecord() {
        return usage.recent(ACME, 1).get(0);
    }

    @Test
    void aBlockingInputFilterRefusesBeforeTheProviderAndTheRecordSaysWhich() {
        guardrails.save(Guardrail.forOrg(ACME, "no salaries", ContentFilter.input(List.of("salary"), List.of()),
                GuardrailAction.BLOCK));

        GuardrailBlockedException e = catchThrowableOfType(GuardrailBlockedException.class,
                () -> run(BOB, "What is the CEO's Salary, exactly?"));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_GUARDRAIL_BLOCKED);
        assertThat(e.orgId()).isEqualTo("acme");
        assertThat(e.getMessage()).contains("org guardrail 'no salaries' blocked the request")
                .contains("blocked topic 'salary'").contains("ask an admin").doesNotContain("CEO");
        assertThat(server.requests()).as("the provider was never called").isEmpty();
        UsageRecord rec = lastRecord();
        assertThat(rec.status()).isEqualTo(UsageStatus.ERROR);
        assertThat(rec.errorCode()).isEqualTo("AI_GUARDRAIL_BLOCKED");
        assertThat(rec.guardrails()).isEqualTo("block:content-filter:no salaries");
    }

    @Test
    void aCatastrophicPatternNoLongerHoldsTheRequestThread() {
        // given the pattern that ran for minutes on java.util.regex against this 41-character prompt
        guardrails.save(Guardrail.forOrg(ACME, "ends in a", ContentFilter.input(List.of(), List.of("(.*a){12}$")),
                GuardrailAction.BLOCK));
        String prompt = "a".repeat(40) + "!";

        // when the call runs (the bound only guards against a hang; it is not a speed claim)
        JobResult r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> run(BOB, prompt));

        // then the prompt did not match, so it went to the provider unchanged
        assertThat(r.text()).isEqualTo("Paris.");
        assertThat(r.guardrails()).isEmpty();
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aModifyingFilterMasksMatchesBeforeSendingAndAWarningLetsTheCallThrough() throws Exception {
        guardrails.save(Guardrail.forOrg(ACME, "ssn", ContentFilter.input(List.of(), List.of("\\d{3}-\\d{2}-\\d{4}")),
                GuardrailAction.MODIFY));
        guardrails.save(Guardrail.forOrg(ACME, "competitors", ContentFilter.input(List.of("globex"), List.of()),
                GuardrailAction.WARN));

        JobResult r = run(BOB, "Compare us with Globex for customer 123-45-6789.");

        assertThat(sent().at("/messages/0/content").asText())
                .isEqualTo("Compare us with Globex for customer [removed].");
        assertThat(r.text()).isEqualTo("Paris.");
        assertThat(r.guardrails()).extracting(GuardrailOutcome::action, GuardrailOutcome::name)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(GuardrailAction.MODIFY, "ssn"),
                        org.assertj.core.groups.Tuple.tuple(GuardrailAction.WARN, "competitors"));
        assertThat(r.guardrails().get(1).detail()).isEqualTo("the prompt mentions blocked topic 'globex'");
        UsageRecord rec = lastRecord();
        assertThat(rec.status()).isEqualTo(UsageStatus.OK);
        assertThat(rec.guardrails()).isEqualTo("modify:content-filter:ssn; warn:content-filter:competitors");
        assertThat(rec.inputText()).doesNotContain("6789");
    }

    @Test
    void rulesApplyOnlyAtTheirLevelGlobalToEveryOrgGroupAndUserToTheirMembers() {
        guardrails.save(Guardrail.global("everyone", GuardrailRule.OutputModifier.append(" [g]"),
                GuardrailAction.MODIFY));
        guardrails.save(Guardrail.forGroup(ACME, "interns", "interns", GuardrailRule.OutputModifier.append(" [i]"),
                GuardrailAction.MODIFY));
        guardrails.save(Guardrail.forUser(ACME, "bob", "bob", GuardrailRule.OutputModifier.append(" [b]"),
                GuardrailAction.MODIFY));
        guardrails.save(Guardrail.forTier(ACME, "basic", "basic", GuardrailRule.OutputModifier.append(" [t]"),
                GuardrailAction.MODIFY));

        assertThat(run(ALICE, "hi").text()).isEqualTo("Paris. [g] [i]");
        assertThat(run(BOB, "hi").text()).isEqualTo("Paris. [g] [b]");
        assertThat(job.run(JobRequest.builder(GLOBEX, "hi").caller(ALICE).build()).text())
                .as("globex has the global rule only, even for a caller named like acme's").isEqualTo("Paris. [g]");
        catalog.setOrgTiers(ACME, Set.of("basic"));
        catalog.setDefault(ACME, NANO);
        JobResult basic = run(Caller.ANONYMOUS, "hi");

        assertThat(basic.text()).isEqualTo("Paris. [g] [t]");
        UsageRecord rec = usage.recent(ACME, 10).stream().filter(u -> u.id().equals(basic.usageRecordId()))
                .findFirst().orElseThrow();
        assertThat(rec.outputText()).isEqualTo("Paris. [g] [t]");
        assertThat(rec.guardrails()).isEqualTo("modify:output-modifier:everyone; modify:output-modifier:basic");
    }

    @Test
    void theMostRestrictiveRuleWinsLowestCapAndIntersectedAllowlists() throws Exception {
        guardrails.save(Guardrail.global("openai", new GuardrailRule.ModelAllowlist(Set.of("openai/*")),
                GuardrailAction.BLOCK));
        guardrails.save(Guardrail.forOrg(ACME, "mini only", new GuardrailRule.ModelAllowlist(
                Set.of("openai/gpt-4.1-mini")), GuardrailAction.BLOCK));
        guardrails.save(Guardrail.forOrg(ACME, "org cap", new GuardrailRule.TokenLimit(null, 500),
                GuardrailAction.MODIFY));
        guardrails.save(Guardrail.forGroup(ACME, "interns", "intern cap", new GuardrailRule.TokenLimit(null, 200),
                GuardrailAction.MODIFY));

        JobResult r = run(ALICE, "hi");
        int internCap = sent().get("max_completion_tokens").asInt();
        run(BOB, "hi");
        int bobCap = sent().get("max_completion_tokens").asInt();
        GuardrailBlockedException nano = catchThrowableOfType(GuardrailBlockedException.class,
                () -> job.run(JobRequest.builder(ACME, "hi").caller(BOB).model("gpt-4.1-nano").build()));

        assertThat(internCap).isEqualTo(200);
        assertThat(bobCap).isEqualTo(500);
        assertThat(r.guardrails()).extracting(GuardrailOutcome::name).containsExactly("intern cap");
        assertThat(r.guardrails().get(0).detail()).isEqualTo("output capped at 200 tokens");
        assertThat(nano.getMessage()).contains("'mini only'").contains("openai/gpt-4.1-nano is not in its allowlist");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void inputTokenCapAndPerCallCostCapBlockOrLog() {
        guardrails.save(Guardrail.forOrg(ACME, "long prompts", new GuardrailRule.TokenLimit(10L, null),
                GuardrailAction.BLOCK));
        guardrails.save(Guardrail.forOrg(ACME, "pricey", new GuardrailRule.BudgetLimit(new BigDecimal("0.001")),
                GuardrailAction.LOG));

        GuardrailBlockedException tooLong = catchThrowableOfType(GuardrailBlockedException.class,
                () -> run(BOB, "x".repeat(100)));
        JobResult logged = job.run(JobRequest.builder(ACME, "short").caller(BOB).maxOutputTokens(1_000).build());

        // gpt-4.1-mini counts exactly: 13 tokens of x, and 7 of chat framing
        assertThat(tooLong.getMessage()).contains("about 20 tokens, over the cap of 10");
        // worst case: 8 input tokens (1 and 7 of framing) at 0.40 + 1000 output tokens at 1.60 per 1M
        assertThat(logged.guardrails()).singleElement().satisfies(o -> {
            assertThat(o.action()).isEqualTo(GuardrailAction.LOG);
            assertThat(o.detail()).isEqualTo("the call may cost up to 0.0016032 USD, over the cap of 0.001 USD per call");
        });
    }

    @Test
    void aTimeRestrictionBlocksOutsideTheOrgsHoursInItsZone() {
        guardrails.save(Guardrail.forOrg(ACME, "office hours", new GuardrailRule.TimeRestriction("08:00", "18:00",
                Set.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY,
                        DayOfWeek.FRIDAY), "Europe/Berlin"), GuardrailAction.BLOCK));

        JobResult inHours = run(BOB, "hi");
        clock.set(Instant.parse("2026-11-23T17:30:00Z")); // 18:30 in Berlin
        GuardrailBlockedException evening = catchThrowableOfType(GuardrailBlockedException.class, () -> run(BOB, "hi"));
        clock.set(Instant.parse("2026-11-28T10:00:00Z")); // Saturday
        GuardrailBlockedException saturday = catchThrowableOfType(GuardrailBlockedException.class,
                () -> run(BOB, "hi"));

        assertThat(inHours.guardrails()).isEmpty();
        assertThat(evening.getMessage()).contains("calls are allowed 08:00-18:00 Europe/Berlin");
        assertThat(saturday).isNotNull();
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void anOvernightWindowBelongsToTheDayItStarts() {
        GuardrailRule.TimeRestriction nights = new GuardrailRule.TimeRestriction("22:00", "06:00",
                Set.of(DayOfWeek.FRIDAY), "UTC");

        assertThat(nights.allows(Instant.parse("2026-11-27T23:00:00Z"))).as("Friday 23:00").isTrue();
        assertThat(nights.allows(Instant.parse("2026-11-28T05:59:00Z"))).as("Saturday 05:59, Friday's night").isTrue();
        assertThat(nights.allows(Instant.parse("2026-11-28T23:00:00Z"))).as("Saturday 23:00").isFalse();
        assertThat(nights.allows(Instant.parse("2026-11-27T05:00:00Z"))).as("Friday 05:00, Thursday's night").isFalse();
    }

    @Test
    void aRateLimitGuardrailHoldsTheGroupsMembersToTheirLowerLimit() {
        guardrails.save(Guardrail.forGroup(ACME, "interns", "slow", new GuardrailRule.RateLimit(2),
                GuardrailAction.BLOCK));

        run(ALICE, "1");
        run(ALICE, "2");
        RateLimitedException third = catchThrowableOfType(RateLimitedException.class, () -> run(ALICE, "3"));
        for (int i = 0; i < 5; i++) {
            run(BOB, "not an intern");
        }

        assertThat(third.limit()).isEqualTo("user alice: 2 requests/minute");
        assertThat(third.retryAfter()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void aBlockedAnswerIsNotReturnedButItsTokensAreRecordedAndBilled() {
        guardrails.save(Guardrail.forOrg(ACME, "no salaries", ContentFilter.output(List.of("salary"), List.of()),
                GuardrailAction.BLOCK));
        Budget monthly = Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("10"));
        budgets.setBudget(monthly);
        server.otherwise(req -> json(200, answer("Her salary is 100k.", 1_000_000, 1_000_000, 0)));

        GuardrailBlockedException e = catchThrowableOfType(GuardrailBlockedException.class, () -> run(BOB, "hi"));

        assertThat(e.getMessage()).contains("blocked the answer").doesNotContain("100k");
        UsageRecord rec = lastRecord();
        assertThat(rec.status()).isEqualTo(UsageStatus.ERROR);
        assertThat(rec.errorCode()).isEqualTo("AI_GUARDRAIL_BLOCKED");
        assertThat(rec.outputText()).as("the blocked answer is not stored").isNull();
        assertThat(rec.usage()).isEqualTo(new TokenUsage(1_000_000L, 1_000_000L, 0L));
        assertThat(rec.cost()).isEqualTo(Cost.usd(new BigDecimal("2")));
        assertThat(budgets.spent(monthly))
                .as("the provider was paid, so the budget is charged").isEqualByComparingTo("2");
        assertThat(rec.guardrails()).isEqualTo("block:content-filter:no salaries");
    }

    @Test
    void aStreamStopsAtTheTokenThatCompletesABlockedMatch() throws Exception {
        guardrails.save(Guardrail.forOrg(ACME, "no salaries", ContentFilter.output(List.of("salary"), List.of()),
                GuardrailAction.BLOCK));
        server.enqueue(sse(chunk("The "), chunk("sal"), chunk("ary "), chunk("is 100k"), "data: [DONE]\n\n"));
        List<JobEvent> events = new CopyOnWriteArrayList<>();

        StreamHandle h = job.stream(JobRequest.builder(ACME, "hi").caller(BOB).build(), events::add);

        assertThatThrownBy(() -> h.completion().get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(GuardrailBlockedException.class);
        assertThat(events).filteredOn(JobEvent.Token.class::isInstance)
                .extracting(t -> ((JobEvent.Token) t).text()).containsExactly("The ", "sal");
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(JobEvent.Error.class,
                err -> assertThat(err.error().code()).isEqualTo(ErrorCode.AI_GUARDRAIL_BLOCKED));
        UsageRecord rec = lastRecord();
        assertThat(rec.status()).isEqualTo(UsageStatus.ERROR);
        assertThat(rec.usage().outputTokens()).as("the three tokens received").isEqualTo(3L);
        assertThat(rec.outputText()).isNull();
        assertThat(rec.guardrails()).isEqualTo("block:content-filter:no salaries");
    }

    @Test
    void aStreamCarriesTheOutputModifiersAsTokensAndInItsResult() throws Exception {
        guardrails.save(Guardrail.forOrg(ACME, "label", new GuardrailRule.OutputModifier("[AI] ", " -- check facts"),
                GuardrailAction.MODIFY));
        server.enqueue(sse(chunk("Par"), chunk("is."), "data: [DONE]\n\n"));
        List<JobEvent> events = new CopyOnWriteArrayList<>();

        JobResult r = job.stream(JobRequest.builder(ACME, "hi").caller(BOB).build(), events::add)
                .completion().get(10, TimeUnit.SECONDS);

        assertThat(events).filteredOn(JobEvent.Token.class::isInstance)
                .extracting(t -> ((JobEvent.Token) t).text()).containsExactly("[AI] ", "Par", "is.", " -- check facts");
        assertThat(r.text()).isEqualTo("[AI] Paris. -- check facts");
        assertThat(r.guardrails()).extracting(GuardrailOutcome::summary).containsExactly("modify:output-modifier:label");
        assertThat(lastRecord().outputText()).isEqualTo("[AI] Paris. -- check facts");
    }

    @Test
    void aCallPastASoftBudgetGoesAheadWithAWarningInItsResultAndRecord() {
        budgets.setBudget(new Budget(ACME, Budget.Scope.USER, "bob", Budget.Period.DAILY, new BigDecimal("0.0001"),
                false, null, java.time.ZoneId.of("UTC")));

        JobResult r = run(BOB, "hi");

        assertThat(r.text()).isEqualTo("Paris.");
        assertThat(r.guardrails()).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo("budget");
            assertThat(o.action()).isEqualTo(GuardrailAction.WARN);
            assertThat(o.guardrailId()).isNull();
            assertThat(o.detail()).isEqualTo("this call may take the soft user bob daily budget of 0.0001 USD past its limit");
        });
        assertThat(lastRecord().guardrails()).isEqualTo("warn:budget:user bob daily budget of 0.0001 USD");
    }

    @Test
    void aDisabledRuleDoesNothing() {
        guardrails.save(Guardrail.forOrg(ACME, "off", ContentFilter.input(List.of("hi"), List.of()),
                GuardrailAction.BLOCK).withEnabled(false));

        assertThat(run(BOB, "hi").guardrails()).isEmpty();
    }

    @Test
    void badRulesAreRefusedWithAMessageThatSaysWhatToFix() {
        InvalidRequestException regex = catchThrowableOfType(InvalidRequestException.class,
                () -> ContentFilter.input(List.of(), List.of("([unclosed")));
        InvalidRequestException action = catchThrowableOfType(InvalidRequestException.class,
                () -> Guardrail.forOrg(ACME, "x", GuardrailRule.OutputModifier.append("!"), GuardrailAction.BLOCK));
        InvalidRequestException subject = catchThrowableOfType(InvalidRequestException.class,
                () -> new Guardrail(java.util.UUID.randomUUID(), Guardrail.Level.GROUP, ACME, null, "x",
                        new GuardrailRule.RateLimit(1), GuardrailAction.BLOCK, true));
        InvalidRequestException model = catchThrowableOfType(InvalidRequestException.class,
                () -> new GuardrailRule.ModelAllowlist(Set.of("gpt-4.1-mini")));
        InvalidRequestException zone = catchThrowableOfType(InvalidRequestException.class,
                () -> new GuardrailRule.TimeRestriction("08:00", "18:00", null, "Mars/Olympus"));

        assertThat(regex.getMessage()).contains("'([unclosed' is not a valid regular expression");
        assertThat(action.getMessage()).isEqualTo("a output-modifier guardrail can [modify], not block");
        assertThat(subject.getMessage()).isEqualTo("a group guardrail needs the group it applies to");
        assertThat(model.getMessage()).contains("is not provider/model or provider/*");
        assertThat(zone.getMessage()).contains("unknown time zone 'Mars/Olympus'");
        assertThat(List.of(regex, action, subject, model, zone)).allSatisfy(
                e -> assertThat(e.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST));
    }

    @Test
    void rulesRoundTripThroughJsonWithTheirKindAsType() throws Exception {
        for (Guardrail g : dev.aitenancy.contract.GuardrailStoreContract.everyKind()) {
            String json = dev.aitenancy.spi.StoredGuardrails.toJson(g.rule());
            assertThat(Json.MAPPER.readTree(json).get("type").asText()).isEqualTo(g.rule().kind());
            assertThat(dev.aitenancy.spi.StoredGuardrails.fromJson(json)).isEqualTo(g.rule());
        }
        InvalidRequestException unknown = catchThrowableOfType(InvalidRequestException.class,
                () -> dev.aitenancy.spi.StoredGuardrails.fromJson("{\"type\":\"mind-control\"}"));
        assertThat(unknown.getMessage()).contains("could not be read");
    }
}
