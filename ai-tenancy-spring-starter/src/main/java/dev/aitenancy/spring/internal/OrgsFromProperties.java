package dev.aitenancy.spring.internal;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.spring.AiTenancyProperties.OrgSetup;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditQuery;
import dev.aitenancy.usage.AuditSink;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Sets up the orgs of {@code ai-tenancy.orgs.*} at startup: each org's keys (stored unchecked; the
 * first call checks them with the provider), allowed models, default model, rate limits and monthly
 * budget, through the same audited facades an admin uses (actor {@value #ACTOR}). An org whose
 * properties were applied before, unchanged, is left alone — what admins changed since stands; when
 * its properties change they are applied again, whole. The fingerprint of what was applied (keys
 * only as hashes) is the target of a {@code properties.apply} audit event; keys are never logged.
 */
public final class OrgsFromProperties implements SmartInitializingSingleton {

    /** Who the changes are recorded as. */
    public static final String ACTOR = "properties";
    /** The audit action that marks an org's properties as applied. */
    public static final String ACTION = "properties.apply";

    private static final Logger LOG = LoggerFactory.getLogger("dev.aitenancy.spring");

    private final Map<String, OrgSetup> orgs;
    private final KeyStore keys;
    private final OrgAdmin admin;
    private final AuditSink audit;
    private final Clock clock;

    public OrgsFromProperties(Map<String, OrgSetup> orgs, KeyStore keys, OrgAdmin admin, AuditSink audit, Clock clock) {
        this.orgs = new TreeMap<>(orgs);
        this.keys = keys;
        this.admin = admin;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void afterSingletonsInstantiated() {
        orgs.forEach(this::apply);
    }

    /** Applies one org's setup unless exactly this setup was applied before; true when it was applied now. */
    public boolean apply(String id, OrgSetup setup) {
        OrgId org = OrgId.of(id);
        String where = "ai-tenancy.orgs." + id;
        List<ModelRef> models = new ArrayList<>();
        for (String m : setup.models()) {
            models.add(model(where + ".models", m));
        }
        ModelRef defaultModel = setup.defaultModel() != null ? model(where + ".default-model", setup.defaultModel())
                : models.isEmpty() ? null : models.get(0);
        Map<ProviderId, String> orgKeys = new TreeMap<>((a, b) -> a.name().compareTo(b.name()));
        setup.keys().forEach((provider, key) -> {
            if (key == null || key.isBlank()) {
                throw invalid(org, where + ".keys." + provider + " is empty: set the environment variable or secret "
                        + "it refers to, or remove the entry");
            }
            orgKeys.put(ProviderId.of(provider), key.strip());
        });
        String fingerprint = fingerprint(orgKeys, models, defaultModel, setup);
        boolean applied = audit.query(AuditQuery.of(org).withAction(ACTION)).events().stream()
                .anyMatch(e -> fingerprint.equals(e.target()));
        if (applied) {
            LOG.info("ai-tenancy: org {} from properties: unchanged since they were applied; admins' changes stand",
                    org);
            return false;
        }
        orgKeys.forEach((provider, key) -> keys.put(org, provider, ApiKey.of(key), ACTOR));
        for (ModelRef m : models) {
            admin.allowModel(org, m, null, null, ACTOR);
        }
        if (defaultModel != null) {
            admin.useModel(org, defaultModel, ACTOR);
        }
        if (setup.rateLimit() != null) {
            admin.setRateLimitPolicy(org, setup.rateLimit().toPolicy(), ACTOR);
        }
        if (setup.monthlyBudgetUsd() != null) {
            admin.setBudget(Budget.hard(org, Budget.Scope.ORG, null, Budget.Period.MONTHLY, setup.monthlyBudgetUsd()),
                    ACTOR);
        }
        String summary = "keys " + orgKeys.keySet().stream().map(ProviderId::name).toList() + ", models " + models
                + ", default " + defaultModel + (setup.rateLimit() != null ? ", rate limits" : "")
                + (setup.monthlyBudgetUsd() != null ? ", monthly budget " + setup.monthlyBudgetUsd() + " USD" : "");
        audit.record(AuditEvent.of(org, ACTOR, ACTION, fingerprint, summary, clock.instant()));
        LOG.info("ai-tenancy: org {} set up from properties: {}", org, summary);
        return true;
    }

    private static ModelRef model(String property, String value) {
        int slash = value == null ? -1 : value.indexOf('/');
        if (slash <= 0 || slash == value.length() - 1) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, null, property + " has '" + value
                    + "': write a model as provider/model, e.g. openai/gpt-4.1-mini");
        }
        return ModelRef.of(ProviderId.of(value.substring(0, slash).strip()), value.substring(slash + 1).strip());
    }

    private static String fingerprint(Map<ProviderId, String> keys, List<ModelRef> models, ModelRef defaultModel,
            OrgSetup setup) {
        StringBuilder b = new StringBuilder("v1");
        keys.forEach((p, k) -> b.append("|key:").append(p.name()).append('=').append(sha256(k)));
        models.forEach(m -> b.append("|model:").append(m));
        b.append("|default:").append(defaultModel).append("|limits:").append(setup.rateLimit())
                .append("|budget:").append(setup.monthlyBudgetUsd() == null ? null
                        : setup.monthlyBudgetUsd().stripTrailingZeros().toPlainString());
        return "sha256:" + sha256(b.toString());
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static ConfigurationException invalid(OrgId org, String message) {
        return new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), message);
    }
}
