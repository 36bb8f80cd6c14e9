package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.guardrails.GuardrailRule.ContentFilter;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What every guardrail store must do: keep every kind of rule intact, in order, per org. */
public abstract class GuardrailStoreContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");

    protected abstract GuardrailStore newStore();

    /** One rule of every kind, at every level. */
    public static List<Guardrail> everyKind() {
        return List.of(
                Guardrail.global("openai only", new GuardrailRule.ModelAllowlist(Set.of("openai/*")),
                        GuardrailAction.BLOCK),
                Guardrail.forOrg(ACME, "no nano", new GuardrailRule.ModelDenylist(Set.of("openai/gpt-4.1-nano")),
                        GuardrailAction.WARN),
                Guardrail.forTier(ACME, "basic", "short", new GuardrailRule.TokenLimit(4_000L, 300),
                        GuardrailAction.BLOCK),
                Guardrail.forGroup(ACME, "interns", "slow down", new GuardrailRule.RateLimit(5),
                        GuardrailAction.BLOCK),
                Guardrail.forUser(ACME, "alice", "no salaries", new ContentFilter(List.of("salary", "bonus"),
                        List.of("\\b\\d{3}-\\d{2}-\\d{4}\\b"), ContentFilter.Target.BOTH), GuardrailAction.MODIFY),
                Guardrail.forOrg(ACME, "disclaimer", GuardrailRule.OutputModifier.append("\n-- AI generated"),
                        GuardrailAction.MODIFY),
                Guardrail.forOrg(ACME, "cheap calls", new GuardrailRule.BudgetLimit(new BigDecimal("0.05")),
                        GuardrailAction.LOG),
                Guardrail.forOrg(ACME, "office hours", new GuardrailRule.TimeRestriction("08:00", "18:00",
                        Set.of(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), "Europe/Berlin"), GuardrailAction.BLOCK));
    }

    @Test
    void everyKindOfRuleComesBackAsSavedGlobalOnesFirst() {
        GuardrailStore store = newStore();
        List<Guardrail> rules = everyKind();

        // the global rule is saved last but listed first
        rules.subList(1, rules.size()).forEach(store::save);
        store.save(rules.get(0));
        Guardrail globexRule = store.save(Guardrail.forOrg(GLOBEX, "globex only",
                new GuardrailRule.RateLimit(1), GuardrailAction.BLOCK));

        assertThat(store.guardrails(ACME)).containsExactlyElementsOf(rules);
        assertThat(store.guardrails(GLOBEX)).containsExactly(rules.get(0), globexRule);
        assertThat(store.globalGuardrails()).containsExactly(rules.get(0));
        assertThat(store.find(ACME, rules.get(4).id())).contains(rules.get(4));
        assertThat(store.find(GLOBEX, rules.get(4).id())).as("another org's rule is not found").isEmpty();
        assertThat(store.find(null, rules.get(0).id())).contains(rules.get(0));
    }

    @Test
    void patternsAndTopicsComeBackCharacterForCharacter() {
        GuardrailStore store = newStore();
        Guardrail filter = store.save(Guardrail.forOrg(ACME, "patterns", new ContentFilter(
                List.of("Gehalt", "l'école", "c++", "\"quoted\""),
                List.of("(?i)\\bproject\\s+(?P<code>[a-z]+)\\b", "\\p{Greek}+", "caf\\x{e9}|\\Q[x]\\E",
                        "(.*a){12}$", "^\\d{3}-\\d{2}-\\d{4}$"),
                ContentFilter.Target.OUTPUT), GuardrailAction.BLOCK));

        assertThat(store.guardrails(ACME)).containsExactly(filter);
        assertThat(store.find(ACME, filter.id())).contains(filter);
    }

    @Test
    void savingAgainReplacesTheRuleInPlace() {
        GuardrailStore store = newStore();
        Guardrail first = store.save(Guardrail.forOrg(ACME, "a", new GuardrailRule.RateLimit(5), GuardrailAction.BLOCK));
        Guardrail second = store.save(Guardrail.forOrg(ACME, "b", new GuardrailRule.RateLimit(6), GuardrailAction.BLOCK));

        Guardrail changed = new Guardrail(first.id(), first.level(), ACME, null, "a, stricter",
                new GuardrailRule.RateLimit(2), GuardrailAction.BLOCK, false);
        store.save(changed);

        assertThat(store.guardrails(ACME)).containsExactly(changed, second);
    }

    @Test
    void aRuleCannotBeMovedToAnotherOrg() {
        GuardrailStore store = newStore();
        Guardrail acmes = store.save(Guardrail.forOrg(ACME, "a", new GuardrailRule.RateLimit(5), GuardrailAction.BLOCK));

        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class, () -> store.save(
                new Guardrail(acmes.id(), Guardrail.Level.ORG, GLOBEX, null, "stolen", acmes.rule(), acmes.action(),
                        true)));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(e.getMessage()).contains("belongs to another org");
        assertThat(store.guardrails(GLOBEX)).isEmpty();
        assertThat(store.guardrails(ACME)).containsExactly(acmes);
    }

    @Test
    void deleteRemovesOnlyTheOrgsOwnRule() {
        GuardrailStore store = newStore();
        Guardrail global = store.save(Guardrail.global("g", new GuardrailRule.RateLimit(9), GuardrailAction.BLOCK));
        Guardrail acmes = store.save(Guardrail.forOrg(ACME, "a", new GuardrailRule.RateLimit(5), GuardrailAction.BLOCK));

        assertThat(store.delete(GLOBEX, acmes.id())).as("globex cannot delete acme's rule").isFalse();
        assertThat(store.delete(ACME, global.id())).as("an org cannot delete a global rule").isFalse();
        assertThat(store.delete(ACME, acmes.id())).isTrue();
        assertThat(store.delete(ACME, acmes.id())).isFalse();
        assertThat(store.guardrails(ACME)).containsExactly(global);
        assertThat(store.delete(null, global.id())).isTrue();
        assertThat(store.guardrails(ACME)).isEmpty();
    }
}
