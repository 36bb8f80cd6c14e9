package dev.aitenancy.examples.springapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The admin console of the example application in headless Chromium: signing in with the form,
 * the providers, models, usage and playground pages as an org admin, and a member refused the
 * admin pages but using the playground. Screenshots of each page go to the build directory's
 * {@code screenshots/}; the browser console must report no Content-Security-Policy violation.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.datasource.url=jdbc:h2:mem:console-browser-test;DB_CLOSE_DELAY=-1",
                "spring.main.banner-mode=off"})
class ConsoleBrowserTest {

    @Value("${local.server.port}")
    int port;

    private Browser browser;
    private WebDriver driver;
    private final List<String> console = new ArrayList<>();

    @BeforeEach
    void startBrowser() {
        browser = Browser.start();
        driver = browser.driver;
    }

    @AfterEach
    void noPolicyViolations() {
        if (browser == null) {
            return;
        }
        try {
            console.addAll(browser.consoleMessages());
            assertThat(console).noneMatch(m -> m.contains("Content Security Policy") || m.contains("Content-Security-Policy"));
        } finally {
            browser.close();
        }
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private <T> T await(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, Duration.ofSeconds(20)).until(condition);
    }

    private WebElement visible(By by) {
        return await(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private void signIn(String user) {
        driver.get(base() + "/ai-tenancy/console/");
        visible(By.name("username")).sendKeys(user);
        driver.findElement(By.name("password")).sendKeys("demo");
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        await(ExpectedConditions.textToBe(By.id("user-id"), user));
    }

    private void open(String hash) {
        driver.get(base() + "/ai-tenancy/console/" + hash);
        console.addAll(browser.consoleMessages());
    }

    /** Runs the playground's prompt; answers the usage record id it shows. */
    private String play(String prompt) {
        WebElement box = visible(By.id("play-prompt"));
        box.clear();
        box.sendKeys(prompt);
        driver.findElement(By.id("play-run")).click();
        String id = visible(By.id("play-record-id")).getText();
        assertThat(id).matches("[0-9a-f-]{36}");
        assertThat(driver.findElement(By.id("play-answer")).getText()).contains(prompt);
        assertThat(driver.findElement(By.id("play-tokens")).getText()).matches("\\d+ in / \\d+ out");
        assertThat(driver.findElement(By.id("play-latency")).getText()).endsWith(" ms");
        return id;
    }

    @Test
    void anOrgAdminManagesTheOrgAndSeesTheirCall() throws Exception {
        signIn("ada");
        // an org admin lands on their org's providers page
        await(ExpectedConditions.urlContains("#/orgs/acme/providers"));
        assertThat(visible(By.cssSelector("#providers .masked-key")).getText()).isEqualTo("****00a1");
        browser.screenshot("providers");

        // a refused key shows the endpoint's message next to the form
        visible(By.id("api-key")).sendKeys("not-a-key");
        driver.findElement(By.id("save-key")).click();
        assertThat(visible(By.cssSelector("#key-result .error")).getText()).isNotBlank();

        open("#/orgs/acme/models");
        visible(By.id("model-name")).sendKeys("gpt-4.1-nano");
        driver.findElement(By.id("model-label")).sendKeys("Nano");
        driver.findElement(By.id("allow-model")).click();
        visible(By.cssSelector("button.set-default[data-model='gpt-4.1-nano']")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("model-result"), "gpt-4.1-nano is now the default"));
        await(d -> d.findElements(By.cssSelector("button.set-default[data-model='gpt-4.1-nano']")).isEmpty());
        browser.screenshot("models");

        open("#/orgs/acme/playground");
        new Select(visible(By.id("play-model"))); // the org's models are offered to its admin
        await(d -> new Select(d.findElement(By.id("play-model"))).getOptions().size() == 3);
        String record = play("Hello from the console");
        assertThat(driver.findElement(By.id("play-used-model")).getText()).isEqualTo("openai/gpt-4.1-nano");
        browser.screenshot("playground");

        open("#/orgs/acme/usage");
        await(d -> {
            if (d.findElements(By.cssSelector(".record-id")).stream().anyMatch(e -> e.getText().equals(record))) {
                return true;
            }
            d.findElement(By.id("apply-filters")).click();
            return false;
        });
        assertThat(driver.findElement(By.id("usage-totals")).getText()).contains("Requests");
        browser.screenshot("usage");

        String csvUrl = driver.findElement(By.id("export-csv")).getAttribute("href");
        assertThat(csvUrl).startsWith(base() + "/ai-tenancy/orgs/acme/usage/export?").contains("format=csv");
        Cookie session = driver.manage().getCookieNamed("JSESSIONID");
        HttpResponse<String> csv = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(csvUrl))
                .header("Cookie", "JSESSIONID=" + session.getValue()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
        assertThat(csv.body()).contains(record, "gpt-4.1-nano").doesNotContain("sk-local");

        // at phone width the page still shows its table, scrolled rather than cut
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        open("#/orgs/acme/providers");
        visible(By.cssSelector("#providers .masked-key"));
        browser.screenshot("providers-phone");
    }

    @Test
    void anOrgAdminSetsRateLimitsAndBudgetsAndSeesErrorsNextToTheField() {
        signIn("ada");
        open("#/orgs/acme/limits");
        WebElement perUser = visible(By.id("rate-userRequestsPerMinute"));
        await(d -> !perUser.getAttribute("value").isEmpty());

        // the endpoint's refusal is shown next to the field it names, which is marked invalid
        perUser.clear();
        perUser.sendKeys("-1");
        driver.findElement(By.id("save-rate-limits")).click();
        WebElement error = visible(By.id("rate-userRequestsPerMinute-error"));
        assertThat(error.getText()).contains("userRequestsPerMinute").contains(">= 0");
        assertThat(perUser.getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(perUser.getAttribute("aria-describedby")).isEqualTo("rate-userRequestsPerMinute-error");
        browser.screenshot("limits-error");

        perUser.clear();
        perUser.sendKeys("40");
        driver.findElement(By.id("save-rate-limits")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("rate-result"), "Saved"));
        assertThat(driver.findElements(By.cssSelector("#rate-limits .field-error"))).isEmpty();
        assertThat(perUser.getAttribute("aria-invalid")).isNull();

        // a budget without a limit is refused at the limit field; with one it is listed with its spend
        new Select(driver.findElement(By.id("budget-period"))).selectByValue("WEEKLY");
        driver.findElement(By.id("save-budget")).click();
        assertThat(visible(By.id("budget-limit-error")).getText()).contains("limitUsd").contains("required");
        driver.findElement(By.id("budget-limit")).sendKeys("25");
        driver.findElement(By.id("save-budget")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("budget-result"), "Saved the org weekly budget of 25 USD"));
        WebElement row = visible(By.xpath("//div[@id='budgets']//tr[td[1][text()='org weekly budget of 25 USD']]"));
        assertThat(row.findElement(By.cssSelector(".budget-spent")).getText()).startsWith("$");
        assertThat(row.findElement(By.tagName("meter")).getAttribute("max")).isEqualTo("25");
        browser.screenshot("limits");

        open("#/orgs/acme/limits");
        assertThat(visible(By.id("rate-userRequestsPerMinute")).getAttribute("value")).isIn("", "40");
        await(d -> "40".equals(d.findElement(By.id("rate-userRequestsPerMinute")).getAttribute("value")));
    }

    @Test
    void theSuperadminPicksAnOrgSetsGuardrailsAndTheirRefusalShowsInThePlayground() {
        signIn("root");
        // a superadmin starts at the org picker
        await(d -> d.findElement(By.tagName("h1")).getText().equals("Choose an org"));
        visible(By.id("org-id")).sendKeys("acme");
        driver.findElement(By.cssSelector("form.inline button[type=submit]")).click();
        await(ExpectedConditions.urlContains("#/orgs/acme/providers"));

        open("#/orgs/acme/guardrails");
        visible(By.id("guard-name")).sendKeys("no salaries");
        new Select(driver.findElement(By.id("guard-kind"))).selectByValue("content-filter");
        WebElement rule = driver.findElement(By.id("guard-rule"));
        rule.clear();
        rule.sendKeys("{\"type\": \"content-filter\", \"blockedTopics\": [\"salary\"");
        driver.findElement(By.id("guard-save")).click();
        // a rule that is not JSON is refused at the rule's field, before anything is sent
        assertThat(visible(By.id("guard-rule-error")).getText()).contains("not valid JSON");
        assertThat(rule.getAttribute("aria-invalid")).isEqualTo("true");
        rule.sendKeys("], \"target\": \"INPUT\"}");
        driver.findElement(By.id("guard-save")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("guard-result"), "Added no salaries"));
        WebElement toggle = visible(By.cssSelector("#guard-list button.toggle[data-name='no salaries']"));
        assertThat(toggle.getAttribute("aria-pressed")).isEqualTo("true");

        // the endpoint's refusal of a rule is shown at the rule's field too
        WebElement globalName = visible(By.id("global-name"));
        globalName.sendKeys("careful output");
        new Select(driver.findElement(By.id("global-kind"))).selectByValue("output-modifier");
        WebElement globalRule = driver.findElement(By.id("global-rule"));
        globalRule.clear();
        globalRule.sendKeys("{\"type\": \"output-modifier\"}");
        driver.findElement(By.id("global-save")).click();
        assertThat(visible(By.id("global-rule-error")).getText()).contains("needs a prefix, a suffix or both");
        browser.screenshot("guardrails");

        // the org's rule refuses a prompt in the playground, shown as the refusal it is
        open("#/orgs/acme/playground");
        WebElement box = visible(By.id("play-prompt"));
        box.sendKeys("What is the CEO's salary?");
        driver.findElement(By.id("play-run")).click();
        assertThat(visible(By.cssSelector("#play-error .error")).getText()).containsIgnoringCase("guardrail")
                .contains("no salaries");
        browser.screenshot("playground-refused");

        // switched off, the same prompt goes through
        open("#/orgs/acme/guardrails");
        visible(By.cssSelector("#guard-list button.toggle[data-name='no salaries']")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("guard-result"), "no salaries is now off"));
        open("#/orgs/acme/playground");
        play("What is the CEO's salary?");
    }

    @Test
    void anOrgAdminSwitchesAFeatureOffSeesItRefusedAndFindsBothChangesInTheAuditLogAndThePricingReport() {
        signIn("ada");
        open("#/orgs/acme/features");
        // nothing named: refused at the field before anything is sent
        visible(By.id("save-feature")).click();
        assertThat(visible(By.id("feature-name-error")).getText()).contains("Name the feature");
        driver.findElement(By.id("feature-name")).sendKeys("playground");
        new Select(driver.findElement(By.id("feature-enabled"))).selectByValue("false");
        driver.findElement(By.id("save-feature")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("feature-result"), "playground is off"));
        WebElement row = visible(By.xpath("//div[@id='features']//tr[td[1]/code[text()='playground']]"));
        assertThat(row.findElement(By.cssSelector(".feature-state")).getText()).isEqualTo("off");
        browser.screenshot("features");

        // the playground's calls (feature "playground") are refused while it is off
        open("#/orgs/acme/playground");
        visible(By.id("play-prompt")).sendKeys("Is the playground on?");
        driver.findElement(By.id("play-run")).click();
        assertThat(visible(By.cssSelector("#play-error .error")).getText()).contains("playground");

        open("#/orgs/acme/features");
        visible(By.id("toggle-playground")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("feature-result"), "playground is on"));
        open("#/orgs/acme/playground");
        play("Is the playground on?");

        // both switches are in the audit log, newest first, with who made them
        open("#/orgs/acme/audit");
        WebElement action = visible(By.id("audit-action"));
        action.sendKeys("feature.*");
        driver.findElement(By.id("audit-apply")).click();
        await(d -> d.findElements(By.cssSelector("#audit-events tbody tr")).size() >= 2);
        List<String> rows = driver.findElements(By.cssSelector("#audit-events tbody tr")).stream()
                .map(WebElement::getText).toList();
        assertThat(rows.get(0)).contains("ada", "feature.enable", "playground");
        assertThat(rows.get(1)).contains("ada", "feature.disable", "playground");
        browser.screenshot("audit");

        // the pricing report counts the playground's call; a time zone it does not know is refused at its field
        open("#/orgs/acme/pricing");
        await(d -> !d.findElements(By.cssSelector("#pricing-totals strong")).isEmpty());
        assertThat(Integer.parseInt(driver.findElement(By.cssSelector("#pricing-totals strong")).getText()
                .replace(",", ""))).isPositive();
        assertThat(driver.findElement(By.id("pricing-report")).getText()).contains("By model", "openai/");
        browser.screenshot("pricing");
        WebElement zone = driver.findElement(By.id("pricing-zone"));
        zone.clear();
        zone.sendKeys("Mars/Olympus");
        driver.findElement(By.id("pricing-apply")).click();
        assertThat(visible(By.id("pricing-zone-error")).getText()).contains("zone").contains("time zone id");
    }

    @Test
    void aMemberIsRefusedTheAdminPagesButUsesThePlayground() {
        signIn("mel");
        await(ExpectedConditions.urlContains("#/orgs/acme/playground"));
        assertThat(driver.findElements(By.cssSelector("#nav a")).stream().map(WebElement::getText).toList())
                .containsExactly("My usage", "Playground");
        String record = play("Hi as a member");
        browser.screenshot("playground-member");

        open("#/orgs/acme/providers");
        assertThat(visible(By.cssSelector("#providers .error")).getText())
                .isEqualTo("user mel may not read the configuration and usage in org acme");
        browser.screenshot("providers-refused");

        open("#/orgs/acme/my-usage");
        await(d -> d.findElements(By.cssSelector(".record-id")).stream().anyMatch(e -> e.getText().equals(record))
                && chartRequests(d) >= 1 || clickAgain(d));
        // the chart counts mel's own calls only: today's are all of them, as the totals say
        String requests = driver.findElement(By.cssSelector("#usage-totals li strong")).getText().replace(",", "");
        assertThat(chartRequests(driver)).isEqualTo(Integer.parseInt(requests));
        assertThat(driver.findElement(By.id("chart-state")).getText()).contains("your calls");
        browser.screenshot("my-usage");
    }

    /** Clicks "Show" on the usage page until the condition holds (records are written shortly after a call). */
    private void awaitOnUsagePage(Function<WebDriver, Boolean> condition) {
        await(d -> {
            if (Boolean.TRUE.equals(condition.apply(d))) {
                return true;
            }
            d.findElement(By.id("apply-filters")).click();
            return false;
        });
    }

    private int chartRequests(WebDriver d) {
        List<WebElement> chart = d.findElements(By.id("usage-chart"));
        return chart.isEmpty() ? -1 : Integer.parseInt(chart.get(0).getAttribute("data-requests"));
    }

    private void setValue(WebElement input, String value) {
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("arguments[0].value = arguments[1]", input, value);
    }

    @Test
    void anOrgAdminSeesTheDailyChartMoveOpensARecordAndPurgesTheOrgsRecords() {
        signIn("gus");
        await(ExpectedConditions.urlContains("#/orgs/globex/providers"));
        open("#/orgs/globex/usage");
        WebElement chart = visible(By.id("usage-chart"));
        assertThat(chart.findElements(By.cssSelector("figure canvas"))).hasSize(3);
        assertThat(chart.getAttribute("data-days")).isEqualTo("30");
        int before = chartRequests(driver);
        WebElement keep = visible(By.id("store-text"));
        if (!keep.isSelected()) {
            keep.click();
            await(ExpectedConditions.textToBePresentInElementLocated(By.id("store-text-result"), "keep their prompt"));
        }

        open("#/orgs/globex/playground");
        String record = play("Chart this call");

        // the chart's today (counted live) moves with the call
        open("#/orgs/globex/usage");
        awaitOnUsagePage(d -> chartRequests(d) == before + 1
                && d.findElements(By.cssSelector(".record-id")).stream().anyMatch(e -> e.getText().equals(record)));
        assertThat(driver.findElement(By.id("chart-total-requests")).getText()).isEqualTo(String.valueOf(before + 1));
        browser.screenshot("usage-chart");

        // a record's detail: every field, and the prompt and answer kept with it
        driver.findElements(By.cssSelector(".record-id")).stream().filter(e -> e.getText().equals(record)).findFirst()
                .orElseThrow().click();
        WebElement fields = visible(By.id("record-detail-fields"));
        assertThat(fields.findElement(By.cssSelector("dd[data-field=id]")).getText()).isEqualTo(record);
        assertThat(fields.findElement(By.cssSelector("dd[data-field=userId]")).getText()).isEqualTo("gus");
        assertThat(fields.findElement(By.cssSelector("dd[data-field=model]")).getText()).isEqualTo("gpt-4.1-mini");
        assertThat(fields.findElement(By.cssSelector("dd[data-field=usage]")).getText()).matches("\\d+ in / \\d+ out");
        assertThat(driver.findElement(By.id("record-input")).getText()).contains("Chart this call");
        assertThat(driver.findElement(By.id("record-output")).getText()).contains("Chart this call");
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("record-detail-title");
        browser.screenshot("usage-record");
        driver.findElement(By.id("record-detail-close")).click();
        assertThat(driver.findElements(By.id("record-detail-fields"))).isEmpty();

        // purge: a date is required, then the count is confirmed before anything is deleted
        driver.findElement(By.id("purge-start")).click();
        assertThat(visible(By.id("purge-before-error")).getText()).contains("before");
        setValue(driver.findElement(By.id("purge-before")), java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1).toString());
        driver.findElement(By.id("purge-start")).click();
        int all = before + 1;
        assertThat(visible(By.id("purge-question")).getText()).startsWith("Delete " + all + " record");
        browser.screenshot("usage-purge");
        driver.findElement(By.id("purge-cancel")).click();
        assertThat(driver.findElements(By.id("purge-confirm"))).isEmpty();
        driver.findElement(By.id("purge-start")).click();
        visible(By.id("purge-confirm")).click();
        assertThat(visible(By.id("purge-done")).getText()).startsWith("Deleted " + all + " record");
        await(d -> chartRequests(d) == 0);
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("usage-records"), "No usage matches"));

        // at phone width the charts stack and fit
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        open("#/orgs/globex/usage");
        WebElement phoneChart = visible(By.id("usage-chart"));
        await(d -> !phoneChart.findElements(By.tagName("canvas")).isEmpty());
        assertThat(phoneChart.getSize().getWidth()).isLessThanOrEqualTo(390);
        browser.screenshot("usage-chart-phone");
    }

    @Test
    void anOrgAdminVerifiesTheStoredKeyAndMeetsTheKeyCheckLimit() {
        signIn("gus");
        await(ExpectedConditions.urlContains("#/orgs/globex/providers"));
        WebElement last = visible(By.cssSelector("#providers .last-verified"));
        java.time.Instant before = java.time.Instant.parse(last.getAttribute("data-at"));
        visible(By.cssSelector("button.verify-key[data-provider=openai]")).click();
        assertThat(visible(By.cssSelector("#key-result .notice")).getText())
                .startsWith("openai accepted the stored key ****00b2; verified at ");
        await(d -> java.time.Instant.parse(d.findElement(By.cssSelector("#providers .last-verified")).getAttribute("data-at"))
                .isAfter(before));
        String shown = driver.findElement(By.cssSelector("#providers .last-verified")).getText();
        assertThat(driver.findElement(By.cssSelector("#key-result .notice")).getText()).endsWith("verified at " + shown + ".");
        browser.screenshot("providers-verified");

        // the key checks an admin may make a minute are limited: the refusal says so, and when to try again
        await(d -> {
            if (!d.findElements(By.id("key-check-limited")).isEmpty()) {
                return true;
            }
            WebElement verify = d.findElement(By.cssSelector("button.verify-key[data-provider=openai]"));
            if (verify.isEnabled()) {
                verify.click();
            }
            return false;
        });
        assertThat(driver.findElement(By.id("key-check-limited")).getText()).startsWith("Too many key checks.")
                .contains("5 key checks/minute reached; retry after").contains("Key checks per admin per minute");
        browser.screenshot("providers-limited");
    }

    @Test
    void anOrgAdminRoutesModelsAndTheChangesShowAfterAReload() {
        signIn("gus");
        await(ExpectedConditions.urlContains("#/orgs/globex/providers"));
        open("#/orgs/globex/models");

        // fallbacks: a malformed name refused at the field; a saved chain shows after a reload
        WebElement chain = visible(By.id("fallbacks"));
        chain.sendKeys("gpt-4.1-nano");
        driver.findElement(By.id("save-fallbacks")).click();
        assertThat(visible(By.id("fallbacks-error")).getText()).contains("provider/model").contains("gpt-4.1-nano");
        assertThat(chain.getAttribute("aria-invalid")).isEqualTo("true");
        chain.clear();
        chain.sendKeys("openai/gpt-4.1-mini");
        driver.findElement(By.id("save-fallbacks")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("fallback-result"), "Saved the fallbacks"));

        // the default provider: the field starts with the org's current one, read back from the server
        WebElement defaultProvider = visible(By.id("default-provider"));
        await(ExpectedConditions.not(ExpectedConditions.textToBe(By.id("default-provider-current"), "Loading…")));
        defaultProvider.clear();
        defaultProvider.sendKeys("openai");
        driver.findElement(By.id("save-default-provider")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("default-provider-result"), "openai now serves"));

        // a feature preference: the feature is required, then it is listed
        driver.findElement(By.id("save-feature-preference")).click();
        assertThat(visible(By.id("pref-feature-error")).getText()).contains("feature");
        driver.findElement(By.id("pref-feature")).sendKeys("summaries");
        new Select(driver.findElement(By.id("pref-model"))).selectByValue("openai/gpt-4.1-mini");
        driver.findElement(By.id("pref-cap")).sendKeys("300");
        driver.findElement(By.id("save-feature-preference")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("feature-preference-result"), "summaries now uses openai/gpt-4.1-mini"));

        // the denylist
        driver.findElement(By.id("deny-model")).sendKeys("openai/gpt-4.5-preview");
        driver.findElement(By.id("save-deny")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("denied-models"), "openai/gpt-4.5-preview"));

        // tiers: a group narrowed to the lowest tier
        WebElement firstTier = visible(By.cssSelector("#narrow-tiers input[type=checkbox]"));
        String tier = firstTier.getAttribute("value");
        driver.findElement(By.id("narrow-who")).sendKeys("support");
        firstTier.click();
        driver.findElement(By.id("save-narrowing")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("tier-result"), "group support may use the tiers " + tier));

        // all of it is there after a reload
        driver.navigate().refresh();
        await(d -> d.findElements(By.cssSelector("#fallback-chain li.fallback")).stream().map(WebElement::getText).toList()
                .equals(List.of("openai/gpt-4.1-mini")));
        assertThat(visible(By.id("fallbacks")).getAttribute("value")).isEqualTo("openai/gpt-4.1-mini");
        assertThat(visible(By.id("default-provider-name")).getText()).isEqualTo("openai");
        WebElement pref = visible(By.xpath("//div[@id='feature-preferences']//tr[td[1]/code[text()='summaries']]"));
        assertThat(pref.getText()).contains("openai/gpt-4.1-mini", "300");
        assertThat(visible(By.cssSelector("#denied-models .denied-model")).getText()).isEqualTo("openai/gpt-4.5-preview");
        WebElement narrowed = visible(By.xpath("//div[@id='tier-state']//tr[td[1][text()='group support']]"));
        assertThat(narrowed.findElement(By.cssSelector(".narrowed-tiers")).getText()).isEqualTo(tier);
        browser.screenshot("models-routing");

        // lifted again: the denial and the narrowing
        driver.findElement(By.cssSelector("#denied-models button[data-model='openai/gpt-4.5-preview']")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("denied-models"), "No model is denied"));
        narrowed.findElement(By.tagName("button")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("tier-result"), "Removed the narrowing of support"));
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("tier-state"), "No group or user is narrowed"));
        driver.findElement(By.id("clear-fallbacks")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("fallback-chain"), "No fallbacks"));
    }

    @Test
    void anOrgAdminVersionsATemplateAndRunsItOnTwoModelsSideBySide() {
        signIn("gus");
        await(ExpectedConditions.urlContains("#/orgs/globex/providers"));
        open("#/orgs/globex/models");
        visible(By.id("model-name")).sendKeys("gpt-4.1-nano");
        driver.findElement(By.id("allow-model")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("model-result"), "Allowed openai/gpt-4.1-nano"));

        // a template that does not exist yet: its first version, then a second one
        open("#/orgs/globex/templates");
        visible(By.id("template-name")).sendKeys("greeting");
        driver.findElement(By.id("template-open")).click();
        assertThat(visible(By.id("template-missing")).getText()).contains("has no template greeting");
        driver.findElement(By.id("template-save")).click();
        assertThat(visible(By.id("template-text-error")).getText()).contains("text");
        WebElement text = driver.findElement(By.id("template-text"));
        text.sendKeys("Say hello to {{name}}.");
        driver.findElement(By.id("template-save")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("template-result"), "Saved version 1 of greeting"));
        text = visible(By.id("template-text"));
        text.clear();
        text.sendKeys("Greet {{name}} warmly on behalf of {{team.name}}.");
        assertThat(driver.findElement(By.id("template-variables")).getText()).isEqualTo("Variables: {{name}}, {{team.name}}");
        driver.findElement(By.id("template-save")).click();
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("template-result"), "Saved version 2 of greeting"));
        assertThat(driver.findElements(By.cssSelector("#template-versions button")).stream().map(WebElement::getText).toList())
                .containsExactly("Version 2", "Version 1");
        driver.findElement(By.cssSelector("#template-versions button[data-version='1']")).click();
        await(ExpectedConditions.textToBe(By.id("template-version-text"), "Say hello to {{name}}."));
        await(ExpectedConditions.textToBePresentInElementLocated(By.id("template-list"), "greeting"));
        WebElement listed = visible(By.xpath("//div[@id='template-list']//tr[td[1][normalize-space()='greeting']]"));
        assertThat(listed.getText()).contains("version 2");
        browser.screenshot("templates");

        // the playground loads its latest version, asks for its variables, and runs it on two models at once
        driver.findElement(By.id("template-try")).click();
        await(ExpectedConditions.textToBe(By.id("play-template-text"), "Greet {{name}} warmly on behalf of {{team.name}}."));
        WebElement name = visible(By.cssSelector("#play-variables input[data-variable='name']"));
        WebElement team = driver.findElement(By.cssSelector("#play-variables input[data-variable='team.name']"));
        assertThat(driver.findElement(By.id("play-variables")).getText()).contains("{{name}}", "{{team.name}}");
        name.sendKeys("Ada");
        team.sendKeys("Support");
        await(d -> new Select(d.findElement(By.id("play-model-2"))).getOptions().size() == 3);
        new Select(driver.findElement(By.id("play-model"))).selectByValue("openai/gpt-4.1-mini");
        new Select(driver.findElement(By.id("play-model-2"))).selectByValue("openai/gpt-4.1-nano");
        driver.findElement(By.id("play-run")).click();
        String first = visible(By.id("play-record-id")).getText();
        String second = visible(By.id("play-record-id-2")).getText();
        assertThat(first).matches("[0-9a-f-]{36}");
        assertThat(second).matches("[0-9a-f-]{36}").isNotEqualTo(first);
        assertThat(driver.findElement(By.id("play-answer")).getText()).contains("Greet Ada warmly on behalf of Support.");
        assertThat(driver.findElement(By.id("play-answer-2")).getText()).contains("Greet Ada warmly on behalf of Support.");
        assertThat(driver.findElement(By.id("play-used-model")).getText()).isEqualTo("openai/gpt-4.1-mini");
        assertThat(driver.findElement(By.id("play-used-model-2")).getText()).isEqualTo("openai/gpt-4.1-nano");
        assertThat(driver.findElement(By.id("play-tokens-2")).getText()).matches("\\d+ in / \\d+ out");
        // side by side at a laptop width
        assertThat(driver.findElement(By.id("play-pane")).getLocation().getY())
                .isEqualTo(driver.findElement(By.id("play-pane-2")).getLocation().getY());
        browser.screenshot("playground-side-by-side");

        // a written prompt's variables are found as it is typed
        new Select(driver.findElement(By.id("play-source"))).selectByValue("prompt");
        visible(By.id("play-prompt")).sendKeys("Summarize {{topic}} for {{audience}}");
        await(d -> d.findElements(By.cssSelector("#play-variables input")).stream().map(e -> e.getAttribute("data-variable"))
                .toList().equals(List.of("topic", "audience")));

        // at a phone width the two answers stack
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        open("#/orgs/globex/templates"); // the playground's own address again would change nothing
        visible(By.id("template-name"));
        open("#/orgs/globex/playground?template=greeting");
        await(ExpectedConditions.textToBe(By.id("play-template-text"), "Greet {{name}} warmly on behalf of {{team.name}}."));
        visible(By.cssSelector("#play-variables input[data-variable='name']")).sendKeys("Mel");
        await(d -> new Select(d.findElement(By.id("play-model-2"))).getOptions().size() == 3);
        new Select(driver.findElement(By.id("play-model-2"))).selectByValue("openai/gpt-4.1-nano");
        driver.findElement(By.id("play-run")).click();
        visible(By.id("play-record-id-2"));
        visible(By.id("play-record-id"));
        assertThat(driver.findElement(By.id("play-pane-2")).getLocation().getY())
                .isGreaterThan(driver.findElement(By.id("play-pane")).getLocation().getY());
        browser.screenshot("playground-phone");
    }

    /** The check of the browser's console would see a violation: an inline script added to a console page is refused and reported. */
    @Test
    void theBrowserReportsAnInlineScriptTheConsolePolicyRefuses() {
        signIn("mel");
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                "const s = document.createElement('script'); s.textContent = 'window.inlineRan = true;';"
                        + " document.head.appendChild(s);");
        assertThat(((org.openqa.selenium.JavascriptExecutor) driver).executeScript("return window.inlineRan === true"))
                .isEqualTo(false);
        List<String> seen = new ArrayList<>();
        await(d -> seen.addAll(browser.consoleMessages()) && seen.stream().anyMatch(m -> m.contains("Content Security Policy")));
    }

    private static boolean clickAgain(WebDriver d) {
        d.findElement(By.id("apply-filters")).click();
        return false;
    }
}
