package dev.aitenancy.spring.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.tenant.OrgId;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An org's models: the allowlist grouped by provider, add or change one (its cap clamped to the
 * model's own), the default of each provider, the default provider, feature preferences, the
 * denylist; every change is audited with its actor. Removing the default of a provider is refused until another is chosen.
 */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}/orgs/{org}")
public class ModelEndpoints extends AdminEndpoint {

    private final OrgAdmin models;

    public ModelEndpoints(AdminSupport support, OrgAdmin models) {
        super(support);
        this.models = models;
    }

    @GetMapping("/models")
    public ResponseEntity<byte[]> list(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(Views.modelsByProvider(models.models(a.org())));
    }

    /** Adds the model to the allowlist or changes its cap and label: {@code {maxOutputTokens?, label?}}. */
    @PutMapping("/models/{provider}/{model}")
    public ResponseEntity<byte[]> allow(@PathVariable String org, @PathVariable String provider,
            @PathVariable String model, @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ObjectNode body = raw == null || raw.isBlank() ? support.mapper().createObjectNode() : support.body(raw);
        ModelRef ref = ModelRef.of(ProviderId.of(provider), model);
        models.allowModel(a.org(), ref, AdminSupport.integer(body, "maxOutputTokens"), AdminSupport.text(body, "label"),
                a.actor());
        return support.ok(Views.model(find(a.org(), ref)));
    }

    @PutMapping("/models/{provider}/{model}/default")
    public ResponseEntity<byte[]> setDefault(@PathVariable String org, @PathVariable String provider,
            @PathVariable String model, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ModelRef ref = ModelRef.of(ProviderId.of(provider), model);
        models.setDefaultModel(a.org(), ref, a.actor());
        return support.ok(Views.model(find(a.org(), ref)));
    }

    @DeleteMapping("/models/{provider}/{model}")
    public ResponseEntity<byte[]> remove(@PathVariable String org, @PathVariable String provider,
            @PathVariable String model, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ModelRef ref = ModelRef.of(ProviderId.of(provider), model);
        find(a.org(), ref);
        models.removeModel(a.org(), ref, a.actor());
        return support.ok(Views.obj("provider", provider, "model", model, "removed", true));
    }

    /** Chooses the provider whose default model serves calls that name none: {@code {provider}}. */
    @PutMapping("/default-provider")
    public ResponseEntity<byte[]> defaultProvider(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        String provider = AdminSupport.requiredText(support.body(raw), "provider");
        models.setDefaultProvider(a.org(), ProviderId.of(provider), a.actor());
        return support.ok(Views.obj("defaultProvider", provider));
    }

    /** The org's feature preferences: {@code [{feature, provider, model, maxOutputTokens}]}. */
    @GetMapping("/feature-preferences")
    public ResponseEntity<byte[]> featurePreferences(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(models.featurePreferences(a.org()).stream().map(p -> Views.obj("feature", p.feature(),
                "provider", p.model().provider().name(), "model", p.model().model(),
                "maxOutputTokens", p.maxOutputTokens())).toList());
    }

    /** Routes a feature to an allowed model: {@code {provider, model, maxOutputTokens?}}. */
    @PutMapping("/feature-preferences/{feature}")
    public ResponseEntity<byte[]> featurePreference(@PathVariable String org, @PathVariable String feature,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ObjectNode body = support.body(raw);
        ModelRef ref = ModelRef.of(ProviderId.of(AdminSupport.requiredText(body, "provider")),
                AdminSupport.requiredText(body, "model"));
        Integer cap = AdminSupport.integer(body, "maxOutputTokens");
        models.setFeaturePreference(a.org(), feature, ref, cap, a.actor());
        return support.ok(Views.obj("feature", feature, "provider", ref.provider().name(), "model", ref.model(),
                "maxOutputTokens", cap));
    }

    /**
     * The models to try in order when the chosen one fails with a retryable provider error:
     * {@code {"models": ["openai/gpt-4.1-mini", "anthropic/claude-haiku-4-5"]}}; an empty list removes the chain.
     */
    @GetMapping("/fallbacks")
    public ResponseEntity<byte[]> fallbackChain(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(Views.obj("fallbacks", models.fallbacks(a.org()).stream().map(ModelRef::toString).toList()));
    }

    @PutMapping("/fallbacks")
    public ResponseEntity<byte[]> fallbacks(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        java.util.Set<String> names = AdminSupport.strings(support.body(raw), "models");
        if (names == null) {
            throw AdminHttpException.badRequest("\"models\" is required: [\"provider/model\", ...], or [] for none");
        }
        java.util.List<ModelRef> chain = new java.util.ArrayList<>();
        for (String n : names) {
            int slash = n.indexOf('/');
            if (slash <= 0 || slash == n.length() - 1) {
                throw AdminHttpException.badRequest("a fallback is \"provider/model\", not \"" + n + "\"");
            }
            chain.add(ModelRef.of(ProviderId.of(n.substring(0, slash)), n.substring(slash + 1)));
        }
        models.setFallbacks(a.org(), chain, a.actor());
        return support.ok(Views.obj("fallbacks", chain.stream().map(ModelRef::toString).toList()));
    }

    @PutMapping("/denied-models/{provider}/{model}")
    public ResponseEntity<byte[]> deny(@PathVariable String org, @PathVariable String provider,
            @PathVariable String model, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        models.denyModel(a.org(), ModelRef.of(ProviderId.of(provider), model), a.actor());
        return support.ok(Views.obj("provider", provider, "model", model, "denied", true));
    }

    @DeleteMapping("/denied-models/{provider}/{model}")
    public ResponseEntity<byte[]> undeny(@PathVariable String org, @PathVariable String provider,
            @PathVariable String model, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        models.undenyModel(a.org(), ModelRef.of(ProviderId.of(provider), model), a.actor());
        return support.ok(Views.obj("provider", provider, "model", model, "denied", false));
    }

    private OrgModel find(OrgId org, ModelRef ref) {
        return models.models(org).stream().filter(m -> m.ref().equals(ref)).findFirst()
                .orElseThrow(() -> AdminHttpException.notFound("model " + ref + " is not allowed for org " + org));
    }
}
