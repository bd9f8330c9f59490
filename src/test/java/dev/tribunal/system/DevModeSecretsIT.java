package dev.tribunal.system;

import dev.tribunal.llm.FakeOpenAiServer;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A developer's {@code ./mvnw quarkus:dev}: the Dev UI's configuration view (the JSON-RPC methods its page calls) lists
 * every setting but no credential (provider keys, the bootstrap key, other credential variables), while Tribunal still
 * uses the provider's key on its calls.
 */
class DevModeSecretsIT {

    private static final String PROVIDER_KEY = "sk-devmode-canary-4b1e9d";
    private static final String BOOTSTRAP_KEY = "trb-devmode-canary-7c2a51";
    private static final String OTHER_TOKEN = "ghp-devmode-canary-93f0aa";
    private static final String EXTRA_PROVIDER_KEY = "sk-devmode-canary-extra-5d8c";
    private static final String DOT_ENV_KEY = "sk-devmode-canary-dotenv-1e7b";
    private static final String OIDC_SECRET = "oidc-devmode-canary-secret-2f9d";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempDir;

    private FakeOpenAiServer provider;
    private TribunalProcess app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
            TribunalProcess.killPostmaster(app.workDir().resolve("data").resolve("postgres"));
        }
        if (provider != null) {
            provider.close();
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void theDevUiConfigurationViewShowsNoCredentialWhileTribunalUsesThem() throws Exception {
        provider = new FakeOpenAiServer();
        Path project = copyProject(tempDir.resolve("project"));
        // a developer's .env, which the configuration reads as environment variables
        Files.writeString(project.resolve(".env"), "ANTHROPIC_API_KEY=" + DOT_ENV_KEY + "\n");
        app = TribunalProcess.startDevMode(project,
                Map.of("OPENAI_API_KEY", PROVIDER_KEY, "TRIBUNAL_BOOTSTRAP_KEY", BOOTSTRAP_KEY, "GITHUB_TOKEN", OTHER_TOKEN,
                        "QUARKUS_OIDC_CREDENTIALS_SECRET", OIDC_SECRET),
                "-Dtribunal.providers.openai.base-url=" + provider.baseUrl(),
                "-Dtribunal.providers.extra.base-url=" + provider.baseUrl(),
                "-Dtribunal.providers.extra.api-key=" + EXTRA_PROVIDER_KEY)
                .waitUntilReady(Duration.ofMinutes(4));

        // Tribunal has the provider's key: a judgment through the shipped judge carries it
        HttpResponse<String> ingested = app.postJson("/api/traces",
                "{\"traces\": [{\"trace_id\": \"tr-devmode1\", \"inputs\": \"What is 2+2?\", \"outputs\": \"4\"}]}");
        assertEquals(200, ingested.statusCode(), ingested.body());
        HttpResponse<String> run = app.postJson("/api/judge-runs",
                "{\"judges\": [\"relevance\"], \"models\": [\"openai:/gpt-4o-mini\", \"extra:/gpt-4o-mini\"], \"trace_ids\": [\"tr-devmode1\"]}");
        assertEquals(202, run.statusCode(), run.body());
        awaitCompleted(JsonPath.from(run.body()).getString("run_id"));
        List<String> authorizations = provider.received().stream().map(FakeOpenAiServer.Received::authorization).toList();
        assertTrue(authorizations.contains("Bearer " + PROVIDER_KEY), "the provider saw " + authorizations);
        assertTrue(authorizations.contains("Bearer " + EXTRA_PROVIDER_KEY), "the provider saw " + authorizations);

        // ... and the Dev UI's configuration view does not show it, nor any other credential
        String values = devUi("devui-configuration_getAllValues");
        String descriptions = devUi("devui-configuration_getAllConfiguration");
        for (String view : List.of(values, descriptions)) {
            assertTrue(view.contains("tribunal.providers.openai.require-api-key"), "the view lists Tribunal's settings");
            assertTrue(view.contains("quarkus.http.port"), "the view lists Quarkus' settings");
            for (String secret : List.of(PROVIDER_KEY, BOOTSTRAP_KEY, OTHER_TOKEN, EXTRA_PROVIDER_KEY, DOT_ENV_KEY, OIDC_SECRET)) {
                int at = view.indexOf(secret);
                assertFalse(at >= 0, "the Dev UI's configuration view shows " + secret + ": "
                        + (at < 0 ? "" : view.substring(Math.max(0, at - 300), Math.min(view.length(), at + 100))));
            }
            for (String name : List.of("\"OPENAI_API_KEY\"", "\"tribunal.providers.openai.api-key\"", "\"tribunal.bootstrap-key\"",
                    "\"TRIBUNAL_BOOTSTRAP_KEY\"", "\"GITHUB_TOKEN\"", "\"tribunal.providers.extra.api-key\"", "\"ANTHROPIC_API_KEY\"")) {
                assertFalse(view.contains(name), "the Dev UI's configuration view names " + name);
            }
        }
        assertFalse(app.log().contains(PROVIDER_KEY), "the log shows the provider's key");
    }

    private void awaitCompleted(String runId) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "";
        while (System.nanoTime() < deadline) {
            last = app.get("/api/judge-runs/" + runId).body();
            if ("COMPLETED".equals(JsonPath.from(last).getString("status"))) {
                assertEquals(2, JsonPath.from(last).getInt("succeeded"), last);
                return;
            }
            TribunalProcess.pause(200);
        }
        fail("run " + runId + " did not complete: " + last + app.logTailMessage());
    }

    /** Calls a Dev UI JSON-RPC method over its WebSocket, as the Dev UI's pages do, and returns the answer. */
    private String devUi(String method) throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        StringBuilder message = new StringBuilder();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://localhost:" + app.httpPort() + "/q/dev-ui/json-rpc-ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        message.append(data);
                        if (last) {
                            String text = message.toString();
                            message.setLength(0);
                            if (text.replace(" ", "").contains("\"id\":7,")) {
                                answer.complete(text);
                            }
                        }
                        webSocket.request(1);
                        return null;
                    }
                })
                .get(10, TimeUnit.SECONDS);
        try {
            socket.sendText("{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": \"" + method + "\", \"params\": {}}", true);
            String text = answer.get(60, TimeUnit.SECONDS);
            assertTrue(text.contains("\"result\""), method + " answered " + text.substring(0, Math.min(2000, text.length())));
            return text;
        } finally {
            socket.abort();
        }
    }

    /** The project's sources, build and judges, without its {@code target} or tests. */
    private static Path copyProject(Path to) throws IOException {
        Path root = Path.of("").toAbsolutePath();
        for (String part : List.of("pom.xml", "mvnw", ".mvn", "src/main", "judges")) {
            Path from = root.resolve(part);
            try (Stream<Path> files = Files.walk(from)) {
                files.forEach(file -> {
                    Path target = to.resolve(root.relativize(file).toString());
                    try {
                        if (Files.isDirectory(file)) {
                            Files.createDirectories(target);
                        } else {
                            Files.createDirectories(target.getParent());
                            Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        return to;
    }
}
