package dev.aitenancy.spring.internal;

import dev.aitenancy.AccessDeniedException;
import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.preferences.PreferenceMerge;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.spring.internal.wire.PreferenceWire.EffectiveView;
import dev.aitenancy.spring.internal.wire.PreferenceWire.PreferencesRequest;
import dev.aitenancy.spring.internal.wire.PreferenceWire.PreferencesView;
import dev.aitenancy.spring.internal.wire.PreferenceWire.UserPreferencesView;
import dev.aitenancy.tenant.Caller;
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
 * AI preferences: an org admin reads and replaces the org's defaults ({@code /preferences}, every
 * change audited as {@code preferences.org}) and reads any user's ({@code /preferences/users/{user}});
 * whoever may generate in the org reads, replaces and clears their own ({@code /preferences/me}),
 * since they shape only their own calls. A model override must be one the catalog lets the org (for
 * the org's defaults) or the member (allowlist, denylist and tiers) use, else
 * {@code AI_MODEL_NOT_ALLOWED} / {@code AI_TIER_DENIED}, 403.
 */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}/orgs/{org}/preferences")
public class PreferenceEndpoints extends AdminEndpoint {

    private final PreferenceStore preferences;
    private final OrgAdmin admin;
    private final ModelCatalog catalog;

    public PreferenceEndpoints(AdminSupport support, PreferenceStore preferences, OrgAdmin admin,
            ModelCatalog catalog) {
        super(support);
        this.preferences = preferences;
        this.admin = admin;
        this.catalog = catalog;
    }

    /** The org's defaults: {@link PreferencesView}. */
    @GetMapping
    public ResponseEntity<byte[]> org(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(PreferencesView.of(preferences.org(a.org())));
    }

    /** {@link PreferencesRequest} → {@link PreferencesView}: replaces the org's defaults ({@code {}} removes them). */
    @PutMapping
    public ResponseEntity<byte[]> setOrg(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        AiPreferences p = preferences(support.read(raw, PreferencesRequest.class));
        requireUsable(a.org(), Caller.ANONYMOUS, p.model());
        admin.setOrgPreferences(a.org(), p, a.actor());
        return support.ok(PreferencesView.of(preferences.org(a.org())));
    }

    /** The caller's own preferences, the org's defaults and what applies: {@link UserPreferencesView}. */
    @GetMapping("/me")
    public ResponseEntity<byte[]> mine(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.GENERATE);
        return support.ok(view(a.org(), a.actor()));
    }

    /** {@link PreferencesRequest} → {@link UserPreferencesView}: replaces the caller's own ({@code {}} removes them). */
    @PutMapping("/me")
    public ResponseEntity<byte[]> setMine(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.GENERATE);
        AiPreferences p = preferences(support.read(raw, PreferencesRequest.class));
        requireUsable(a.org(), a.caller(http), p.model());
        preferences.setUser(a.org(), a.actor(), p);
        return support.ok(view(a.org(), a.actor()));
    }

    /** → {@link UserPreferencesView}: removes the caller's own; the org's defaults apply to them again. */
    @DeleteMapping("/me")
    public ResponseEntity<byte[]> clearMine(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.GENERATE);
        preferences.clearUser(a.org(), a.actor());
        return support.ok(view(a.org(), a.actor()));
    }

    /** A user's own preferences, the org's defaults and what applies to the user: {@link UserPreferencesView}. */
    @GetMapping("/users/{user}")
    public ResponseEntity<byte[]> user(@PathVariable String org, @PathVariable String user, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(view(a.org(), user));
    }

    private UserPreferencesView view(OrgId org, String user) {
        AiPreferences own = preferences.user(org, user);
        AiPreferences defaults = preferences.org(org);
        return new UserPreferencesView(user, PreferencesView.of(own), PreferencesView.of(defaults),
                EffectiveView.of(PreferenceMerge.merge(AiPreferences.NONE, own, defaults)));
    }

    private static AiPreferences preferences(PreferencesRequest body) {
        boolean provider = body.provider() != null && !body.provider().isBlank();
        boolean model = body.model() != null && !body.model().isBlank();
        if (provider != model) {
            throw AdminHttpException.badRequest("a model override names \"provider\" and \"model\" together; "
                    + "leave both out for none");
        }
        return new AiPreferences(body.tone(), body.maxAnswerTokens(),
                model ? ModelRef.of(ProviderId.of(body.provider()), body.model()) : null);
    }

    /**
     * Refuses a model the caller could not use: the catalog's own check (allowlist, denylist and
     * tiers), as a call naming the model would meet it.
     */
    private void requireUsable(OrgId org, Caller caller, ModelRef model) {
        if (model == null) {
            return;
        }
        try {
            catalog.resolve(org, caller, new ModelRequest(null, model.provider(), model.model(), null));
        } catch (ConfigurationException e) {
            if (e.code() != ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL) {
                throw e;
            }
            throw new AccessDeniedException(ErrorCode.AI_MODEL_NOT_ALLOWED, org.value(), "model " + model
                    + " is not allowed for org " + org + ": the org has no models yet; an admin can add it to the "
                    + "org's models", e);
        }
    }
}
