package dev.aitenancy.jdbc;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.spi.OrgModelsView;
import dev.aitenancy.spi.OrgModelsView.FeaturePreference;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Org model configuration in {@code ai_org_models}, {@code ai_org_settings},
 * {@code ai_feature_preferences} and {@code ai_org_fallbacks}. The database itself enforces one
 * default per (org, provider) and drops preferences and fallbacks with their model. Changes to
 * one org are serialized across instances by locking its settings row; resolution reads a
 * consistent view and applies the same rules as the in-memory catalog.
 *
 * <p>With a config cache ({@link AiTenancyJdbc#withConfigCache}) resolution reuses an org's view
 * for that long: changes made through this catalog apply at once
 * on this instance, changes made on other instances within the cache's lifetime.
 */
public final class JdbcModelCatalog implements ModelCatalog, ModelAdmin {

    private final Jdbi jdbi;
    private final ModelRegistry registry;
    private final TierPlan plan;
    private final Clock clock;
    private final dev.aitenancy.spi.TtlCache<ViewKey, OrgModelsView> views;

    private record ViewKey(OrgId org, String feature) {
    }

    JdbcModelCatalog(Jdbi jdbi, ModelRegistry registry, TierPlan plan, Clock clock, java.time.Duration viewTtl) {
        this.jdbi = jdbi;
        this.registry = Objects.requireNonNull(registry, "registry");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.clock = clock;
        this.views = new dev.aitenancy.spi.TtlCache<>(viewTtl, clock, 10_000);
    }

    @Override
    public ResolvedModel resolve(OrgId org, Caller caller, ModelRequest request) {
        OrgModelsView view = views.get(new ViewKey(org, request.feature()),
                k -> jdbi.inTransaction(h -> view(h, k.org(), k.feature())));
        return view.resolve(org, caller, request, ref -> registry.find(ref).orElse(null), plan);
    }

    private static OrgModelsView view(Handle h, OrgId org, String feature) {
        Map<ModelRef, Integer> allowed = new LinkedHashMap<>();
        Map<ProviderId, String> defaults = new LinkedHashMap<>();
        h.createQuery("SELECT provider, model, max_output_tokens, is_default FROM ai_org_models "
                        + "WHERE org_id = :org ORDER BY provider, model")
                .bind("org", org.value())
                .map((rs, ctx) -> {
                    ModelRef ref = ModelRef.of(ProviderId.of(rs.getString("provider")), rs.getString("model"));
                    allowed.put(ref, (Integer) rs.getObject("max_output_tokens"));
                    if (rs.getBoolean("is_default")) {
                        defaults.put(ref.provider(), ref.model());
                    }
                    return ref;
                })
                .list();
        ProviderId defaultProvider = h.createQuery("SELECT default_provider FROM ai_org_settings WHERE org_id = :org")
                .bind("org", org.value())
                .mapTo(String.class)
                .findOne()
                .map(ProviderId::of)
                .orElse(null);
        Map<String, FeaturePreference> features = new LinkedHashMap<>();
        if (feature != null) {
            h.createQuery("SELECT provider, model, max_output_tokens FROM ai_feature_preferences "
                            + "WHERE org_id = :org AND feature = :feature")
                    .bind("org", org.value())
                    .bind("feature", feature)
                    .map((rs, ctx) -> new FeaturePreference(ModelRef.of(ProviderId.of(rs.getString("provider")),
                            rs.getString("model")), (Integer) rs.getObject("max_output_tokens")))
                    .findOne()
                    .ifPresent(p -> features.put(feature, p));
        }
        List<ModelRef> fallbacks = h.createQuery("SELECT provider, model FROM ai_org_fallbacks "
                        + "WHERE org_id = :org ORDER BY position")
                .bind("org", org.value())
                .map((rs, ctx) -> ModelRef.of(ProviderId.of(rs.getString("provider")), rs.getString("model")))
                .list();
        return new OrgModelsView(allowed, defaults, defaultProvider, features, fallbacks, access(h, org));
    }

    private static OrgModelsView.Access access(Handle h, OrgId org) {
        Set<String> orgTiers = new TreeSet<>(h.createQuery("SELECT tier FROM ai_org_tiers WHERE org_id = :org")
                .bind("org", org.value()).mapTo(String.class).list());
        Map<String, Set<String>> groups = new HashMap<>();
        Map<String, Set<String>> users = new HashMap<>();
        h.createQuery("SELECT n.subject_type, n.subject_id, t.tier FROM ai_tier_narrowings n "
                        + "LEFT JOIN ai_tier_narrowing_tiers t ON t.org_id = n.org_id "
                        + "AND t.subject_type = n.subject_type AND t.subject_id = n.subject_id WHERE n.org_id = :org")
                .bind("org", org.value())
                .map((rs, ctx) -> {
                    Map<String, Set<String>> target = "group".equals(rs.getString("subject_type")) ? groups : users;
                    Set<String> tiers = target.computeIfAbsent(rs.getString("subject_id"), k -> new TreeSet<>());
                    if (rs.getString("tier") != null) {
                        tiers.add(rs.getString("tier"));
                    }
                    return tiers;
                })
                .list();
        Set<ModelRef> denied = new HashSet<>(h.createQuery("SELECT provider, model FROM ai_model_denylist "
                        + "WHERE org_id = :org")
                .bind("org", org.value())
                .map((rs, ctx) -> ModelRef.of(ProviderId.of(rs.getString("provider")), rs.getString("model")))
                .list());
        return new OrgModelsView.Access(orgTiers, groups, users, denied);
    }

    @Override
    public JdbcModelCatalog setOrgTiers(OrgId org, Set<String> tiers) {
        OrgModelsView.requireTiers(org, tiers, plan);
        change(org, h -> {
            h.createUpdate("DELETE FROM ai_org_tiers WHERE org_id = :org").bind("org", org.value()).execute();
            for (String t : tiers) {
                h.createUpdate("INSERT INTO ai_org_tiers (org_id, tier) VALUES (:org, :tier)")
                        .bind("org", org.value()).bind("tier", t).execute();
            }
        });
        return this;
    }

    @Override
    public JdbcModelCatalog setGroupTiers(OrgId org, String group, Set<String> tiers) {
        return narrow(org, "group", group, tiers);
    }

    @Override
    public JdbcModelCatalog setUserTiers(OrgId org, String user, Set<String> tiers) {
        return narrow(org, "user", user, tiers);
    }

    private JdbcModelCatalog narrow(OrgId org, String type, String subject, Set<String> tiers) {
        Objects.requireNonNull(subject, type);
        if (tiers != null) {
            OrgModelsView.requireTiers(org, tiers, plan);
        }
        change(org, h -> {
            h.createUpdate("DELETE FROM ai_tier_narrowings WHERE org_id = :org AND subject_type = :type "
                            + "AND subject_id = :subject")
                    .bind("org", org.value()).bind("type", type).bind("subject", subject).execute();
            if (tiers == null) {
                return;
            }
            h.createUpdate("INSERT INTO ai_tier_narrowings (org_id, subject_type, subject_id) "
                            + "VALUES (:org, :type, :subject)")
                    .bind("org", org.value()).bind("type", type).bind("subject", subject).execute();
            for (String t : tiers) {
                h.createUpdate("INSERT INTO ai_tier_narrowing_tiers (org_id, subject_type, subject_id, tier) "
                                + "VALUES (:org, :type, :subject, :tier)")
                        .bind("org", org.value()).bind("type", type).bind("subject", subject).bind("tier", t)
                        .execute();
            }
        });
        return this;
    }

    @Override
    public JdbcModelCatalog deny(OrgId org, ModelRef model) {
        change(org, h -> {
            h.createUpdate("DELETE FROM ai_model_denylist WHERE org_id = :org AND provider = :provider "
                            + "AND model = :model")
                    .bind("org", org.value()).bind("provider", model.provider().name()).bind("model", model.model())
                    .execute();
            h.createUpdate("INSERT INTO ai_model_denylist (org_id, provider, model) VALUES (:org, :provider, :model)")
                    .bind("org", org.value()).bind("provider", model.provider().name()).bind("model", model.model())
                    .execute();
        });
        return this;
    }

    @Override
    public JdbcModelCatalog undeny(OrgId org, ModelRef model) {
        change(org, h -> h.createUpdate("DELETE FROM ai_model_denylist WHERE org_id = :org AND provider = :provider "
                        + "AND model = :model")
                .bind("org", org.value()).bind("provider", model.provider().name()).bind("model", model.model())
                .execute());
        return this;
    }

    @Override
    public JdbcModelCatalog allow(OrgId org, ModelRef model, Integer maxOutputTokens, String label) {
        Integer cap = OrgModelsView.clampAllowance(maxOutputTokens, registry.find(model).orElse(null));
        change(org, h -> {
            int updated = h.createUpdate("UPDATE ai_org_models SET max_output_tokens = :cap, label = :label "
                            + "WHERE org_id = :org AND provider = :provider AND model = :model")
                    .bind("cap", cap).bind("label", label).bind("org", org.value()).bind("provider", model.provider().name())
                    .bind("model", model.model())
                    .execute();
            if (updated == 0) {
                h.createUpdate("INSERT INTO ai_org_models (org_id, provider, model, label, max_output_tokens, "
                                + "is_default, created_at) VALUES (:org, :provider, :model, :label, :cap, FALSE, :now)")
                        .bind("cap", cap).bind("label", label).bind("org", org.value()).bind("provider", model.provider().name())
                        .bind("model", model.model()).bind("now", clock.instant())
                        .execute();
            }
        });
        return this;
    }

    @Override
    public JdbcModelCatalog remove(OrgId org, ModelRef model) {
        change(org, h -> {
            boolean isDefault = h.createQuery("SELECT is_default FROM ai_org_models "
                            + "WHERE org_id = :org AND provider = :provider AND model = :model")
                    .bind("org", org.value()).bind("provider", model.provider().name()).bind("model", model.model())
                    .mapTo(Boolean.class)
                    .findOne()
                    .orElse(false);
            if (isDefault) {
                throw OrgModelsView.defaultNotRemovable(org, model);
            }
            h.createUpdate("DELETE FROM ai_org_models WHERE org_id = :org AND provider = :provider AND model = :model")
                    .bind("org", org.value()).bind("provider", model.provider().name()).bind("model", model.model())
                    .execute();
        });
        return this;
    }

    @Override
    public JdbcModelCatalog setDefault(OrgId org, ModelRef model) {
        change(org, h -> {
            requireAllowed(h, org, model);
            requireNotDenied(h, org, model);
            h.createUpdate("UPDATE ai_org_models SET is_default = FALSE "
                            + "WHERE org_id = :org AND provider = :provider AND is_default")
                    .bind("org", org.value()).bind("provider", model.provider().name())
                    .execute();
            h.createUpdate("UPDATE ai_org_models SET is_default = TRUE "
                            + "WHERE org_id = :org AND provider = :provider AND model = :model")
                    .bind("org", org.value()).bind("provider", model.provider().name()).bind("model", model.model())
                    .execute();
        });
        return this;
    }

    @Override
    public JdbcModelCatalog setDefaultProvider(OrgId org, ProviderId provider) {
        change(org, h -> {
            boolean hasDefault = h.createQuery("SELECT COUNT(*) FROM ai_org_models "
                            + "WHERE org_id = :org AND provider = :provider AND is_default")
                    .bind("org", org.value()).bind("provider", provider.name())
                    .mapTo(Integer.class).one() > 0;
            if (!hasDefault) {
                throw new ConfigurationException(ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL, org.value(), "org " + org
                        + " has no default " + provider + " model; set one before making " + provider
                        + " the default provider");
            }
            h.createUpdate("UPDATE ai_org_settings SET default_provider = :provider WHERE org_id = :org")
                    .bind("org", org.value()).bind("provider", provider.name())
                    .execute();
        });
        return this;
    }

    @Override
    public JdbcModelCatalog setFeaturePreference(OrgId org, String feature, ModelRef model, Integer maxOutputTokens) {
        Objects.requireNonNull(feature, "feature");
        change(org, h -> {
            requireAllowed(h, org, model);
            h.createUpdate("DELETE FROM ai_feature_preferences WHERE org_id = :org AND feature = :feature")
                    .bind("org", org.value()).bind("feature", feature)
                    .execute();
            h.createUpdate("INSERT INTO ai_feature_preferences (org_id, feature, provider, model, max_output_tokens) "
                            + "VALUES (:org, :feature, :provider, :model, :cap)")
                    .bind("org", org.value()).bind("feature", feature).bind("provider", model.provider().name())
                    .bind("model", model.model()).bind("cap", maxOutputTokens)
                    .execute();
        });
        return this;
    }

    @Override
    public JdbcModelCatalog setFallbacks(OrgId org, List<ModelRef> chain) {
        change(org, h -> {
            chain.forEach(ref -> requireAllowed(h, org, ref));
            h.createUpdate("DELETE FROM ai_org_fallbacks WHERE org_id = :org").bind("org", org.value()).execute();
            for (int i = 0; i < chain.size(); i++) {
                h.createUpdate("INSERT INTO ai_org_fallbacks (org_id, position, provider, model) "
                                + "VALUES (:org, :position, :provider, :model)")
                        .bind("org", org.value()).bind("position", i)
                        .bind("provider", chain.get(i).provider().name()).bind("model", chain.get(i).model())
                        .execute();
            }
        });
        return this;
    }

    @Override
    public JdbcModelCatalog removeProvider(OrgId org, ProviderId provider) {
        change(org, h -> {
            h.createUpdate("DELETE FROM ai_org_models WHERE org_id = :org AND provider = :provider")
                    .bind("org", org.value()).bind("provider", provider.name())
                    .execute();
            h.createUpdate("UPDATE ai_org_settings SET default_provider = NULL "
                            + "WHERE org_id = :org AND default_provider = :provider")
                    .bind("org", org.value()).bind("provider", provider.name())
                    .execute();
        });
        return this;
    }

    @Override
    public List<dev.aitenancy.models.PreferredModel> featurePreferences(OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT feature, provider, model, max_output_tokens "
                        + "FROM ai_feature_preferences WHERE org_id = :org ORDER BY feature")
                .bind("org", org.value())
                .map((rs, ctx) -> new dev.aitenancy.models.PreferredModel(rs.getString("feature"),
                        ModelRef.of(ProviderId.of(rs.getString("provider")), rs.getString("model")),
                        (Integer) rs.getObject("max_output_tokens")))
                .list());
    }

    @Override
    public dev.aitenancy.models.ModelAccessSettings accessSettings(OrgId org) {
        return jdbi.inTransaction(h -> view(h, org, null).accessSettings());
    }

    @Override
    public List<ModelRef> fallbacks(OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT provider, model FROM ai_org_fallbacks "
                        + "WHERE org_id = :org ORDER BY position")
                .bind("org", org.value())
                .map((rs, ctx) -> ModelRef.of(ProviderId.of(rs.getString("provider")), rs.getString("model")))
                .list());
    }

    @Override
    public List<OrgModel> models(OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT provider, model, label, max_output_tokens, is_default "
                        + "FROM ai_org_models WHERE org_id = :org ORDER BY provider, model")
                .bind("org", org.value())
                .map((rs, ctx) -> new OrgModel(ModelRef.of(ProviderId.of(rs.getString("provider")),
                        rs.getString("model")), rs.getString("label"), (Integer) rs.getObject("max_output_tokens"),
                        rs.getBoolean("is_default")))
                .list());
    }

    private static void requireNotDenied(Handle h, OrgId org, ModelRef model) {
        view(h, org, null).requireAllowed(org, model);
    }

    private static void requireAllowed(Handle h, OrgId org, ModelRef model) {
        boolean allowed = h.createQuery("SELECT COUNT(*) FROM ai_org_models "
                        + "WHERE org_id = :org AND provider = :provider AND model = :model")
                .bind("org", org.value()).bind("provider", model.provider().name()).bind("model", model.model())
                .mapTo(Integer.class).one() > 0;
        if (!allowed) {
            throw OrgModelsView.notAllowed(org, model.toString());
        }
    }

    /**
     * Runs one change of an org's configuration in a transaction that holds the org's settings
     * row locked, so changes to one org never interleave, on any instance.
     */
    private void change(OrgId org, Consumer<Handle> body) {
        Sql.seed(jdbi, "INSERT INTO ai_org_settings (org_id) VALUES (:org)", "org", org.value());
        jdbi.useTransaction(h -> {
            h.createQuery("SELECT org_id FROM ai_org_settings WHERE org_id = :org FOR UPDATE")
                    .bind("org", org.value())
                    .mapTo(String.class)
                    .one();
            body.accept(h);
        });
        views.invalidateIf(k -> k.org().equals(org));
    }
}
