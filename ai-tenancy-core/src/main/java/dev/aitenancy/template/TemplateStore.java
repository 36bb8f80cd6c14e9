package dev.aitenancy.template;

import dev.aitenancy.tenant.OrgId;
import java.util.List;

/**
 * Named prompt templates per org, versioned: saving a name again makes a new version, old
 * versions stay readable so a call can pin one. A call reads only {@link Templates}.
 */
public interface TemplateStore extends Templates {

    /**
     * Saves a new version of the named template (after checking it parses).
     *
     * @throws dev.aitenancy.TemplateException {@code AI_TEMPLATE_INVALID} for a malformed template
     */
    StoredTemplate save(OrgId org, String name, String text, String createdBy);

    /** Every version of the named template, oldest first. */
    List<StoredTemplate> versions(OrgId org, String name);

    /**
     * The latest version of each of the org's templates, by name. Both built-in stores answer it; a
     * custom store that does not override it refuses.
     *
     * @throws UnsupportedOperationException when this store cannot list its templates
     */
    default List<StoredTemplate> latestVersions(OrgId org) {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot list an org's templates: override latestVersions");
    }
}
