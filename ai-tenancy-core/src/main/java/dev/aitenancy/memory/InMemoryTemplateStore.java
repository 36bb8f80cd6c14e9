package dev.aitenancy.memory;

import dev.aitenancy.template.PromptTemplate;
import dev.aitenancy.template.StoredTemplate;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Versioned templates per org in memory. */
public final class InMemoryTemplateStore implements TemplateStore {

    private record Name(OrgId org, String name) {
    }

    private final Map<Name, List<StoredTemplate>> templates = new ConcurrentHashMap<>();
    private final Clock clock;

    public InMemoryTemplateStore() {
        this(Clock.systemUTC());
    }

    public InMemoryTemplateStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public StoredTemplate save(OrgId org, String name, String text, String createdBy) {
        PromptTemplate.parse(text);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a template name must not be blank");
        }
        List<StoredTemplate> versions = templates.computeIfAbsent(new Name(org, name), n -> new ArrayList<>());
        synchronized (versions) {
            StoredTemplate t = new StoredTemplate(org, name, versions.size() + 1, text, createdBy, clock.instant());
            versions.add(t);
            return t;
        }
    }

    @Override
    public Optional<StoredTemplate> latest(OrgId org, String name) {
        List<StoredTemplate> versions = templates.get(new Name(org, name));
        if (versions == null) {
            return Optional.empty();
        }
        synchronized (versions) {
            return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
        }
    }

    @Override
    public Optional<StoredTemplate> version(OrgId org, String name, int version) {
        return versions(org, name).stream().filter(t -> t.version() == version).findFirst();
    }

    @Override
    public List<StoredTemplate> latestVersions(OrgId org) {
        return templates.keySet().stream()
                .filter(n -> n.org().equals(org))
                .map(n -> latest(org, n.name()))
                .flatMap(Optional::stream)
                .sorted(java.util.Comparator.comparing(StoredTemplate::name))
                .toList();
    }

    @Override
    public List<StoredTemplate> versions(OrgId org, String name) {
        List<StoredTemplate> versions = templates.get(new Name(org, name));
        if (versions == null) {
            return List.of();
        }
        synchronized (versions) {
            return List.copyOf(versions);
        }
    }
}
