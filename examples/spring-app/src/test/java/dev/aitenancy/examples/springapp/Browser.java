package dev.aitenancy.examples.springapp;

import java.io.File;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Headless Chromium driven through {@code /usr/bin/chromedriver} (Debian's {@code chromium} and
 * {@code chromium-driver}). When the browser cannot start, the test fails if the environment
 * variable {@code CI} or {@code AI_TENANCY_BROWSER_REQUIRED} (set by {@code scripts/test-all.sh}
 * when it installed the browser) is set, and is skipped with the reason otherwise.
 */
final class Browser implements AutoCloseable {

    static final String DRIVER = "/usr/bin/chromedriver";
    static final String CHROMIUM = "/usr/bin/chromium";

    final ChromeDriver driver;
    private final Path screenshots;

    private Browser(ChromeDriver driver, Path screenshots) {
        this.driver = driver;
        this.screenshots = screenshots;
    }

    /** A fresh browser (no cookies), its screenshots under {@code <build directory>/screenshots/}. */
    static Browser start() {
        Logger.getLogger("org.openqa.selenium").setLevel(Level.SEVERE);
        boolean required = System.getenv("CI") != null || System.getenv("AI_TENANCY_BROWSER_REQUIRED") != null;
        String missing = !new File(DRIVER).canExecute() ? DRIVER + " is missing"
                : !new File(CHROMIUM).canExecute() ? CHROMIUM + " is missing" : null;
        try {
            if (missing != null) {
                throw new IllegalStateException(missing);
            }
            ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
                    .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                            "--window-size=1280,900", "--no-first-run", "--disable-extensions");
            options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
                    .withLogOutput(OutputStream.nullOutputStream()).build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            Path build = Path.of(Browser.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
            return new Browser(driver, Files.createDirectories(build.resolve("screenshots")));
        } catch (Exception | LinkageError e) {
            String why = "headless Chromium could not start (" + e.getMessage().lines().findFirst().orElse("") + "); "
                    + "install it with: apt-get install chromium chromium-driver";
            if (required) {
                Assertions.fail(why, e);
            }
            Assumptions.abort(why + " - the browser tests are skipped (they fail when CI is set)");
            throw new AssertionError("unreachable");
        }
    }

    /** Writes the page as it is now to {@code screenshots/<name>.png}. */
    Path screenshot(String name) {
        try {
            Path target = screenshots.resolve(name + ".png");
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The browser console's messages since the last call. */
    List<String> consoleMessages() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(e -> e.getLevel() + " " + e.getMessage()).toList();
    }

    @Override
    public void close() {
        driver.quit();
    }
}
