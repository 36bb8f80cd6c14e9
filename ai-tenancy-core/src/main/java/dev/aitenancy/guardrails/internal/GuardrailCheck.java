package dev.aitenancy.guardrails.internal;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.GuardrailBlockedException;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailOutcome;
import dev.aitenancy.guardrails.GuardrailRule.BudgetLimit;
import dev.aitenancy.guardrails.GuardrailRule.ContentFilter;
import dev.aitenancy.guardrails.GuardrailRule.ModelAllowlist;
import dev.aitenancy.guardrails.GuardrailRule.ModelDenylist;
import dev.aitenancy.guardrails.GuardrailRule.OutputModifier;
import dev.aitenancy.guardrails.GuardrailRule.RateLimit;
import dev.aitenancy.guardrails.GuardrailRule.TimeRestriction;
import dev.aitenancy.guardrails.GuardrailRule.TokenLimit;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guardrails of one call: the rules that apply to it, checked before the provider is called
 * ({@link #checkModel}, {@link #checkInput}, {@link #checkCost}) and after
 * ({@link #checkOutput}), with every outcome kept for the result and the usage record. A
 * blocking rule throws {@link GuardrailBlockedException}; every other action lets the call go on.
 */
public final class GuardrailCheck {

    private static final Logger LOG = LoggerFactory.getLogger(GuardrailCheck.class);
    private static final String REMOVED = "[removed]";

    /** The check of a call before its rules are known (none apply yet). */
    public static GuardrailCheck none() {
        return new GuardrailCheck(null, List.of());
    }

    private final OrgId org;
    private final List<Guardrail> rules;
    private final List<GuardrailOutcome> outcomes = new ArrayList<>();

    private GuardrailCheck(OrgId org, List<Guardrail> rules) {
        this.org = org;
        this.rules = rules;
    }

    /** The rules of {@code all} that apply to a call of {@code org} by {@code caller} through {@code tier}. */
    public static GuardrailCheck of(List<Guardrail> all, OrgId org, Caller caller, String tier) {
        List<Guardrail> applying = null;
        for (Guardrail g : all) {
            if (g.appliesTo(org, caller, tier)) {
                if (applying == null) {
                    applying = new ArrayList<>(all.size());
                }
                applying.add(g);
            }
        }
        return new GuardrailCheck(org, applying == null ? List.of() : Collections.unmodifiableList(applying));
    }

    /**
     * Model lists and output caps: blocks a model outside an allowlist or on a denylist (or
     * warns/logs), lowers the output cap to the lowest token-limit, and drops fallbacks that a
     * blocking list refuses.
     */
    public ResolvedModel checkModel(ResolvedModel model) {
        for (Guardrail g : rules) {
            if (g.rule() instanceof ModelAllowlist allow && !allow.matches(model.ref())) {
                apply(g, "the request", "model " + model.ref() + " is not in its allowlist " + allow.models());
            } else if (g.rule() instanceof ModelDenylist deny && deny.matches(model.ref())) {
                apply(g, "the request", "model " + model.ref() + " is on its denylist");
            }
        }
        Guardrail capping = null;
        int cap = model.maxOutputTokens();
        for (Guardrail g : rules) {
            if (g.rule() instanceof TokenLimit t && t.maxOutputTokens() != null && t.maxOutputTokens() < cap) {
                cap = t.maxOutputTokens();
                capping = g;
            }
        }
        if (capping != null) {
            record(capping, GuardrailAction.MODIFY, "output capped at " + cap + " tokens");
        }
        return clamp(model, cap, true);
    }

    private ResolvedModel clamp(ResolvedModel model, int cap, boolean primary) {
        List<ResolvedModel> fallbacks = model.fallbacks();
        if (primary && !fallbacks.isEmpty()) {
            List<ResolvedModel> kept = new ArrayList<>(fallbacks.size());
            for (ResolvedModel f : fallbacks) {
                if (!blockedModel(f.ref())) {
                    kept.add(clamp(f, cap, false));
                }
            }
            fallbacks = kept;
        }
        return new ResolvedModel(model.ref(), Math.min(cap, model.maxOutputTokens()), model.spec(), model.tier(),
                fallbacks);
    }

    private boolean blockedModel(ModelRef ref) {
        return rules.stream().filter(g -> g.action() == GuardrailAction.BLOCK).anyMatch(g ->
                g.rule() instanceof ModelAllowlist allow && !allow.matches(ref)
                        || g.rule() instanceof ModelDenylist deny && deny.matches(ref));
    }

    /**
     * Allowed hours, the input token cap and input content filters; returns the prompt to send
     * (with matches masked by modifying filters).
     */
    public String checkInput(String prompt, long estimatedTokens, Instant now) {
        return checkInputs(List.of(prompt), estimatedTokens, now).get(0);
    }

    /**
     * The input guardrails over every text the user sends (each user message's text): time and
     * token rules once for the call, content filters on each text, in order. Returns the texts as
     * the guardrails left them (masked where a filter modifies).
     */
    public List<String> checkInputs(List<String> texts, long estimatedTokens, Instant now) {
        List<String> out = new ArrayList<>(texts);
        for (Guardrail g : rules) {
            if (g.rule() instanceof TimeRestriction t && !t.allows(now)) {
                apply(g, "the request", "calls are allowed " + t.from() + "-" + t.to() + " " + t.zone()
                        + (t.days().size() == 7 ? "" : " on " + t.days()));
            } else if (g.rule() instanceof TokenLimit t && t.maxInputTokens() != null
                    && estimatedTokens > t.maxInputTokens() && g.action() != GuardrailAction.MODIFY) {
                apply(g, "the request", "the prompt is about " + estimatedTokens + " tokens, over the cap of "
                        + t.maxInputTokens());
            } else if (g.rule() instanceof ContentFilter f && f.readsInput()) {
                for (int i = 0; i < out.size(); i++) {
                    out.set(i, filter(g, f, out.get(i), "the request", out.size() == 1 ? "the prompt"
                            : "user message " + (i + 1)));
                }
            }
        }
        return out;
    }

    /** Per-call cost caps against the call's worst case; an unpriced call ({@code null}) passes. */
    public void checkCost(BigDecimal worstCase) {
        if (worstCase == null) {
            return;
        }
        for (Guardrail g : rules) {
            if (g.rule() instanceof BudgetLimit b && worstCase.compareTo(b.maxCostPerCallUsd()) > 0) {
                apply(g, "the request", "the call may cost up to " + worstCase.stripTrailingZeros().toPlainString()
                        + " USD, over the cap of " + b.maxCostPerCallUsd().stripTrailingZeros().toPlainString()
                        + " USD per call");
            }
        }
    }

    /** The lowest per-user requests-per-minute of the rate-limit rules, or 0 when none applies. */
    public int userRequestsPerMinute() {
        boolean any = false;
        int min = Integer.MAX_VALUE;
        for (Guardrail g : rules) {
            if (g.rule() instanceof RateLimit r) {
                any = true;
                min = Math.min(min, r.requestsPerMinute());
            }
        }
        return any ? min : 0;
    }

    /** Output content filters, then output modifiers; returns the answer to give the caller. */
    public String checkOutput(String answer) {
        String text = answer == null ? "" : answer;
        for (Guardrail g : rules) {
            if (g.rule() instanceof ContentFilter f && f.readsOutput()) {
                text = filter(g, f, text, "the answer", "the answer");
            }
        }
        for (Guardrail g : rules) {
            if (g.rule() instanceof OutputModifier) {
                record(g, GuardrailAction.MODIFY, "text added to the answer");
            }
        }
        return prefix() + text + suffix();
    }

    /**
     * For a stream: the error when the answer so far meets a blocking output filter, else null.
     * Called as tokens arrive so a blocked answer stops as soon as the match is complete.
     */
    public GuardrailBlockedException blockedSoFar(String answerSoFar) {
        for (Guardrail g : rules) {
            if (g.action() == GuardrailAction.BLOCK && g.rule() instanceof ContentFilter f && f.readsOutput()) {
                Hit hit = firstHit(f, answerSoFar);
                if (hit != null) {
                    try {
                        apply(g, "the answer", "the answer " + hit.detail());
                    } catch (GuardrailBlockedException e) {
                        return e;
                    }
                }
            }
        }
        return null;
    }

    /** Whether some blocking output filter applies (streams check as they go). */
    public boolean blocksOutput() {
        return rules.stream().anyMatch(g -> g.action() == GuardrailAction.BLOCK
                && g.rule() instanceof ContentFilter f && f.readsOutput());
    }

    /** The text the output modifiers put before every answer ("" when none). */
    public String prefix() {
        return modifiers(OutputModifier::prefix);
    }

    /** The text the output modifiers put after every answer ("" when none). */
    public String suffix() {
        return modifiers(OutputModifier::suffix);
    }

    private String modifiers(Function<OutputModifier, String> part) {
        StringBuilder joined = new StringBuilder();
        for (Guardrail g : rules) {
            if (g.rule() instanceof OutputModifier m) {
                String s = part.apply(m);
                if (s != null) {
                    joined.append(s);
                }
            }
        }
        return joined.toString();
    }

    /** Records that the call may take a soft budget past its limit (it goes ahead). */
    public synchronized void warnSoftBudget(dev.aitenancy.limits.Budget budget) {
        String name = budget.describe();
        outcomes.add(new GuardrailOutcome(null, name, "budget", GuardrailAction.WARN,
                "this call may take the soft " + name + " past its limit"));
        LOG.warn("a call of org {} may take the soft {} past its limit", budget.org(), name);
    }

    /**
     * Records that a call to {@code model}, which has no price, goes ahead under a soft budget that
     * cannot count it (the budget does not allow unpriced models).
     */
    public synchronized void warnUnpricedSoftBudget(dev.aitenancy.limits.Budget budget, String model) {
        String name = budget.describe();
        outcomes.add(new GuardrailOutcome(null, name, "budget", GuardrailAction.WARN, "model " + model
                + " has no price, so this call is not counted against the soft " + name
                + "; give the model a price, or an admin can allow unpriced models under this budget"));
        LOG.warn("a call of org {} to {}, which has no price, is not counted against the soft {}", budget.org(),
                model, name);
    }

    /** Everything the rules did so far, in order. */
    public synchronized List<GuardrailOutcome> outcomes() {
        return List.copyOf(outcomes);
    }

    /** The outcomes as usage records keep them ({@code action:kind:name; ...}), or null for none. */
    public synchronized String summary() {
        if (outcomes.isEmpty()) {
            return null;
        }
        if (outcomes.size() == 1) {
            return outcomes.get(0).summary();
        }
        List<String> distinct = new ArrayList<>(outcomes.size());
        for (GuardrailOutcome o : outcomes) {
            String s = o.summary();
            if (!distinct.contains(s)) {
                distinct.add(s);
            }
        }
        return String.join("; ", distinct);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private String filter(Guardrail g, ContentFilter f, String text, String stage, String what) {
        Hit hit = firstHit(f, text);
        if (hit == null) {
            return text;
        }
        if (hit.unusable() && g.action() == GuardrailAction.MODIFY) {
            // what it would remove is unknown: keeping the text whole could pass on what it must not
            apply(g, GuardrailAction.BLOCK, stage, what + " " + hit.detail());
        }
        apply(g, stage, what + " " + hit.detail());
        return g.action() == GuardrailAction.MODIFY ? mask(f, text) : text;
    }

    /** A match of a content filter, described for outcomes and messages. */
    private record Hit(String detail, boolean unusable) {
    }

    /**
     * The first match of the filter in {@code text} ({@code mentions blocked topic 'x'}), or null
     * when none. A stored pattern that cannot run ({@link GuardrailPatterns}) counts as a match on
     * any text, so a rule saved under older checks never stops filtering silently.
     */
    private static Hit firstHit(ContentFilter f, String text) {
        for (String p : f.patterns()) {
            GuardrailPatterns.Compiled c = GuardrailPatterns.compiled(p);
            if (!c.runs()) {
                return new Hit("cannot be checked: the guardrail's pattern '" + p + "' " + c.problem()
                        + "; until an admin changes the guardrail, it counts as a match", true);
            }
        }
        for (String topic : f.blockedTopics()) {
            if (GuardrailPatterns.topic(topic).matcher(text).find()) {
                return new Hit("mentions blocked topic '" + topic + "'", false);
            }
        }
        for (String p : f.patterns()) {
            if (GuardrailPatterns.compiled(p).pattern().matcher(text).find()) {
                return new Hit("matches blocked pattern '" + p + "'", false);
            }
        }
        return null;
    }

    private static String mask(ContentFilter f, String text) {
        String out = text;
        for (String topic : f.blockedTopics()) {
            out = GuardrailPatterns.topic(topic).matcher(out).replaceAll(Matcher.quoteReplacement(REMOVED));
        }
        for (String p : f.patterns()) {
            out = GuardrailPatterns.compiled(p).pattern().matcher(out)
                    .replaceAll(com.google.re2j.Matcher.quoteReplacement(REMOVED));
        }
        return out;
    }

    private void apply(Guardrail g, String stage, String detail) {
        apply(g, g.action(), stage, detail);
    }

    private void apply(Guardrail g, GuardrailAction action, String stage, String detail) {
        record(g, action, detail);
        switch (action) {
            case BLOCK -> throw new GuardrailBlockedException(ErrorCode.AI_GUARDRAIL_BLOCKED, org.value(),
                    g.describe() + " blocked " + stage + ": " + detail
                            + "; change the request, or ask an admin of org " + org + " about the guardrail");
            case WARN -> LOG.warn("{} warns on {} of org {}: {}", g.describe(), stage, org, detail);
            case LOG, MODIFY -> LOG.info("{} on {} of org {}: {}", g.describe(), stage, org, detail);
        }
    }

    private synchronized void record(Guardrail g, GuardrailAction action, String detail) {
        outcomes.add(new GuardrailOutcome(g.id(), g.name(), g.rule().kind(), action, detail));
    }
}
