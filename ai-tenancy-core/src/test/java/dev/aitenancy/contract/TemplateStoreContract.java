package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.TemplateException;
import dev.aitenancy.template.StoredTemplate;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.tenant.OrgId;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import dev.aitenancy.testing.Concurrently;
import org.junit.jupiter.api.Test;

/** What every template store must do. */
public abstract class TemplateStoreContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");

    protected abstract TemplateStore newStore();

    @Test
    void savingANameAgainMakesANewVersionAndKeepsTheOldOnes() {
        TemplateStore store = newStore();

        StoredTemplate v1 = store.save(ACME, "summary", "Summarize {{text}}", "ada");
        StoredTemplate v2 = store.save(ACME, "summary", "Summarize {{text}} in {{n}} bullets", "bob");

        assertThat(v1.version()).isEqualTo(1);
        assertThat(v2.version()).isEqualTo(2);
        assertThat(store.latest(ACME, "summary").orElseThrow().text()).isEqualTo(v2.text());
        assertThat(store.version(ACME, "summary", 1).orElseThrow().text()).isEqualTo(v1.text());
        assertThat(store.version(ACME, "summary", 1).orElseThrow().createdBy()).isEqualTo("ada");
        assertThat(store.version(ACME, "summary", 3)).isEmpty();
        assertThat(store.versions(ACME, "summary")).extracting(StoredTemplate::version).containsExactly(1, 2);
    }

    @Test
    void templatesOfOneOrgAreNeverSeenByAnother() {
        TemplateStore store = newStore();
        store.save(ACME, "summary", "acme's {{x}}", "ada");
        store.save(GLOBEX, "summary", "globex's {{x}}", "gus");

        assertThat(store.latest(ACME, "summary").orElseThrow().text()).isEqualTo("acme's {{x}}");
        assertThat(store.latest(GLOBEX, "summary").orElseThrow().text()).isEqualTo("globex's {{x}}");
        assertThat(store.latest(OrgId.of("initech"), "summary")).isEmpty();
        assertThat(store.versions(GLOBEX, "summary")).hasSize(1);
    }

    @Test
    void theLatestVersionOfEachTemplateIsListedByNameForItsOrgOnly() {
        TemplateStore store = newStore();
        store.save(ACME, "summary", "Summarize {{text}}", "ada");
        store.save(ACME, "reply", "Reply to {{mail}}", "ada");
        store.save(ACME, "summary", "Summarize {{text}} briefly", "bob");
        store.save(GLOBEX, "other", "globex's {{x}}", "gus");

        assertThat(store.latestVersions(ACME)).extracting(StoredTemplate::name, StoredTemplate::version,
                StoredTemplate::createdBy).containsExactly(org.assertj.core.groups.Tuple.tuple("reply", 1, "ada"),
                org.assertj.core.groups.Tuple.tuple("summary", 2, "bob"));
        assertThat(store.latestVersions(GLOBEX)).extracting(StoredTemplate::name).containsExactly("other");
        assertThat(store.latestVersions(OrgId.of("initech"))).isEmpty();
    }

    @Test
    void aMalformedTemplateIsRefusedAndUsesNoVersion() {
        TemplateStore store = newStore();

        TemplateException e = catchThrowableOfType(TemplateException.class,
                () -> store.save(ACME, "broken", "Hello {{name", "ada"));
        StoredTemplate ok = store.save(ACME, "broken", "Hello {{name}}", "ada");

        assertThat(e.code()).isEqualTo(ErrorCode.AI_TEMPLATE_INVALID);
        assertThat(ok.version()).isEqualTo(1);
    }

    @Test
    void concurrentSavesGetDistinctConsecutiveVersions() throws Exception {
        TemplateStore store = newStore();
        int threads = 8;
        List<Integer> got = new CopyOnWriteArrayList<>();
        Concurrently.run(threads, id -> got.add(store.save(ACME, "hot", "v from " + id + " {{x}}", "t" + id).version()));
        assertThat(got).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(store.versions(ACME, "hot")).hasSize(threads);
    }
}
