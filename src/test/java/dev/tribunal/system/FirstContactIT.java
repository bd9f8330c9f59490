package dev.tribunal.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.tribunal.TestBrowser;
import dev.tribunal.llm.FakeOpenAiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a new user meets first, on a fresh Tribunal started as the README says: a start without warnings that says
 * where it listens, the meta-evaluation page before anyone has labelled, and every block of the README's walkthrough
 * copied into bash as it is written (against an OpenAI-compatible server standing in for OpenAI and Ollama).
 */
class FirstContactIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path workDir;

    private TribunalProcess app;
    private FakeOpenAiServer provider;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
            TribunalProcess.killPostmaster(workDir.resolve("data").resolve("postgres"));
        }
        if (provider != null) {
            provider.close();
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aFreshStartThePagesAndTheReadmeWalkthroughAsWritten() throws Exception {
        provider = new FakeOpenAiServer(true);
        Path project = Path.of(System.getProperty("user.dir"));
        app = TribunalProcess.start(workDir, Map.of(
                // the first start writes data/admin.key, which the walkthrough reads
                "TRIBUNAL_BOOTSTRAP_KEY", "",
                "TRIBUNAL_JUDGES_DIR", project.resolve("judges").toString(),
                "OPENAI_API_KEY", "sk-test-first-contact",
                "TRIBUNAL_PROVIDERS_OPENAI_BASE_URL", provider.baseUrl(),
                "TRIBUNAL_PROVIDERS_LOCAL_BASE_URL", provider.baseUrl())).waitUntilReady();
        String key = Files.readString(workDir.resolve("data").resolve("admin.key")).strip();

        String startLog = app.log();
        List<String> warnings = startLog.lines().filter(line -> line.matches("^\\S+ (WARN|ERROR) .*")).toList();
        assertEquals(List.of(), warnings, "a clean start logs no warning");
        assertTrue(startLog.contains("Tribunal listens on every network interface, port " + app.httpPort()),
                "the start says where Tribunal listens" + app.logTailMessage());

        theMetaEvaluationPageSaysWhenNobodyHasLabelledYet(key);

        String script = walkthrough(project.resolve("README.md")).replace("localhost:8080", "localhost:" + app.httpPort());
        Process bash = new ProcessBuilder("bash", "-e", "-c", script).directory(workDir.toFile()).redirectErrorStream(true).start();
        bash.getOutputStream().close();
        String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bash.waitFor(3, TimeUnit.MINUTES), "the walkthrough ends");
        System.out.println("The walkthrough printed:\n" + output);
        assertEquals(0, bash.exitValue(), "every block of the walkthrough runs:\n" + output);

        List<String> lines = output.lines().filter(line -> !line.isBlank()).toList();
        for (String line : lines) {
            // the judges' list is cut at 600 characters by the walkthrough itself (head -c 600)
            if ((line.startsWith("{") || line.startsWith("[")) && line.length() != 600) {
                // one JSON document per line: answers printed one after another do not run together
                JSON.readTree(line);
                assertFalse(line.contains("}{"), "two answers on one line: " + line);
            }
        }
        assertTrue(lines.stream().noneMatch(line -> line.contains("\"status\":4") || line.contains("\"status\":5")),
                "no error answer in the walkthrough:\n" + output);
        JsonNode codeRun = lines.stream().filter(line -> line.contains("\"judges\":[\"exact_match\",\"semantic_similarity\"]"))
                .map(FirstContactIT::read).findFirst().orElseThrow(() -> new AssertionError("the code judges' run:\n" + output));
        assertEquals("COMPLETED", codeRun.path("status").asText(), "polled until it ended: " + codeRun);
        assertEquals(2, codeRun.path("succeeded").asInt());
        JsonNode results = lines.stream().filter(line -> line.startsWith("{\"assessments\"") && line.contains("semantic_similarity"))
                .map(FirstContactIT::read).findFirst().orElseThrow();
        for (JsonNode assessment : results.path("assessments")) {
            boolean expected = assessment.path("assessment_name").asText().equals("semantic_similarity");
            assertEquals(expected, assessment.path("feedback").path("value").asBoolean(),
                    "as the README says: exact_match false, semantic_similarity true: " + assessment);
        }
        assertTrue(lines.stream().anyMatch(line -> line.contains("\"run_id\"") && line.contains("\"total\":6")),
                "the LLM judges' run on two models was accepted:\n" + output);
    }

    private static JsonNode read(String line) {
        try {
            return JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new AssertionError(line, e);
        }
    }

    /** A judge's verdict and no person's label yet: the page says so and leads to the labelling view. */
    private void theMetaEvaluationPageSaysWhenNobodyHasLabelledYet(String key) throws Exception {
        String base = "http://localhost:" + app.httpPort();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ingest = http.send(HttpRequest.newBuilder(URI.create(base + "/api/traces"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"traces\": [{\"trace_id\": \"tr-first-contact\", \"inputs\": \"q\", \"outputs\": \"a\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ingest.statusCode(), ingest.body());
        HttpResponse<String> verdict = http.send(HttpRequest.newBuilder(URI.create(base + "/api/3.0/mlflow/traces/tr-first-contact/assessments"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"assessment\": {\"assessment_name\": \"helpfulness\", \"source\": "
                        + "{\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/gpt-4o-mini\"}, \"feedback\": {\"value\": \"yes\"}}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, verdict.statusCode(), verdict.body());
        if (!Files.isExecutable(TestBrowser.CHROMIUM)) {
            System.out.println("No Chromium at " + TestBrowser.CHROMIUM + ": the page check is skipped");
            return;
        }
        try (Playwright playwright = TestBrowser.playwright(); Browser browser = TestBrowser.launch(playwright);
             BrowserContext context = browser.newContext(); Page page = context.newPage()) {
            page.navigate(base + "/meta-evaluation");
            page.fill("#key", key);
            page.click("#sign-in");
            page.waitForSelector("#unlabelled");
            assertTrue(page.textContent("#unlabelled").contains("No judged name has labels from people yet"), page.textContent("body"));
            assertEquals("/meta-evaluation/label?name=helpfulness", page.getAttribute("#label-links a", "href"));
            assertEquals(0, page.locator("#summary").count(), "no table of dashes");
            TestBrowser.assertAccessible(page);
        }
    }

    /** Every bash block of the README's walkthrough, in order, as one script. */
    static String walkthrough(Path readme) throws java.io.IOException {
        String text = Files.readString(readme);
        int start = text.indexOf("\n## Walkthrough");
        int end = text.indexOf("\n## ", start + 1);
        assertTrue(start >= 0 && end > start, "the README has a walkthrough section");
        Matcher block = Pattern.compile("```bash\n(.*?)```", Pattern.DOTALL).matcher(text.substring(start, end));
        List<String> blocks = new ArrayList<>();
        while (block.find()) {
            blocks.add(block.group(1));
        }
        assertTrue(blocks.size() >= 8, "the walkthrough's blocks: " + blocks.size());
        return String.join("\n", blocks);
    }
}
