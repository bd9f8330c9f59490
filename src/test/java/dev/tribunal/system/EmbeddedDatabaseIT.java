package dev.tribunal.system;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The built application, run as real processes on a real data directory: its embedded PostgreSQL
 * keeps data across restarts, survives a kill -9 of the JVM, and refuses a second owner.
 */
class EmbeddedDatabaseIT {

    /** Kept when a test fails, for the logs and the database files. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempDir;

    private final List<TribunalProcess> processes = new ArrayList<>();
    private final List<Path> pgDirs = new ArrayList<>();

    @AfterEach
    void killEverythingStarted() {
        processes.forEach(TribunalProcess::close);
        pgDirs.forEach(TribunalProcess::killPostmaster);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void dataSurvivesARestart() throws IOException {
        Path workDir = newWorkDir("restart");
        Path pgDir = pgDir(workDir);

        TribunalProcess first = start(workDir).waitUntilReady();
        assertLogContains(first, "Starting the embedded PostgreSQL; its data lives in " + pgDir);
        assertLogContains(first, "Embedded PostgreSQL is listening on localhost:");
        assertTrue(Files.isRegularFile(pgDir.resolve("PG_VERSION")),
                "The embedded PostgreSQL should keep its files in " + pgDir + first.logTailMessage());

        String traceId = uniqueTraceId();
        ingest(first, traceId);
        String assessmentId = logAssessment(first, traceId);
        long postmaster = TribunalProcess.postmasterPid(pgDir)
                .orElseGet(() -> fail("No postmaster.pid in " + pgDir + " while Tribunal runs" + first.logTailMessage()));

        int exitCode = first.stop();
        assertFalse(first.isAlive());
        assertTrue(exitCode == 0 || exitCode == 143,
                "SIGTERM should stop Tribunal gracefully, exit code was " + exitCode + first.logTailMessage());
        assertTrue(awaitDeath(postmaster, Duration.ofSeconds(20)),
                "Stopping Tribunal should stop its PostgreSQL (pid " + postmaster + ")" + first.logTailMessage());
        TribunalProcess.assertNoPostmasterRunning(pgDir, "after a clean stop");

        TribunalProcess second = start(workDir).waitUntilReady();
        assertLogContains(second, "Starting the embedded PostgreSQL; its data lives in " + pgDir);
        assertFalse(second.log().contains("left running"),
                "A clean stop leaves no orphan PostgreSQL to stop" + second.logTailMessage());

        JsonPath trace = getTrace(second, traceId);
        assertEquals(traceId, trace.getString("trace_id"));
        assertEquals("hi", trace.getString("inputs.q"), "inputs after the restart");
        assertEquals("hello", trace.getString("outputs"), "outputs after the restart");
        assertEquals("test", trace.getString("tags.env"), "tags after the restart");
        List<String> assessmentIds = trace.getList("assessments.assessment_id", String.class);
        assertTrue(assessmentIds.contains(assessmentId),
                "The assessment " + assessmentId + " should survive the restart, found " + assessmentIds
                        + " in " + trace.prettify());

        assertGracefulStop(second, pgDir);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void leftoverPostmasterAfterKill9DoesNotBlockTheNextStart() throws IOException {
        Path workDir = newWorkDir("kill9");
        Path pgDir = pgDir(workDir);

        TribunalProcess crashed = start(workDir).waitUntilReady();
        String traceId = uniqueTraceId();
        ingest(crashed, traceId);
        String assessmentId = logAssessment(crashed, traceId);
        long orphan = TribunalProcess.postmasterPid(pgDir)
                .orElseGet(() -> fail("No postmaster.pid in " + pgDir + " while Tribunal runs" + crashed.logTailMessage()));

        crashed.kill9();
        assertFalse(crashed.isAlive());
        assertTrue(TribunalProcess.isPostmasterOf(orphan, pgDir),
                "After kill -9 of the JVM its PostgreSQL (pid " + orphan + ") is expected to keep running");

        TribunalProcess next = start(workDir).waitUntilReady(Duration.ofSeconds(90));
        assertLogContains(next, "Found a PostgreSQL server (pid " + orphan + ") left running on " + pgDir);
        assertTrue(awaitDeath(orphan, Duration.ofSeconds(10)),
                "The orphaned PostgreSQL (pid " + orphan + ") should have been stopped" + next.logTailMessage());
        long newPostmaster = TribunalProcess.postmasterPid(pgDir)
                .orElseGet(() -> fail("No postmaster.pid in " + pgDir + " after the restart" + next.logTailMessage()));
        assertNotEquals(orphan, newPostmaster, "A fresh PostgreSQL should run on " + pgDir);

        JsonPath trace = getTrace(next, traceId);
        assertEquals(traceId, trace.getString("trace_id"));
        assertTrue(trace.getList("assessments.assessment_id", String.class).contains(assessmentId),
                "The assessment logged before the kill -9 should still be there: " + trace.prettify());

        String laterTraceId = uniqueTraceId();
        ingest(next, laterTraceId);
        logAssessment(next, laterTraceId);
        assertEquals(laterTraceId, getTrace(next, laterTraceId).getString("trace_id"));

        assertGracefulStop(next, pgDir);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void secondProcessOnTheSameDataDirIsRefusedClearly() throws IOException {
        Path workDir = newWorkDir("twice");
        Path pgDir = pgDir(workDir);

        TribunalProcess owner = start(workDir).waitUntilReady();
        String traceId = uniqueTraceId();
        ingest(owner, traceId);
        long postmaster = TribunalProcess.postmasterPid(pgDir)
                .orElseGet(() -> fail("No postmaster.pid in " + pgDir + " while Tribunal runs" + owner.logTailMessage()));

        TribunalProcess intruder = start(workDir);
        assertNotEquals(owner.httpPort(), intruder.httpPort());
        assertTrue(intruder.waitForExit(Duration.ofSeconds(60)),
                "A second Tribunal on the same data directory should give up, but it still runs" + intruder.logTailMessage());
        assertNotEquals(0, intruder.exitValue(), "The refused second process should exit non-zero" + intruder.logTailMessage());
        assertLogContains(intruder, "is in use by another running Tribunal process");

        assertTrue(owner.isAlive(), "The first Tribunal should keep running" + owner.logTailMessage());
        assertTrue(TribunalProcess.isPostmasterOf(postmaster, pgDir),
                "The first Tribunal's PostgreSQL (pid " + postmaster + ") should be left alone" + intruder.logTailMessage());
        assertEquals(traceId, getTrace(owner, traceId).getString("trace_id"));
        String laterTraceId = uniqueTraceId();
        ingest(owner, laterTraceId);
        logAssessment(owner, laterTraceId);

        assertGracefulStop(owner, pgDir);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private Path newWorkDir(String name) throws IOException {
        // real path: the application logs its data directory as resolved from its own working directory
        Path dir = Files.createDirectories(tempDir.resolve(name)).toRealPath();
        pgDirs.add(pgDir(dir));
        return dir;
    }

    private static Path pgDir(Path workDir) {
        return workDir.resolve("data").resolve("postgres");
    }

    private TribunalProcess start(Path workDir) {
        TribunalProcess process = TribunalProcess.start(workDir, Map.of());
        processes.add(process);
        return process;
    }

    private static void assertGracefulStop(TribunalProcess process, Path pgDir) {
        Optional<Long> postmaster = TribunalProcess.postmasterPid(pgDir);
        int exitCode = process.stop();
        assertTrue(exitCode == 0 || exitCode == 143, "exit code after SIGTERM was " + exitCode + process.logTailMessage());
        postmaster.ifPresent(pid -> assertTrue(awaitDeath(pid, Duration.ofSeconds(20)),
                "PostgreSQL (pid " + pid + ") should stop with Tribunal" + process.logTailMessage()));
        TribunalProcess.assertNoPostmasterRunning(pgDir, "after a clean stop");
    }

    static String uniqueTraceId() {
        return "tr-it-" + UUID.randomUUID();
    }

    static void ingest(TribunalProcess app, String traceId) throws IOException {
        HttpResponse<String> response = app.postJson("/api/traces", """
                {"traces":[{"trace_id":"%s","inputs":{"q":"hi"},"outputs":"hello","tags":{"env":"test"}}]}
                """.formatted(traceId));
        assertEquals(200, response.statusCode(), "POST /api/traces answered " + response.body() + app.logTailMessage());
        JsonPath body = JsonPath.from(response.body());
        assertEquals(List.of(traceId), body.getList("created", String.class),
                "the trace should be new: " + response.body() + app.logTailMessage());
    }

    static String logAssessment(TribunalProcess app, String traceId) throws IOException {
        HttpResponse<String> response = app.postJson("/api/3.0/mlflow/traces/" + traceId + "/assessments", """
                {"assessment":{"assessment_name":"correctness","feedback":{"value":"yes"}}}
                """);
        assertEquals(200, response.statusCode(), "logging an assessment answered " + response.body() + app.logTailMessage());
        String id = JsonPath.from(response.body()).getString("assessment.assessment_id");
        assertTrue(id != null && id.startsWith("a-"), "unexpected assessment_id in " + response.body());
        return id;
    }

    static JsonPath getTrace(TribunalProcess app, String traceId) throws IOException {
        HttpResponse<String> response = app.get("/api/traces/" + traceId);
        assertEquals(200, response.statusCode(),
                "GET /api/traces/" + traceId + " answered " + response.body() + app.logTailMessage());
        return JsonPath.from(response.body());
    }

    static void assertLogContains(TribunalProcess app, String text) {
        assertTrue(app.awaitLog(text, Duration.ofSeconds(5)),
                "The log should contain \"" + text + "\"" + app.logTailMessage());
    }

    static boolean awaitDeath(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (TribunalProcess.isAlive(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
