package dev.tribunal.system;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.FormData;
import com.microsoft.playwright.options.RequestOptions;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Single sign-on with a real identity provider (Keycloak, from Maven Central, with a realm of the test's): a reviewer
 * signs in to the pages through the provider's own login form in a real browser, labels a trace in their own name
 * with the form's CSRF token (and is refused without it), signs out; a token of the same provider is a bearer token
 * for the API, its groups mapped to Tribunal's roles.
 */
class SingleSignOnPagesIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempDir;

    private Process keycloak;
    private Path keycloakLog;
    private TribunalProcess app;
    private Playwright playwright;

    @AfterEach
    void stop() {
        if (playwright != null) {
            playwright.close();
        }
        if (app != null) {
            app.close();
            TribunalProcess.killPostmaster(app.workDir().resolve("data").resolve("postgres"));
        }
        if (keycloak != null) {
            keycloak.descendants().forEach(ProcessHandle::destroyForcibly);
            keycloak.destroyForcibly();
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void reviewersSignInWithTheTeamsIdentityProvider() throws Exception {
        dev.tribunal.TestBrowser.assumeChromium();
        Optional<Path> jdk = jdk21OrNewer();
        assumeTrue(jdk.isPresent(), "Keycloak needs a JDK 21 or newer, and there is none here");
        String issuer = startKeycloak(jdk.get());

        app = TribunalProcess.start(tempDir.resolve("tribunal"), Map.of(
                        "QUARKUS_OIDC_TENANT_ENABLED", "true",
                        "QUARKUS_OIDC_APPLICATION_TYPE", "hybrid",
                        "QUARKUS_OIDC_AUTH_SERVER_URL", issuer,
                        "QUARKUS_OIDC_CLIENT_ID", "tribunal",
                        "QUARKUS_OIDC_CREDENTIALS_SECRET", "tribunal-client-secret-1",
                        "QUARKUS_OIDC_TOKEN_AUDIENCE", "tribunal"),
                "-Dtribunal.security.group-roles.\"tribunal-reviewers\"=read,annotate", "-Dtribunal.security.requests-per-second-per-key=10")
                .waitUntilReady(Duration.ofSeconds(120));
        String traceId = "tr-" + UUID.randomUUID().toString().replace("-", "");
        HttpResponse<String> ingested = app.postJson("/api/traces",
                "{\"traces\": [{\"trace_id\": \"" + traceId + "\", \"inputs\": \"Is the sky blue?\", \"outputs\": \"Yes\"}]}");
        assertEquals(200, ingested.statusCode(), ingested.body());
        String base = "http://localhost:" + app.httpPort();
        String labelPath = "/meta-evaluation/label?name=tone&trace_id=" + traceId;

        playwright = dev.tribunal.TestBrowser.playwright();
        Browser browser = dev.tribunal.TestBrowser.launch(playwright);
        BrowserContext context = browser.newContext();
        // a session of Tribunal's own that has ended (its key revoked, say) does not stand in the way
        context.addCookies(List.of(new com.microsoft.playwright.options.Cookie(dev.tribunal.security.ApiKeyMechanism.COOKIE, "trs_ended")
                .setDomain("localhost").setPath("/")));
        Page page = context.newPage();
        page.navigate(base + labelPath);
        assertTrue(page.url().contains("/login?next="), "a browser without a session is sent to the login page: " + page.url());
        page.click("#sso");
        page.waitForSelector("#username");
        assertTrue(page.url().startsWith(issuer), "the identity provider's own login form: " + page.url());
        page.fill("#username", "dana");
        page.fill("#password", "dana-password-1");
        page.click("#kc-login");
        page.waitForURL(url -> url.startsWith(base + "/meta-evaluation/label"), new Page.WaitForURLOptions().setTimeout(30_000));
        assertEquals("dana", page.textContent("#reviewer"), "the page names the signed-in reviewer");

        // the form carries the session's CSRF token; the label is stored in the reviewer's name
        page.fill("#value", "yes");
        page.click("#label-form button[type=submit]");
        page.waitForURL(url -> url.contains("saved="), new Page.WaitForURLOptions().setTimeout(30_000));
        JsonPath labels = JsonPath.from(app.get("/api/assessments?trace_id=" + traceId + "&source_type=HUMAN").body());
        assertEquals(List.of("dana"), labels.getList("assessments.source.source_id"), labels.prettify());
        assertEquals("dana", labels.getString("assessments[0].metadata.'tribunal.logged_by'"));

        // the same browser session without the form's token: refused
        APIResponse forged = context.request().post(base + "/meta-evaluation/label", RequestOptions.create()
                .setForm(FormData.create().set("name", "tone").set("trace_id", traceId).set("value", "no")));
        assertEquals(403, forged.status(), forged.text());
        assertTrue(forged.text().contains("CSRF"), forged.text());

        // the browser session reads the JSON the pages link to, but the JSON API's writes want a bearer key or token
        APIResponse api = context.request().get(base + "/api/traces/" + traceId);
        assertEquals(200, api.status(), api.text());
        APIResponse write = context.request().post(base + "/api/3.0/mlflow/traces/" + traceId + "/assessments", RequestOptions.create()
                .setHeader("Content-Type", "application/json").setData("{\"assessment\": {\"assessment_name\": \"x\", \"feedback\": {\"value\": 1}}}"));
        assertEquals(401, write.status(), write.text());
        // and a user over the request rate is told to wait, but stays signed in
        TribunalProcess.pause(1100);
        List<Integer> burst = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            burst.add(context.request().get(base + labelPath, RequestOptions.create().setMaxRedirects(0)).status());
        }
        assertTrue(burst.contains(429), "30 pages at once are over 10 a second: " + burst);
        assertTrue(burst.stream().allMatch(status -> status == 200 || status == 429), burst.toString());
        TribunalProcess.pause(1100);
        assertEquals(200, context.request().get(base + labelPath, RequestOptions.create().setMaxRedirects(0)).status(), "still signed in");

        // signing out ends the session here and at the identity provider
        Page labelPage = context.newPage();
        labelPage.navigate(base + labelPath);
        labelPage.click("#sign-out");
        try {
            labelPage.waitForURL(url -> url.startsWith(base + "/login"), new Page.WaitForURLOptions().setTimeout(30_000));
        } catch (com.microsoft.playwright.PlaywrightException e) {
            fail("signing out ended at " + labelPage.url() + ": " + labelPage.content().substring(0, Math.min(1500, labelPage.content().length()))
                    + app.logTailMessage());
        }
        Page after = context.newPage();
        after.navigate(base + labelPath);
        assertTrue(after.url().contains("/login?next="), "signed out: " + after.url());
        after.click("#sso");
        after.waitForSelector("#username");
        assertTrue(after.url().startsWith(issuer), "the provider asks for the password again: " + after.url());

        // a token of the same provider is a bearer token for the API, with the roles its groups map to
        String reviewerToken = token(issuer, "dana", "dana-password-1");
        assertEquals(200, bearer(base + "/api/traces/" + traceId, reviewerToken, null).statusCode());
        assertEquals(403, bearer(base + "/api/judge-runs", reviewerToken,
                "{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + traceId + "\"]}").statusCode(), "a reviewer does not start runs");
        assertEquals(403, bearer(base + "/api/traces/" + traceId, token(issuer, "mark", "mark-password-1"), null).statusCode(),
                "a group mapped to no role brings none");
    }

    /** Starts Keycloak in development mode with the test's realm; returns the realm's issuer URL. */
    private String startKeycloak(Path jdk) throws Exception {
        Path home = Path.of(System.getProperty("tribunal.keycloak.home", "target/keycloak/keycloak-26.5.6")).toAbsolutePath();
        assumeTrue(Files.isRegularFile(home.resolve("bin/kc.sh")), "Keycloak is unpacked to " + home + " by the build (pre-integration-test)");
        Path imports = Files.createDirectories(home.resolve("data/import"));
        try (var realm = getClass().getResourceAsStream("/keycloak/team-realm.json")) {
            Files.write(imports.resolve("team-realm.json"), realm.readAllBytes());
        }
        for (int attempt = 1; ; attempt++) {
            int port = TribunalProcess.freePort();
            keycloakLog = tempDir.resolve("keycloak-" + attempt + ".log");
            ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev", "--import-realm",
                    "--http-port=" + port, "--http-management-port=" + TribunalProcess.freePort(), "--cache=local")
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(keycloakLog.toFile());
            builder.environment().put("JAVA_HOME", jdk.toString());
            // on JDK 24 and later the server's thread pool asks for this, else it logs an IllegalAccessError per thread
            builder.environment().put("JAVA_OPTS_APPEND", "--add-opens=java.base/java.lang=ALL-UNNAMED");
            keycloak = builder.start();
            String issuer = "http://localhost:" + port + "/realms/team";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (System.nanoTime() < deadline) {
                if (!keycloak.isAlive()) {
                    String log = Files.readString(keycloakLog);
                    // a port free when chosen can be taken by another process before Keycloak binds it, seconds later
                    if (log.contains("Port already bound") && attempt < 3) {
                        break;
                    }
                    fail("Keycloak exited: " + log);
                }
                try {
                    HttpResponse<String> discovery = HTTP.send(HttpRequest.newBuilder(URI.create(issuer + "/.well-known/openid-configuration")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (discovery.statusCode() == 200) {
                        return issuer;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                TribunalProcess.pause(500);
            }
            if (keycloak.isAlive()) {
                break;
            }
        }
        fail("Keycloak did not serve the realm within 180 s: " + Files.readString(keycloakLog));
        return null;
    }

    /** A token from the provider for a user (the resource-owner password grant, enabled for the test's client). */
    private static String token(String issuer, String user, String password) throws Exception {
        String form = "grant_type=password&client_id=tribunal&client_secret=tribunal-client-secret-1&scope=openid&username="
                + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(issuer + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        return JsonPath.from(answer.body()).getString("access_token");
    }

    private static HttpResponse<String> bearer(String url, String token, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token);
        if (json != null) {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** This JDK when it is 21 or newer, else a newer one installed beside it. */
    private static Optional<Path> jdk21OrNewer() throws IOException {
        if (Runtime.version().feature() >= 21) {
            return Optional.of(Path.of(System.getProperty("java.home")));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        List<Path> found = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(jvms)) {
            dirs.filter(dir -> Files.isExecutable(dir.resolve("bin/java"))).forEach(dir -> {
                try {
                    String release = Files.readString(dir.resolve("release"));
                    java.util.regex.Matcher version = java.util.regex.Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(release);
                    if (version.find() && Integer.parseInt(version.group(1)) >= 21) {
                        found.add(dir);
                    }
                } catch (IOException | RuntimeException e) {
                    // not a JDK that says its version
                }
            });
        }
        return found.stream().sorted().reduce((first, second) -> second);
    }
}
