package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.AccessDeniedException;
import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.models.Tier;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import dev.aitenancy.testing.Concurrently;
import org.junit.jupiter.api.Test;

/** What every model catalog must do, in memory or in a database. */
public abstract class ModelCatalogContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");
    protected static final OrgId INITECH = OrgId.of("initech");
    protected static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    protected static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");
    protected static final ModelRef HAIKU = ModelRef.of(ProviderId.ANTHROPIC, "claude-haiku-4-5");
    protected static final ModelRef LOCAL = ModelRef.of(ProviderId.of("ollama"), "llama3.1");
    protected static final ModelRegistry REGISTRY = ModelRegistry.empty()
            .with(ModelSpec.unpriced(MINI, 1_047_576, 32_768))
            .with(ModelSpec.unpriced(NANO, 1_047_576, 32_768))
            .with(ModelSpec.unpriced(HAIKU, 200_000, 64_000));

    /** basic < standard < premium, each holding the ones below. */
    protected static final TierPlan PLAN = TierPlan.of(List.of(
            new Tier("basic", Set.of(NANO), null, null),
            new Tier("standard", Set.of(NANO, MINI), new BigDecimal("0.50"), new BigDecimal("2.00")),
            new Tier("premium", Set.of(NANO, MINI, HAIKU), null, null)));

    /** A catalog and its admin side over the same fresh, empty storage. */
    public record Catalog(ModelCatalog catalog, ModelAdmin admin) {
        ResolvedModel resolve(OrgId org, ModelRequest request) {
            return catalog.resolve(org, Caller.ANONYMOUS, request);
        }

        ResolvedModel resolve(OrgId org, Caller caller, ModelRequest request) {
            return catalog.resolve(org, caller, request);
        }
    }

    protected abstract Catalog newCatalog(ModelRegistry registry, TierPlan plan);

    protected Catalog newCatalog(ModelRegistry registry) {
        return newCatalog(registry, PLAN);
    }

    static ModelRequest nothing() {
        return new ModelRequest(null, null, null, null);
    }

    @Test
    void resolutionTakesTheRequestThenTheFeatureThenTheOrgDefault() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, NANO, null).allow(ACME, HAIKU, null)
                .setDefault(ACME, MINI).setDefault(ACME, HAIKU).setDefaultProvider(ACME, ProviderId.OPENAI)
                .setFeaturePreference(ACME, "summaries", NANO, 500);

        assertThat(c.resolve(ACME, nothing()).ref()).isEqualTo(MINI);
        assertThat(c.resolve(ACME, new ModelRequest(null, null, "claude-haiku-4-5", null)).ref()).isEqualTo(HAIKU);
        assertThat(c.resolve(ACME, new ModelRequest(null, ProviderId.ANTHROPIC, null, null)).ref()).isEqualTo(HAIKU);
        ResolvedModel feature = c.resolve(ACME, new ModelRequest("summaries", null, null, null));
        assertThat(feature.ref()).isEqualTo(NANO);
        assertThat(feature.maxOutputTokens()).isEqualTo(500);
        assertThat(c.resolve(ACME, new ModelRequest("other", null, null, null)).ref()).isEqualTo(MINI);
    }

    @Test
    void thereIsNoImplicitDefaultAndNoModelOffTheAllowlist() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null);

        ConfigurationException none = catchThrowableOfType(ConfigurationException.class,
                () -> c.resolve(ACME, nothing()));
        ConfigurationException unknownOrg = catchThrowableOfType(ConfigurationException.class,
                () -> c.resolve(INITECH, nothing()));
        AccessDeniedException notAllowed = catchThrowableOfType(AccessDeniedException.class,
                () -> c.resolve(ACME, new ModelRequest(null, ProviderId.OPENAI, "gpt-4.1-nano", null)));
        ConfigurationException noProviderDefault = catchThrowableOfType(ConfigurationException.class,
                () -> c.resolve(ACME, new ModelRequest(null, ProviderId.OPENAI, null, null)));

        assertThat(none.code()).isEqualTo(ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL);
        assertThat(none.getMessage()).contains("acme");
        assertThat(unknownOrg.code()).isEqualTo(ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL);
        assertThat(notAllowed.code()).isEqualTo(ErrorCode.AI_MODEL_NOT_ALLOWED);
        assertThat(noProviderDefault.code()).isEqualTo(ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL);
    }

    @Test
    void aModelCanCarryTheLabelTheOrgShowsAndAllowingAgainUpdatesIt() {
        Catalog c = newCatalog(REGISTRY);

        c.admin().allow(ACME, MINI, 1_000, "Fast drafts");
        c.admin().allow(ACME, MINI, 2_000, "Everyday assistant");

        assertThat(c.admin().models(ACME)).containsExactly(new OrgModel(MINI, "Everyday assistant", 2_000, false));
    }

    @Test
    void outputCapsAreClampedToTheOrgsAndTheModelsCap() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, 100_000).allow(ACME, NANO, 1_000).allow(ACME, LOCAL, null)
                .setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI);

        assertThat(c.admin().models(ACME)).contains(new OrgModel(MINI, null, 32_768, true));
        assertThat(c.resolve(ACME, nothing()).maxOutputTokens()).isEqualTo(32_768);
        assertThat(c.resolve(ACME, new ModelRequest(null, null, "gpt-4.1-nano", 5_000)).maxOutputTokens())
                .isEqualTo(1_000);
        assertThat(c.resolve(ACME, new ModelRequest(null, null, "gpt-4.1-nano", 200)).maxOutputTokens())
                .isEqualTo(200);
        assertThat(c.resolve(ACME, new ModelRequest(null, null, "llama3.1", null)).maxOutputTokens())
                .as("nothing known: the library's fallback cap").isEqualTo(4096);
    }

    @Test
    void eachProviderHasExactlyOneDefaultAndItCannotBeRemovedUntilAnotherIsChosen() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, NANO, null).allow(ACME, HAIKU, null)
                .setDefault(ACME, MINI).setDefault(ACME, HAIKU);

        c.admin().setDefault(ACME, NANO);
        ConfigurationException refused = catchThrowableOfType(ConfigurationException.class,
                () -> c.admin().remove(ACME, NANO));
        c.admin().remove(ACME, MINI);

        assertThat(c.admin().models(ACME)).containsExactly(new OrgModel(HAIKU, null, null, true),
                new OrgModel(NANO, null, null, true));
        assertThat(refused.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(refused.getMessage()).contains("choose another default first");
        assertThat(catchThrowableOfType(AccessDeniedException.class, () -> c.admin().setDefault(ACME, MINI)).code())
                .isEqualTo(ErrorCode.AI_MODEL_NOT_ALLOWED);
    }

    @Test
    void removingAModelDropsItsFeaturePreferencesAndFallbacks() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, NANO, null).allow(ACME, HAIKU, null)
                .setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI)
                .setFeaturePreference(ACME, "summaries", NANO, null).setFallbacks(ACME, List.of(NANO, HAIKU));

        c.admin().setFeaturePreference(ACME, "drafts", HAIKU, 250);
        List<dev.aitenancy.models.PreferredModel> before = c.admin().featurePreferences(ACME);
        List<ModelRef> chainBefore = c.admin().fallbacks(ACME);

        c.admin().remove(ACME, NANO);

        assertThat(before).containsExactly(new dev.aitenancy.models.PreferredModel("drafts", HAIKU, 250),
                new dev.aitenancy.models.PreferredModel("summaries", NANO, null));
        assertThat(chainBefore).containsExactly(NANO, HAIKU);
        assertThat(c.admin().featurePreferences(ACME)).containsExactly(
                new dev.aitenancy.models.PreferredModel("drafts", HAIKU, 250));
        assertThat(c.admin().fallbacks(ACME)).containsExactly(HAIKU);
        assertThat(c.admin().featurePreferences(GLOBEX)).isEmpty();
        assertThat(c.admin().fallbacks(GLOBEX)).isEmpty();
        assertThat(c.resolve(ACME, new ModelRequest("summaries", null, null, null)).ref()).isEqualTo(MINI);
        assertThat(c.resolve(ACME, nothing()).fallbacks()).extracting(ResolvedModel::ref).containsExactly(HAIKU);
    }

    @Test
    void fallbacksAreResolvedInOrderWithoutTheChosenModel() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, NANO, 300).allow(ACME, HAIKU, null)
                .setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI)
                .setFallbacks(ACME, List.of(MINI, HAIKU, NANO));

        ResolvedModel r = c.resolve(ACME, new ModelRequest(null, null, null, 1_000));

        assertThat(r.fallbacks()).extracting(ResolvedModel::ref).containsExactly(HAIKU, NANO);
        assertThat(r.fallbacks()).extracting(ResolvedModel::maxOutputTokens).containsExactly(1_000, 300);
        assertThat(catchThrowableOfType(AccessDeniedException.class,
                () -> c.admin().setFallbacks(ACME, List.of(LOCAL))).code()).isEqualTo(ErrorCode.AI_MODEL_NOT_ALLOWED);
    }

    @Test
    void removingAProviderRemovesEverythingOfTheOrgForIt() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, HAIKU, null).setDefault(ACME, MINI).setDefault(ACME, HAIKU)
                .setDefaultProvider(ACME, ProviderId.OPENAI).setFeaturePreference(ACME, "x", MINI, null)
                .setFallbacks(ACME, List.of(HAIKU, MINI));
        c.admin().allow(GLOBEX, MINI, null).setDefault(GLOBEX, MINI).setDefaultProvider(GLOBEX, ProviderId.OPENAI);

        c.admin().removeProvider(ACME, ProviderId.OPENAI);

        assertThat(c.admin().models(ACME)).containsExactly(new OrgModel(HAIKU, null, null, true));
        assertThat(catchThrowableOfType(ConfigurationException.class, () -> c.resolve(ACME, nothing())).code())
                .as("the default provider went with it").isEqualTo(ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL);
        assertThat(c.resolve(ACME, new ModelRequest("x", ProviderId.ANTHROPIC, null, null)).ref()).isEqualTo(HAIKU);
        assertThat(c.resolve(GLOBEX, nothing()).ref()).as("other orgs untouched").isEqualTo(MINI);
    }

    @Test
    void orgsNeverSeeEachOthersConfiguration() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, 100).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI)
                .setFeaturePreference(ACME, "f", MINI, 50).setFallbacks(ACME, List.of(MINI));
        c.admin().allow(GLOBEX, HAIKU, null).setDefault(GLOBEX, HAIKU).setDefaultProvider(GLOBEX,
                ProviderId.ANTHROPIC);

        assertThat(c.resolve(GLOBEX, new ModelRequest("f", null, null, null)).ref()).isEqualTo(HAIKU);
        assertThat(c.resolve(GLOBEX, nothing()).fallbacks()).isEmpty();
        assertThat(catchThrowableOfType(AccessDeniedException.class,
                () -> c.resolve(GLOBEX, new ModelRequest(null, null, "gpt-4.1-mini", null)))).isNotNull();
        assertThat(c.admin().models(GLOBEX)).containsExactly(new OrgModel(HAIKU, null, null, true));
        assertThat(c.admin().models(INITECH)).isEmpty();
        assertThat(c.resolve(ACME, nothing()).maxOutputTokens()).isEqualTo(100);
    }

    static ModelRequest model(String name) {
        return new ModelRequest(null, null, name, null);
    }

    @Test
    void tiersLimitWhatCallersMayUseAndTheRefusalNamesTheTierNeeded() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, NANO, null).allow(ACME, HAIKU, null)
                .setOrgTiers(ACME, Set.of("basic", "standard"));
        Caller bob = Caller.user("bob");

        assertThat(c.resolve(ACME, bob, model("gpt-4.1-mini")).ref()).isEqualTo(MINI);
        AccessDeniedException premium = catchThrowableOfType(AccessDeniedException.class,
                () -> c.resolve(ACME, bob, model("claude-haiku-4-5")));
        c.admin().setUserTiers(ACME, "bob", Set.of("basic"));
        AccessDeniedException narrowed = catchThrowableOfType(AccessDeniedException.class,
                () -> c.resolve(ACME, bob, model("gpt-4.1-mini")));

        assertThat(premium.code()).isEqualTo(ErrorCode.AI_TIER_DENIED);
        assertThat(premium.getMessage()).contains("needs the premium tier");
        assertThat(narrowed.code()).isEqualTo(ErrorCode.AI_TIER_DENIED);
        assertThat(narrowed.getMessage()).contains("needs the standard tier").contains("bob");
        assertThat(c.resolve(ACME, bob, model("gpt-4.1-nano")).ref()).isEqualTo(NANO);
        assertThat(c.resolve(ACME, Caller.user("carol"), model("gpt-4.1-mini")).ref()).isEqualTo(MINI);
        c.admin().setUserTiers(ACME, "bob", null);
        assertThat(c.resolve(ACME, bob, model("gpt-4.1-mini")).ref()).isEqualTo(MINI);
    }

    @Test
    void groupsNarrowTheirMembersAndSeveralGroupsAddUp() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, NANO, null).setOrgTiers(ACME, Set.of("basic", "standard"))
                .setGroupTiers(ACME, "interns", Set.of("basic")).setGroupTiers(ACME, "staff", Set.of("standard"));
        Caller intern = Caller.user("ian").withGroups(Set.of("interns"));
        Caller both = Caller.user("bea").withGroups(Set.of("interns", "staff"));

        assertThat(catchThrowableOfType(AccessDeniedException.class,
                () -> c.resolve(ACME, intern, model("gpt-4.1-mini"))).code()).isEqualTo(ErrorCode.AI_TIER_DENIED);
        assertThat(c.resolve(ACME, intern, model("gpt-4.1-nano")).ref()).isEqualTo(NANO);
        assertThat(c.resolve(ACME, both, model("gpt-4.1-mini")).ref()).isEqualTo(MINI);
    }

    @Test
    void aModelInNoTierIsRefusedOnceTheOrgUsesTiersAndUnknownTiersAreRefused() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, LOCAL, null).setOrgTiers(ACME, Set.of("premium"));

        AccessDeniedException untiered = catchThrowableOfType(AccessDeniedException.class,
                () -> c.resolve(ACME, model("llama3.1")));
        ConfigurationException unknown = catchThrowableOfType(ConfigurationException.class,
                () -> c.admin().setOrgTiers(ACME, Set.of("platinum")));

        assertThat(untiered.code()).isEqualTo(ErrorCode.AI_TIER_DENIED);
        assertThat(untiered.getMessage()).contains("none of the tiers");
        assertThat(unknown.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(unknown.getMessage()).contains("platinum").contains("basic");
    }

    @Test
    void theDenylistWinsOverTheAllowlistAndDefaultsAndIsSkippedByFallbacks() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, NANO, null).allow(ACME, HAIKU, null)
                .setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI)
                .setFallbacks(ACME, List.of(NANO, HAIKU));

        c.admin().deny(ACME, MINI).deny(ACME, NANO);
        AccessDeniedException denied = catchThrowableOfType(AccessDeniedException.class,
                () -> c.resolve(ACME, nothing()));
        c.admin().undeny(ACME, MINI);
        ResolvedModel again = c.resolve(ACME, nothing());

        assertThat(denied.code()).isEqualTo(ErrorCode.AI_MODEL_NOT_ALLOWED);
        assertThat(denied.getMessage()).contains("denylist");
        assertThat(again.ref()).isEqualTo(MINI);
        assertThat(again.fallbacks()).extracting(ResolvedModel::ref).containsExactly(HAIKU);
    }

    @Test
    void theAccessSettingsReadBackWhatWasSetAndNothingForAnOrgWithout() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, HAIKU, null).setDefault(ACME, MINI)
                .setDefaultProvider(ACME, ProviderId.OPENAI).setOrgTiers(ACME, Set.of("standard", "basic"))
                .setGroupTiers(ACME, "interns", Set.of("basic")).setGroupTiers(ACME, "nobody", Set.of())
                .setUserTiers(ACME, "bob", Set.of("basic", "standard")).deny(ACME, NANO).deny(ACME, HAIKU)
                .undeny(ACME, HAIKU).setUserTiers(ACME, "carol", Set.of("basic")).setUserTiers(ACME, "carol", null);

        var acme = c.admin().accessSettings(ACME);
        var globex = c.admin().accessSettings(GLOBEX);

        assertThat(acme.defaultProvider()).isEqualTo(ProviderId.OPENAI);
        assertThat(acme.orgTiers()).containsExactly("basic", "standard");
        assertThat(acme.groupTiers()).containsOnlyKeys("interns", "nobody");
        assertThat(acme.groupTiers().get("interns")).containsExactly("basic");
        assertThat(acme.groupTiers().get("nobody")).as("narrowed to no tier at all").isEmpty();
        assertThat(acme.userTiers()).containsOnlyKeys("bob");
        assertThat(acme.userTiers().get("bob")).containsExactly("basic", "standard");
        assertThat(acme.denied()).containsExactly(NANO);
        assertThat(globex.defaultProvider()).isNull();
        assertThat(globex.orgTiers()).isEmpty();
        assertThat(globex.groupTiers()).isEmpty();
        assertThat(globex.userTiers()).isEmpty();
        assertThat(globex.denied()).isEmpty();
        c.admin().removeProvider(ACME, ProviderId.OPENAI);
        assertThat(c.admin().accessSettings(ACME).defaultProvider()).as("gone with its provider").isNull();
    }

    @Test
    void concurrentDefaultChangesLeaveExactlyOneDefault() throws Exception {
        Catalog c = newCatalog(REGISTRY);
        List<ModelRef> candidates = List.of(MINI, NANO, ModelRef.of(ProviderId.OPENAI, "gpt-4o"),
                ModelRef.of(ProviderId.OPENAI, "o4-mini"));
        candidates.forEach(m -> c.admin().allow(ACME, m, null));
        Concurrently.run(8, id -> {
            for (int i = 0; i < 10; i++) {
                c.admin().setDefault(ACME, candidates.get((id + i) % candidates.size()));
            }
        });

        assertThat(c.admin().models(ACME)).filteredOn(OrgModel::isDefault).hasSize(1);
    }
}
