package dev.aitenancy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.usage.internal.UsageExport;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UsageExportTest {

    @Test
    void csvQuotesValuesWithCommasQuotesAndLineBreaks() {
        StringWriter out = new StringWriter();
        UsageRecord r = new UsageRecord(UUID.fromString("00000000-0000-0000-0000-000000000001"), "acme", "u",
                "openai", "gpt-4.1-mini", null, "standard", UsageStatus.OK, TokenUsage.of(3, 4),
                Cost.usd(new BigDecimal("0.5")), Cost.usd(new BigDecimal("0.75")), null, "c", null, null, "say \"hi\", then\nstop", "ok", Instant.parse("2026-11-24T10:00:00Z"),
                null);

        new UsageExport(out, ExportFormat.CSV).write(r);

        String[] lines = out.toString().split("\r\n", 2);
        assertThat(lines[1]).startsWith("00000000-0000-0000-0000-000000000001,acme,u,openai,gpt-4.1-mini,,standard,ok,3,4,,,0.5,0.75,c,,,"
                + "2026-11-24T10:00:00Z,,\"say \"\"hi\"\", then\nstop\",ok");
    }
}
