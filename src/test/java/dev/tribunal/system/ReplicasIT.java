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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two Tribunal processes on one PostgreSQL share a run: every task is judged once, by one of them,
 * the provider's requests-per-minute and max-concurrency hold for both together, and a sweep that
 * both tick judges each trace once. Readiness fails when the database goes away.
 */
class ReplicasIT {

    /** 240 a minute: a burst of 4, then one every ~0.25 s, whichever process asks. */
    private static final int REQUESTS_PER_MINUTE = 240;
    private static final int TRACES = 40;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempDir;

    private EmbeddedDatabase database;
    private FakeOpenAiServer provider;
    private final List<TribunalProcess> processes = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        database = EmbeddedDatabase.start(tempDir.resolve("shared-pg"), 0, false);
        provider = new FakeOpenAiServer();
        // a sweep that both replicas try to tick every second; its delay covers an ingest that is stamped but not yet
        // committed when a tick runs (as the README asks of every sweep's delay)
        Files.createDirectories(tempDir.resolve("sweeps"));
        Files.writeString(tempDir.resolve("sweeps").resolve("fast.yaml"), """
                name: fast
                judges: [exact_match]
                schedule: every 1s
                filter: {tags: {sweep: fast}}
                delay: 1s
                lookback: 10m
                """);
    }

    @AfterEach
    void stopEverything() {
        processes.forEach(TribunalProcess::close);
        processes.forEach(p -> TribunalProcess.killPostmaster(p.workDir().resolve("data").resolve("postgres")));
        provider.close();
        if (database != null) {
            database.close();
        }
    }

    private TribunalProcess replica(String name) throws IOException {
        Path workDir = Files.createDirectories(tempDir.resolve(name)).toRealPath();
        TribunalProcess app = TribunalProcess.replica(workDir, database,
                "-Dtribunal.providers.itp.base-url=" + provider.baseUrl(),
                // each replica has its own key, so that the provider's log tells who called
                "-Dtribunal.providers.itp.api-key=key-" + name,
                "-Dtribunal.providers.itp.requests-per-minute=" + REQUESTS_PER_MINUTE,
                // the same server without a budget, to warm the process up before the measured run
                "-Dtribunal.providers.warm.base-url=" + provider.baseUrl(),
                // and with four calls at once for the whole cluster
                "-Dtribunal.providers.conc.base-url=" + provider.baseUrl(),
                "-Dtribunal.providers.conc.api-key=key-" + name,
                "-Dtribunal.providers.conc.max-concurrency=4",
                // a few tasks at a time per process, so that both take part
                "-Dtribunal.worker.max-in-flight=8",
                "-Dtribunal.sweeps.dir=" + tempDir.resolve("sweeps"));
        processes.add(app);
        return app;
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void twoProcessesShareARunAndTheProvidersBudget() throws IOException {
        TribunalProcess a = replica("a");
        TribunalProcess b = replica("b");
        a.waitUntilReady();
        b.waitUntilReady();

        // a fresh JVM's first calls are slow to leave (classes load, connections open) and then leave together;
        // a warm-up run on a provider without a budget keeps that out of the measured one, and a short one on the
        // measured provider opens its own connections (each provider has its pool), after which its budget refills
        awaitCompleted(a, b, startRun(a, ingest(a, 20), "warm:/ok"));
        awaitCompleted(a, b, startRun(a, ingest(a, 8), "itp:/warm"));
        TribunalProcess.pause(1500);
        List<String> ids = ingest(a, TRACES);
        String runId = startRun(a, ids, "itp:/measured");
        JsonPath run = awaitCompleted(a, b, runId);
        assertEquals(TRACES, run.getInt("succeeded"));

        List<String> judged = JsonPath.from(a.get("/api/assessments?max_results=1000&run_id=" + runId).body()).getList("assessments.trace_id");
        assertEquals(TRACES, judged.size());
        assertEquals(new HashSet<>(ids), new HashSet<>(judged), "one assessment per trace");

        List<FakeOpenAiServer.Received> calls = provider.received("measured");
        assertEquals(TRACES, calls.size(), "each task judged once: no call twice");
        Set<String> callers = calls.stream().map(FakeOpenAiServer.Received::authorization).collect(Collectors.toSet());
        assertEquals(Set.of("Bearer key-a", "Bearer key-b"), callers, "both replicas judged");

        // the budget is the cluster's: both processes together stay within it
        List<Long> times = calls.stream().map(FakeOpenAiServer.Received::atNanos).sorted().toList();
        double perSecond = (REQUESTS_PER_MINUTE - REQUESTS_PER_MINUTE / 60) / 60.0;
        for (int j = 0; j < times.size(); j++) {
            double seconds = (times.get(j) - times.get(0)) / 1e9;
            // a burst of 4, the refill, and 0.5 s of slack for calls admitted together and sent apart (a first call of a busy
            // machine may leave a quarter of a second after its admission, the next ones at once); two processes each
            // with a budget of its own would send 8 at once and twice the rate, which this still catches
            double allowed = REQUESTS_PER_MINUTE / 60 + perSecond * (seconds + 0.5);
            if (j + 1 > allowed) {
                fail("request " + (j + 1) + " came " + seconds + " s after the first; two processes together may send " + allowed
                        + "; arrivals (s): " + times.stream().limit(12).map(t -> String.format("%.3f", (t - times.get(0)) / 1e9))
                        .collect(Collectors.joining(", ")) + "; callers: " + calls.stream()
                        .sorted(java.util.Comparator.comparingLong(FakeOpenAiServer.Received::atNanos)).limit(12)
                        .map(FakeOpenAiServer.Received::authorization).collect(Collectors.joining(", ")));
            }
        }
        long spanMillis = (times.get(times.size() - 1) - times.get(0)) / 1_000_000;
        assertTrue(spanMillis >= 8_000, "40 calls at 4 a second take about 9 s, not " + spanMillis + " ms: each process had its own budget");

        // max-concurrency is the cluster's too: two processes, two calls each
        JsonPath slow = awaitCompleted(a, b, startRun(a, ingest(a, 24), "conc:/slow-300"));
        assertEquals(24, slow.getInt("succeeded"));
        assertEquals(4, provider.maxInFlight("slow-300"), "four calls at once for both processes together, kept busy");
        assertEquals(Set.of("Bearer key-a", "Bearer key-b"), provider.received("slow-300").stream()
                .map(FakeOpenAiServer.Received::authorization).collect(Collectors.toSet()), "both replicas judged");

        // sweeps: both processes look every second, one takes each tick, each trace is judged once
        List<String> swept = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
            swept.addAll(ingestTagged(round % 2 == 0 ? a : b, 5, "fast"));
            TribunalProcess.pause(400);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonPath sweep = null;
        while (System.nanoTime() < deadline) {
            sweep = JsonPath.from(a.get("/api/sweeps/fast").body());
            if (sweep.getLong("traces_judged") >= swept.size() && sweep.getLong("judgments") >= swept.size()) {
                break;
            }
            TribunalProcess.pause(250);
        }
        assertEquals(swept.size(), sweep.getLong("traces_judged"), sweep.prettify());
        assertTrue(sweep.getLong("ticks") >= 3, "several ticks: " + sweep.getLong("ticks"));
        List<String> judgedBySweep = new ArrayList<>();
        for (String id : swept) {
            List<Object> assessments = JsonPath.from(b.get("/api/assessments?name=exact_match&trace_id=" + id).body()).getList("assessments");
            assertEquals(1, assessments.size(), "trace " + id + " judged once by the sweep");
            judgedBySweep.add(id);
        }
        assertEquals(swept.size(), judgedBySweep.size());

        // readiness follows the database: it answers 503 once the database is gone
        database.close();
        database = null;
        long readyDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int status = 200;
        while (System.nanoTime() < readyDeadline && status == 200) {
            status = a.get("/q/health/ready").statusCode();
            TribunalProcess.pause(250);
        }
        assertEquals(503, status, "not ready without its database");
    }

    private static List<String> ingest(TribunalProcess app, int count) throws IOException {
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < count; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"Question ").append(i)
                    .append(" (").append(id).append(")\", \"outputs\": \"Answer ").append(i).append("\"}");
        }
        assertEquals(200, app.postJson("/api/traces", body.append("]}").toString()).statusCode());
        return ids;
    }

    private static List<String> ingestTagged(TribunalProcess app, int count, String sweep) throws IOException {
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < count; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"q\", \"outputs\": \"a\", "
                    + "\"expectations\": {\"expected_response\": \"a\"}, \"tags\": {\"sweep\": \"").append(sweep).append("\"}}");
        }
        assertEquals(200, app.postJson("/api/traces", body.append("]}").toString()).statusCode());
        return ids;
    }

    private static String startRun(TribunalProcess app, List<String> ids, String model) throws IOException {
        HttpResponse<String> created = app.postJson("/api/judge-runs", "{\"judges\": [\"relevance\"], \"models\": [\"" + model + "\"], "
                + "\"trace_ids\": " + ids.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(",", "[", "]")) + "}");
        assertEquals(202, created.statusCode(), created.body());
        return JsonPath.from(created.body()).getString("run_id");
    }

    private static JsonPath awaitCompleted(TribunalProcess a, TribunalProcess b, String runId) throws IOException {
        JsonPath run = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            // either replica answers for the run
            run = JsonPath.from(b.get("/api/judge-runs/" + runId).body());
            if ("COMPLETED".equals(run.getString("status"))) {
                return run;
            }
            TribunalProcess.pause(250);
        }
        fail("run " + runId + " did not complete: " + (run == null ? "" : run.prettify()) + a.logTailMessage() + b.logTailMessage());
        return run;
    }

}
