package dev.aitenancy.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.TemplateException;
import dev.aitenancy.template.StoredTemplate;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class InMemoryTemplateStoreTest {

    static final OrgId ACME = OrgId.of("acme");
    static final OrgId GLOBEX = OrgId.of("globex");
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T12:00:00Z"));
    final InMemoryTemplateStore store = new InMemoryTemplateStore(clock);

    @Test
    void savingANameAgainMakesANewVersionAndKeepsTheOldOnes() {
        StoredTemplate v1 = store.save(ACME, "summary", "Summarize {{text}}", "ada");
        StoredTemplate v2 = store.save(ACME, "summary", "Summarize {{text}} in {{n}} bullets", "bob");

        assertThat(v1.version()).isEqualTo(1);
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.createdBy()).isEqualTo("bob");
        assertThat(v2.createdAt()).isEqualTo(clock.instant());
        assertThat(store.latest(ACME, "summary")).contains(v2);
        assertThat(store.version(ACME, "summary", 1)).contains(v1);
        assertThat(store.version(ACME, "summary", 3)).isEmpty();
        assertThat(store.versions(ACME, "summary")).containsExactly(v1, v2);
    }

    @Test
    void templatesOfOneOrgAreNeverSeenByAnother() {
        store.save(ACME, "summary", "acme's {{x}}", "ada");
        store.save(GLOBEX, "summary", "globex's {{x}}", "gus");

        assertThat(store.latest(ACME, "summary").orElseThrow().text()).isEqualTo("acme's {{x}}");
        assertThat(store.latest(GLOBEX, "summary").orElseThrow().text()).isEqualTo("globex's {{x}}");
        assertThat(store.latest(OrgId.of("initech"), "summary")).isEmpty();
        assertThat(store.versions(GLOBEX, "summary")).hasSize(1);
    }

    @Test
    void aMalformedTemplateIsRefusedAndNoVersionIsUsedUp() {
        TemplateException e = catchThrowableOfType(TemplateException.class,
                () -> store.save(ACME, "broken", "Hello {{name", "ada"));
        StoredTemplate ok = store.save(ACME, "broken", "Hello {{name}}", "ada");

        assertThat(e.code()).isEqualTo(ErrorCode.AI_TEMPLATE_INVALID);
        assertThat(ok.version()).isEqualTo(1);
    }
}
