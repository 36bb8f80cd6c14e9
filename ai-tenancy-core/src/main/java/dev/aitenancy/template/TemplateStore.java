package dev.aitenancy.template;

import dev.aitenancy.tenant.OrgId;
import java.util.List;
import java.util.Optional;

/**
 * Named prompt templates per org, versioned: saving a name again makes a new version, old
 * versions stay readable so a call can pin one.
 */
public interface TemplateStore {

    /**
     * Saves a new version of the named template (after checking it parses).
     *
     * @throws dev.aitenancy.TemplateException {@code AI_TEMPLATE_INVALID} for a malformed template
     */
    StoredTemplate save(OrgId org, String name, String text, String createdBy);

    /** The newest version of the named template. */
    Optional<StoredTemplate> latest(OrgId org, String name);

    /** One version of the named template. */
    Optional<StoredTemplate> version(OrgId org, String name, int version);

    /** Every version of the named template, oldest first. */
    List<StoredTemplate> versions(OrgId org, String name);
}
