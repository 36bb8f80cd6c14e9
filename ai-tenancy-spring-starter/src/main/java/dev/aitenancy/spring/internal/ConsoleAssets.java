package dev.aitenancy.spring.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The admin console's static assets, packaged in the starter under
 * {@code dev/aitenancy/spring/console/}, served under {@code {base-path}/console/} (the shell page
 * at {@code {base-path}/console/}). Every response, a missing asset's too, carries
 * {@link #CONTENT_SECURITY_POLICY} and {@code X-Content-Type-Options: nosniff}; only files of the
 * known kinds (HTML, CSS, JavaScript modules, SVG, PNG, ICO) with plain names are served.
 *
 * <p>The charting library, uPlot, comes from its webjar ({@code org.webjars.npm:uplot}) and is served
 * from the console's own path as {@code vendor/uPlot.esm.js} and {@code vendor/uPlot.min.css}, so
 * the policy's {@code 'self'} covers it; no other file of the webjar is reachable here.
 */
@RestController
public class ConsoleAssets {

    /** The console's policy: its own origin only, no inline scripts or styles, never framed. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static final String ROOT = "dev/aitenancy/spring/console/";
    private static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";
    /** The console's names of the uPlot files, and their names in the webjar's {@code dist/}. */
    private static final Map<String, String> VENDOR = Map.of(
            "vendor/uPlot.esm.js", "uPlot.esm.js",
            "vendor/uPlot.min.css", "uPlot.min.css");
    /** Plain relative paths: segments of letters, digits, dot, dash and underscore, never starting with a dot. */
    private static final Pattern SAFE_PATH = Pattern.compile("([A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*");
    private static final Map<String, MediaType> TYPES = Map.of(
            "html", new MediaType("text", "html", StandardCharsets.UTF_8),
            "css", new MediaType("text", "css", StandardCharsets.UTF_8),
            "js", new MediaType("text", "javascript", StandardCharsets.UTF_8),
            "svg", MediaType.valueOf("image/svg+xml"),
            "png", MediaType.IMAGE_PNG,
            "ico", MediaType.valueOf("image/x-icon"));

    private final String consolePath;
    private final ClassLoader loader;
    private final Map<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();
    /** Where the webjar keeps uPlot's files ({@code META-INF/resources/webjars/uplot/<version>/dist/}), null without it. */
    private final String uplotDist;

    /** @param basePath {@code ai-tenancy.admin.base-path} */
    public ConsoleAssets(String basePath) {
        String base = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
        this.consolePath = base + "/console";
        this.loader = ConsoleAssets.class.getClassLoader();
        this.uplotDist = uplotDist(loader);
    }

    private static String uplotDist(ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream(UPLOT_POM)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            String version = p.getProperty("version");
            return version == null || !SAFE_PATH.matcher(version).matches() ? null
                    : "META-INF/resources/webjars/uplot/" + version + "/dist/";
        } catch (IOException e) {
            return null;
        }
    }

    /** The shell page, an asset, or 404; {@code {base-path}/console} redirects to {@code …/console/}. */
    @GetMapping({"${ai-tenancy.admin.base-path:/ai-tenancy}/console", "${ai-tenancy.admin.base-path:/ai-tenancy}/console/",
            "${ai-tenancy.admin.base-path:/ai-tenancy}/console/**"})
    public ResponseEntity<byte[]> asset(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (path.equals(consolePath)) {
            return secured(ResponseEntity.status(302)
                    .header(HttpHeaders.LOCATION, request.getContextPath() + consolePath + "/")).build();
        }
        String relative = path.startsWith(consolePath + "/") ? path.substring(consolePath.length() + 1) : "";
        if (relative.isEmpty()) {
            relative = "index.html";
        }
        int dot = relative.lastIndexOf('.');
        MediaType type = dot < 0 ? null : TYPES.get(relative.substring(dot + 1));
        Optional<byte[]> body = type == null || !SAFE_PATH.matcher(relative).matches() ? Optional.empty()
                : cache.computeIfAbsent(relative, this::read);
        if (body.isEmpty()) {
            return secured(ResponseEntity.status(404)).contentType(new MediaType("text", "plain", StandardCharsets.UTF_8))
                    .body("no such console page or asset\n".getBytes(StandardCharsets.UTF_8));
        }
        return secured(ResponseEntity.ok()).contentType(type).cacheControl(CacheControl.noCache()).body(body.get());
    }

    private static ResponseEntity.BodyBuilder secured(ResponseEntity.BodyBuilder b) {
        return b.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "same-origin");
    }

    private Optional<byte[]> read(String relative) {
        String vendor = VENDOR.get(relative);
        if (relative.startsWith("vendor/") && (vendor == null || uplotDist == null)) {
            return Optional.empty();
        }
        String resource = vendor != null ? uplotDist + vendor : ROOT + relative;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the console asset " + relative, e);
        }
    }
}
