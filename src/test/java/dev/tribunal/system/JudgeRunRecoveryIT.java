package dev.tribunal.system;

import dev.tribunal.llm.FakeOpenAiServer;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Judge runs survive their process: the built application is killed with SIGKILL or stopped with
 * SIGTERM in the middle of a run, started again on the same data, and the run completes with exactly
 * one assessment per task.
 */
class JudgeRunRecoveryIT {

    /** 8 calls of 300 ms at once: about 27 judgments a second, so a run of a few hundred is caught mid-way. */
    private static final String MODEL = "itp:/slow-300";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempDir;

    private FakeOpenAiServer provider;
    private final List<TribunalProcess> processes = new ArrayList<>();

    @BeforeEach
    void startProvider() {
        provider = new FakeOpenAiServer(false);
    }

    @AfterEach
    void stopEverything() {
        processes.forEach(TribunalProcess::close);
        processes.forEach(p -> TribunalProcess.killPostmaster(p.workDir().resolve("data").resolve("postgres")));
        provider.close();
    }

    private TribunalProcess start(Path workDir, String... settings) {
        return start(workDir, Path.of("judges").toAbsolutePath(), settings);
    }

    private TribunalProcess start(Path workDir, Path judges, String... settings) {
        List<String> args = new ArrayList<>(List.of(
                "-Dtribunal.providers.itp.base-url=" + provider.baseUrl(),
                "-Dtribunal.providers.itp.max-concurrency=8"));
        args.addAll(List.of(settings));
        TribunalProcess app = TribunalProcess.start(workDir, Map.of("TRIBUNAL_JUDGES_DIR", judges.toString()),
                args.toArray(String[]::new)).waitUntilReady();
        processes.add(app);
        return app;
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aRunKilledMidwayCompletesAfterARestartWithOneAssessmentPerTask() throws IOException {
        Path workDir = Files.createDirectories(tempDir.resolve("kill")).toRealPath();
        // a short lease, so that the tasks the killed process held are free again soon after the restart
        TribunalProcess first = start(workDir, "-Dtribunal.worker.lease=3s");
        String runId = startRun(first, 150);
        awaitCompleted(first, runId, 20);
        first.kill9();
        int doneWhenKilled = provider.requestCount("slow-300");

        TribunalProcess second = start(workDir, "-Dtribunal.worker.lease=3s");
        JsonPath run = awaitStatus(second, runId, "COMPLETED", Duration.ofSeconds(90));
        assertOneAssessmentPerTask(second, runId, 150, run);
        assertTrue(provider.requestCount("slow-300") >= 150, "every task was judged at least once");
        System.out.printf("kill -9 after %d provider calls; %d calls in all for 150 tasks%n", doneWhenKilled,
                provider.requestCount("slow-300"));
    }

    /**
     * A jury's verdict and its members, and a pair's two orders, are written once: killed in the middle, the process
     * leaves each task to be judged again whole, and the end holds exactly one verdict per jury task with one Feedback
     * per member, and one verdict per pair.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void juriesAndPairsKilledMidwayEndWithOneResultEach() throws IOException {
        Path workDir = Files.createDirectories(tempDir.resolve("jury")).toRealPath();
        Path judges = Files.createDirectories(tempDir.resolve("jury-judges"));
        Files.writeString(judges.resolve("panel.yaml"), """
                name: panel
                jury: {members: [itp:/slow-300, itp:/slow-301, itp:/slow-302]}
                instructions: "Relevant? {{ inputs }} / {{ outputs }}"
                output: {type: boolean}
                """);
        Files.writeString(judges.resolve("versus.yaml"), """
                name: versus
                model: itp:/slow-303
                instructions: "Which is better for {{ inputs }}? A: {{ output_a }} B: {{ output_b }}"
                output: {type: pairwise}
                """);
        TribunalProcess first = start(workDir, judges, "-Dtribunal.worker.lease=3s");
        StringBuilder body = new StringBuilder("{\"traces\": [");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            for (String version : List.of("v1", "v2")) {
                String id = "tr-" + version + "-" + UUID.randomUUID().toString().replace("-", "");
                ids.add(id);
                body.append(ids.size() == 1 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"Question ")
                        .append(i).append("\", \"outputs\": \"Answer ").append(version).append("\", \"tags\": {\"version\": \"")
                        .append(version).append("\"}}");
            }
        }
        assertEquals(200, first.postJson("/api/traces", body.append("]}").toString()).statusCode());
        HttpResponse<String> jury = first.postJson("/api/judge-runs", "{\"judges\": [\"panel\"], \"trace_ids\": "
                + ids.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(",", "[", "]")) + "}");
        assertEquals(202, jury.statusCode(), jury.body());
        String juryRun = JsonPath.from(jury.body()).getString("run_id");
        HttpResponse<String> comparison = first.postJson("/api/comparisons", "{\"judge\": \"versus\", \"baseline\": {\"tags\": "
                + "{\"version\": \"v1\"}}, \"candidate\": {\"tags\": {\"version\": \"v2\"}}}");
        assertEquals(202, comparison.statusCode(), comparison.body());
        String pairRun = JsonPath.from(comparison.body()).getString("comparison_id");
        awaitCompleted(first, juryRun, 10);
        first.kill9();

        TribunalProcess second = start(workDir, judges, "-Dtribunal.worker.lease=3s");
        JsonPath juryDone = awaitStatus(second, juryRun, "COMPLETED", Duration.ofSeconds(120));
        assertEquals(120, juryDone.getInt("completed"));
        List<String> keys = new ArrayList<>();
        for (String page : pages(second, juryRun)) {
            JsonPath json = JsonPath.from(page);
            List<String> traces = json.getList("assessments.trace_id");
            List<String> sources = json.getList("assessments.source.source_id");
            for (int i = 0; i < traces.size(); i++) {
                keys.add(traces.get(i) + "|" + sources.get(i));
            }
        }
        assertEquals(120 * 4, keys.size(), "a verdict and three members per trace");
        assertEquals(120 * 4, new HashSet<>(keys).size(), "none of them twice");
        JsonPath pairsDone = awaitStatus(second, pairRun, "COMPLETED", Duration.ofSeconds(120));
        assertEquals(60, pairsDone.getInt("completed"));
        List<String> candidates = new ArrayList<>();
        pages(second, pairRun).forEach(page -> candidates.addAll(JsonPath.from(page).getList("assessments.trace_id")));
        assertEquals(60, candidates.size(), "one verdict per pair");
        assertEquals(60, new HashSet<>(candidates).size());
        assertTrue(candidates.stream().allMatch(id -> id.startsWith("tr-v2-")), "stored on the candidates");
    }

    /**
     * A gate's validation run is a run like any other: killed in the middle of it, the process leaves it to be finished
     * after a restart, and the version is decided once, from that one run, over every labelled trace. The traces and
     * their labels are written by a process that does not know the gated judge yet, so that its validation starts with all
     * 60 of them.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aValidationKilledMidwayFinishesAfterARestartAndIsCountedOnce() throws IOException {
        // a provider that reads every prompt (not one per model and schema, as for load): each carries its truth=
        provider.close();
        provider = new FakeOpenAiServer();
        Path workDir = Files.createDirectories(tempDir.resolve("gate")).toRealPath();
        Path judges = Files.createDirectories(tempDir.resolve("gate-judges"));
        TribunalProcess labelling = start(workDir, judges);
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < 60; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"Question ").append(i)
                    .append("\", \"outputs\": \"Answer ").append(i).append(" truth=").append(i % 2 == 0).append("\"}");
        }
        HttpResponse<String> ingested = labelling.postJson("/api/traces", body.append("]}").toString());
        assertEquals(200, ingested.statusCode(), ingested.body());
        for (int i = 0; i < ids.size(); i++) {
            HttpResponse<String> label = labelling.postJson("/api/3.0/mlflow/traces/" + ids.get(i) + "/assessments", "{\"assessment\": "
                    + "{\"assessment_name\": \"gate_truth\", \"source\": {\"source_type\": \"HUMAN\"}, \"feedback\": {\"value\": "
                    + (i % 2 == 0) + "}}}");
            assertEquals(200, label.statusCode(), label.body());
        }
        int exitCode = labelling.stop();
        assertTrue(exitCode == 0 || exitCode == 143, "exit code " + exitCode + labelling.logTailMessage());

        // right every time, and slow: 60 judgments of 1 s, 8 at a time, take about 8 s
        Files.writeString(judges.resolve("gated.yaml"), """
                name: gated
                model: itp:/slow-acc-1000-100
                instructions: "Is this response right? Response: {{ outputs }}"
                output: {type: boolean}
                gate:
                  reference: {human_feedback: gate_truth}
                  min_kappa: 0.5
                  min_traces: 40
                  max_cost: 1.00
                """);
        String[] settings = {"-Dtribunal.worker.lease=3s", "-Dtribunal.gates.check-every=1s"};
        TribunalProcess first = start(workDir, judges, settings);
        String version = JsonPath.from(first.get("/api/judges/gated").body()).getString("version");
        String runId = (String) awaitVersion(first, version, v -> v.get("validation_run_id") != null, "started its validation")
                .get("validation_run_id");
        awaitCompleted(first, runId, 8);
        first.kill9();

        TribunalProcess second = start(workDir, judges, settings);
        Map<String, Object> decided = awaitVersion(second, version, v -> !"pending".equals(v.get("status")), "was decided");
        assertEquals("passed", decided.get("status"), String.valueOf(decided));
        assertEquals(runId, decided.get("validation_run_id"), "decided from the run the killed process started");
        List<String> validations = JsonPath.from(second.get("/api/judge-runs?max_results=1000").body())
                .getList("runs.findAll { it.trigger == 'VALIDATION' }.run_id");
        assertEquals(List.of(runId), validations, "one validation run");
        JsonPath run = JsonPath.from(second.get("/api/judge-runs/" + runId).body());
        assertEquals("COMPLETED", run.getString("status"), run.prettify());
        assertOneAssessmentPerTask(second, runId, 60, run);
        Map<?, ?> figures = (Map<?, ?>) decided.get("figures");
        assertEquals(60, ((Number) figures.get("judged")).intValue(), String.valueOf(figures));
        assertEquals(60, ((Number) figures.get("compared")).intValue(), String.valueOf(figures));
    }

    /** Waits up to 2 minutes until the gated judge's version satisfies the condition, and returns it. */
    private static Map<String, Object> awaitVersion(TribunalProcess app, String version, java.util.function.Predicate<Map<String, Object>> condition,
                                                    String what) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Map<String, Object> last = null;
        while (System.nanoTime() < deadline) {
            last = JsonPath.from(app.get("/api/judges/gated/versions").body()).getMap("versions.find { it.version == '" + version + "' }");
            if (last != null && condition.test(last)) {
                return last;
            }
            TribunalProcess.pause(100);
        }
        fail("version " + version + " of gated never " + what + ": " + last + app.logTailMessage());
        return last;
    }

    private static List<String> pages(TribunalProcess app, String runId) throws IOException {
        List<String> pages = new ArrayList<>();
        String token = null;
        do {
            String page = app.get("/api/assessments?max_results=1000&run_id=" + runId + (token == null ? "" : "&page_token=" + token)).body();
            pages.add(page);
            token = JsonPath.from(page).getString("next_page_token");
        } while (token != null);
        return pages;
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aRunStoppedMidwayGivesItsTasksBackAndCompletesAfterARestart() throws IOException {
        Path workDir = Files.createDirectories(tempDir.resolve("term")).toRealPath();
        // a long lease: finishing soon after the restart shows the tasks were given back, not left to expire
        TribunalProcess first = start(workDir, "-Dtribunal.worker.lease=5m", "-Dtribunal.worker.shutdown-grace=2s");
        String runId = startRun(first, 300);
        awaitCompleted(first, runId, 20);
        long stopping = System.nanoTime();
        int exitCode = first.stop();
        double stopSeconds = (System.nanoTime() - stopping) / 1e9;
        assertTrue(exitCode == 0 || exitCode == 143, "exit code " + exitCode + first.logTailMessage());
        assertTrue(stopSeconds < 20, "stopping took " + stopSeconds + " s with a grace of 2 s" + first.logTailMessage());
        String log = first.log();
        assertTrue(log.contains("judge tasks not finished in time went back to pending")
                || log.contains("every judge task in progress was finished and written"), first.logTailMessage());

        TribunalProcess second = start(workDir, "-Dtribunal.worker.lease=5m");
        JsonPath run = awaitStatus(second, runId, "COMPLETED", Duration.ofSeconds(90));
        assertOneAssessmentPerTask(second, runId, 300, run);
    }

    private static void assertOneAssessmentPerTask(TribunalProcess app, String runId, int total, JsonPath run) throws IOException {
        assertEquals(total, run.getInt("total"));
        assertEquals(total, run.getInt("completed"), "completed count" + run.prettify());
        assertEquals(total, run.getInt("succeeded"), "no judgment failed: " + run.prettify());
        List<String> traces = new ArrayList<>();
        String token = null;
        do {
            JsonPath page = JsonPath.from(app.get("/api/assessments?max_results=1000&run_id=" + runId
                    + (token == null ? "" : "&page_token=" + token)).body());
            traces.addAll(page.getList("assessments.trace_id"));
            token = page.getString("next_page_token");
        } while (token != null);
        Set<String> distinct = new HashSet<>(traces);
        assertEquals(total, traces.size(), "assessments of the run");
        assertEquals(total, distinct.size(), "one assessment per trace (one judge, one model)");
    }

    private static String startRun(TribunalProcess app, int traces) throws IOException {
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < traces; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"Question ").append(i)
                    .append("\", \"outputs\": \"Answer ").append(i).append("\"}");
        }
        HttpResponse<String> ingested = app.postJson("/api/traces", body.append("]}").toString());
        assertEquals(200, ingested.statusCode(), ingested.body());
        HttpResponse<String> created = app.postJson("/api/judge-runs", "{\"judges\": [\"relevance\"], \"models\": [\"" + MODEL
                + "\"], \"trace_ids\": " + ids.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(",", "[", "]")) + "}");
        assertEquals(202, created.statusCode(), created.body());
        return JsonPath.from(created.body()).getString("run_id");
    }

    /** Waits until at least {@code count} judgments of the run are done, and the run is not finished yet. */
    private static void awaitCompleted(TribunalProcess app, String runId, int count) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            JsonPath run = JsonPath.from(app.get("/api/judge-runs/" + runId).body());
            if (run.getInt("completed") >= count) {
                assertTrue(run.getInt("completed") < run.getInt("total"), "the run finished before it could be interrupted");
                return;
            }
            TribunalProcess.pause(50);
        }
        fail("run " + runId + " did not reach " + count + " judgments" + app.logTailMessage());
    }

    private static JsonPath awaitStatus(TribunalProcess app, String runId, String status, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonPath run = null;
        while (System.nanoTime() < deadline) {
            run = JsonPath.from(app.get("/api/judge-runs/" + runId).body());
            if (status.equals(run.getString("status"))) {
                return run;
            }
            TribunalProcess.pause(250);
        }
        fail("run " + runId + " is not " + status + " after " + timeout.toSeconds() + " s: " + (run == null ? "" : run.prettify())
                + app.logTailMessage());
        return run;
    }

}
