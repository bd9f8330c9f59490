package dev.tribunal.system;

import dev.tribunal.llm.FakeOpenAiServer;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A run in batch mode survives its process: killed with SIGKILL while its batches are in progress at the provider, the
 * application started again on the same data finds them at the provider (the killed one never heard that they were made),
 * polls them and writes each judgment once, without sending any batch again.
 */
class BatchRecoveryIT {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempDir;

    private final FakeOpenAiServer provider = new FakeOpenAiServer();
    private final List<TribunalProcess> processes = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        processes.forEach(TribunalProcess::close);
        processes.forEach(p -> TribunalProcess.killPostmaster(p.workDir().resolve("data").resolve("postgres")));
        provider.close();
    }

    private TribunalProcess start(Path workDir) {
        TribunalProcess app = TribunalProcess.start(workDir, Map.of("TRIBUNAL_JUDGES_DIR", Path.of("judges").toAbsolutePath().toString()),
                "-Dtribunal.providers.itb.base-url=" + provider.baseUrl(),
                "-Dtribunal.providers.itb.batch=true",
                "-Dtribunal.providers.itb.batch-max-requests=25",
                "-Dtribunal.providers.itb.batch-poll-every=500ms",
                "-Dtribunal.providers.itb.batch-poll-max=1s",
                // a batch held by the killed process is free again soon after the restart: its lease, and while it is
                // created, twice the provider's timeout more
                "-Dtribunal.batch.lease=5s",
                "-Dtribunal.providers.itb.timeout=5s").waitUntilReady();
        processes.add(app);
        return app;
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aBatchRunKilledWhileItsBatchesRunCompletesAfterARestartWithEachJudgmentWrittenOnce() throws IOException {
        // each batch takes 10 s at the provider, and its create is answered after 3 s: the process is killed while all
        // three are in progress, before it heard that they were made
        provider.batchDelay(Duration.ofSeconds(10));
        provider.batchCreateAnswerDelay(Duration.ofSeconds(3));
        Path workDir = Files.createDirectories(tempDir.resolve("batch")).toRealPath();
        TribunalProcess first = start(workDir);
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < 60; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"Question ").append(i)
                    .append("\", \"outputs\": \"Answer ").append(i).append("\"}");
        }
        assertEquals(200, first.postJson("/api/traces", body.append("]}").toString()).statusCode());
        HttpResponse<String> created = first.postJson("/api/judge-runs", "{\"judges\": [\"relevance\"], \"models\": [\"itb:/ok\"], "
                + "\"mode\": \"batch\", \"trace_ids\": " + ids.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(",", "[", "]")) + "}");
        assertEquals(202, created.statusCode(), created.body());
        String runId = JsonPath.from(created.body()).getString("run_id");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (provider.batches().size() < 3 && System.nanoTime() < deadline) {
            TribunalProcess.pause(50);
        }
        assertEquals(3, provider.batches().size(), "60 judgments in batches of at most 25" + first.logTailMessage());
        assertTrue(provider.batches().stream().noneMatch(b -> b.status().equals("completed")), "killed while the batches run");
        first.kill9();

        TribunalProcess second = start(workDir);
        JsonPath run = null;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            run = JsonPath.from(second.get("/api/judge-runs/" + runId).body());
            if ("COMPLETED".equals(run.getString("status"))) {
                break;
            }
            TribunalProcess.pause(200);
        }
        if (run == null || !"COMPLETED".equals(run.getString("status"))) {
            fail("the run did not complete after the restart: " + (run == null ? "" : run.prettify()) + second.logTailMessage());
        }
        assertEquals(60, run.getInt("completed"));
        assertEquals(0, run.getInt("errored"), run.prettify());
        List<String> traces = JsonPath.from(second.get("/api/assessments?max_results=1000&run_id=" + runId).body()).getList("assessments.trace_id");
        assertEquals(60, traces.size(), "one assessment per judgment");
        assertEquals(new HashSet<>(ids), new HashSet<>(traces), "every trace judged, none twice");
        assertEquals(3, provider.batches().size(), "no batch sent again");
        assertEquals(60, provider.batchCustomIds().size(), "each judgment sent once");
        assertEquals(0, provider.received().size(), "no online call");
    }
}
