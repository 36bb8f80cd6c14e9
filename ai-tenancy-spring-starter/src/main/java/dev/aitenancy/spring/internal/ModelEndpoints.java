package dev.aitenancy.spring.internal;

import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.spring.internal.wire.ModelWire;
import dev.aitenancy.spring.internal.wire.ModelWire.AllowModelRequest;
import dev.aitenancy.spring.internal.wire.ModelWire.DefaultProviderRequest;
import dev.aitenancy.spring.internal.wire.ModelWire.DefaultProviderView;
import dev.aitenancy.spring.internal.wire.ModelWire.FallbacksRequest;
import dev.aitenancy.spring.internal.wire.ModelWire.FallbacksView;
import dev.aitenancy.spring.internal.wire.ModelWire.FeaturePreferenceRequest;
import dev.aitenancy.spring.internal.wire.ModelWire.FeaturePreferenceView;
import dev.aitenancy.spring.internal.wire.ModelWire.ModelAccessView;
import dev.aitenancy.spring.internal.wire.ModelWire.ModelDeniedView;
import dev.aitenancy.spring.internal.wire.ModelWire.ModelRemovedView;
import dev.aitenancy.spring.internal.wire.ModelWire.ModelView;
import dev.aitenancy.tenant.OrgId;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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

    /** {@code {provider: [ModelView]}}. */
    @GetMapping("/models")
    public ResponseEntity<byte[]> list(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(ModelWire.byProvider(models.models(a.org())));
    }

    /** {@link AllowModelRequest} (or no body) → {@link ModelView}: adds the model to the allowlist or changes its cap and label. */
    @PutMapping("/models/{provider}/{model}")
    public ResponseEntity<byte[]> allow(@PathVariable String org, @PathVariable String provider,
            @PathVariable String model, @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        AllowModelRequest body = support.readOrEmpty(raw, AllowModelRequest.class);
        ModelRef ref = ModelRef.of(ProviderId.of(provider), model);
        models.allowModel(a.org(), ref, body.maxOutputTokens(), body.label(), a.actor());
        return support.ok(ModelView.of(find(a.org(), ref)));
    }

    /** → {@link ModelView}. */
    @PutMapping("/models/{provider}/{model}/default")
    public ResponseEntity<byte[]> setDefault(@PathVariable String org, @PathVariable String provider,
            @PathVariable String model, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ModelRef ref = ModelRef.of(ProviderId.of(provider), model);
        models.setDefaultModel(a.org(), ref, a.actor());
        return support.ok(ModelView.of(find(a.org(), ref)));
    }

    /** → {@link ModelRemovedView}; 409 while it is its provider's default. */
    @DeleteMapping("/models/{provider}/{model}")
    public ResponseEntity<byte[]> remove(@PathVariable String org, @PathVariable String provider,
            @PathVariable String model, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ModelRef ref = ModelRef.of(ProviderId.of(provider), model);
        find(a.org(), ref);
        models.removeModel(a.org(), ref, a.actor());
        return support.ok(new ModelRemovedView(provider, model, true));
    }

    /** {@link DefaultProviderRequest} → {@link DefaultProviderView}: the provider whose default model serves calls that name none. */
    @PutMapping("/default-provider")
    public ResponseEntity<byte[]> defaultProvider(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        String provider = AdminSupport.requiredText(support.read(raw, DefaultProviderRequest.class).provider(), "provider");
        models.setDefaultProvider(a.org(), ProviderId.of(provider), a.actor());
        return support.ok(new DefaultProviderView(provider));
    }

    /** The org's feature preferences: {@code [FeaturePreferenceView]}. */
    @GetMapping("/feature-preferences")
    public ResponseEntity<byte[]> featurePreferences(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(models.featurePreferences(a.org()).stream().map(FeaturePreferenceView::of).toList());
    }

    /** {@link FeaturePreferenceRequest} → {@link FeaturePreferenceView}: routes a feature to an allowed model. */
    @PutMapping("/feature-preferences/{feature}")
    public ResponseEntity<byte[]> featurePreference(@PathVariable String org, @PathVariable String feature,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        FeaturePreferenceRequest body = support.read(raw, FeaturePreferenceRequest.class);
        ModelRef ref = ModelRef.of(ProviderId.of(AdminSupport.requiredText(body.provider(), "provider")),
                AdminSupport.requiredText(body.model(), "model"));
        models.setFeaturePreference(a.org(), feature, ref, body.maxOutputTokens(), a.actor());
        return support.ok(FeaturePreferenceView.of(feature, ref, body.maxOutputTokens()));
    }

    /**
     * The models to try in order when the chosen one fails with a retryable provider error:
     * {@link FallbacksView}; {@code PUT} with a {@link FallbacksRequest} sets them, an empty list removes the chain.
     */
    @GetMapping("/fallbacks")
    public ResponseEntity<byte[]> fallbackChain(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(FallbacksView.of(models.fallbacks(a.org())));
    }

    @PutMapping("/fallbacks")
    public ResponseEntity<byte[]> fallbacks(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        List<String> names = support.read(raw, FallbacksRequest.class).models();
        if (names == null) {
            throw AdminHttpException.badRequest("\"models\" is required: [\"provider/model\", ...], or [] for none");
        }
        List<ModelRef> chain = new ArrayList<>();
        for (String n : new LinkedHashSet<>(names)) {
            int slash = n.indexOf('/');
            if (slash <= 0 || slash == n.length() - 1) {
                throw AdminHttpException.badRequest("a fallback is \"provider/model\", not \"" + n + "\"");
            }
            chain.add(ModelRef.of(ProviderId.of(n.substring(0, slash)), n.substring(slash + 1)));
        }
        models.setFallbacks(a.org(), chain, a.actor());
        return support.ok(FallbacksView.of(chain));
    }

    /**
     * → {@link ModelAccessView}: the org's default provider, tiers, group and user narrowings and
     * denylist, as last set (each is set with its own endpoint).
     */
    @GetMapping("/model-access")
    public ResponseEntity<byte[]> modelAccess(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(ModelAccessView.of(models.accessSettings(a.org())));
    }

    /** → {@link ModelDeniedView}: the org may not use the model, whatever else allows it. */
    @PutMapping("/denied-models/{provider}/{model}")
    public ResponseEntity<byte[]> deny(@PathVariable String org, @PathVariable String provider,
            @PathVariable String model, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        models.denyModel(a.org(), ModelRef.of(ProviderId.of(provider), model), a.actor());
        return support.ok(new ModelDeniedView(provider, model, true));
    }

    /** → {@link ModelDeniedView}. */
    @DeleteMapping("/denied-models/{provider}/{model}")
    public ResponseEntity<byte[]> undeny(@PathVariable String org, @PathVariable String provider,
            @PathVariable String model, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        models.undenyModel(a.org(), ModelRef.of(ProviderId.of(provider), model), a.actor());
        return support.ok(new ModelDeniedView(provider, model, false));
    }

    private OrgModel find(OrgId org, ModelRef ref) {
        return models.models(org).stream().filter(m -> m.ref().equals(ref)).findFirst()
                .orElseThrow(() -> AdminHttpException.notFound("model " + ref + " is not allowed for org " + org));
    }
}
