package dev.aitenancy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.spi.UsageExport;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UsageExportTest {

    @Test
    void csvQuotesValuesWithCommasQuotesAndLineBreaks() {
        StringWriter out = new StringWriter();
        UsageRecord r = UsageRecord.builder(UUID.fromString("00000000-0000-0000-0000-000000000001"), "acme",
                        Instant.parse("2026-11-24T10:00:00Z"))
                .userId("u").provider("openai").model("gpt-4.1-mini").tier("standard").status(UsageStatus.OK)
                .usage(TokenUsage.of(3, 4)).cost(Cost.usd(new BigDecimal("0.5"))).billed(Cost.usd(new BigDecimal("0.75")))
                .correlationId("c").inputText("say \"hi\", then\nstop").outputText("ok").build();

        new UsageExport(out, ExportFormat.CSV).write(r);

        String[] lines = out.toString().split("\r\n", 2);
        assertThat(lines[1]).startsWith("00000000-0000-0000-0000-000000000001,acme,u,openai,gpt-4.1-mini,,standard,ok,3,4,,,0.5,0.75,c,,,"
                + "2026-11-24T10:00:00Z,,\"say \"\"hi\"\", then\nstop\",ok");
    }
}
