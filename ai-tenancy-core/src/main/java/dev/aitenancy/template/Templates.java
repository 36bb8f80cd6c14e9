package dev.aitenancy.template;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.TemplateException;
import dev.aitenancy.tenant.OrgId;
import java.util.Optional;

/**
 * What a call needs of the stored templates: the newest version of a named template, or a pinned
 * version. {@link dev.aitenancy.LLMJob} uses only this; saving and listing versions is
 * {@link TemplateStore}.
 */
public interface Templates {

    /** The newest version of the named template. */
    Optional<StoredTemplate> latest(OrgId org, String name);

    /** One version of the named template. */
    Optional<StoredTemplate> version(OrgId org, String name, int version);

    /**
     * The text of the named template: its newest version, or {@code version} when not null.
     *
     * @throws dev.aitenancy.TemplateException {@code AI_TEMPLATE_NOT_FOUND} when the org has no such
     *         template or version
     */
    default String text(OrgId org, String name, Integer version) {
        return (version == null ? latest(org, name) : version(org, name, version)).map(StoredTemplate::text)
                .orElseThrow(() -> new TemplateException(ErrorCode.AI_TEMPLATE_NOT_FOUND, org.value(), "org " + org
                        + " has no template '" + name + "'" + (version == null ? "" : " in version " + version)
                        + "; save it first"));
    }
}
