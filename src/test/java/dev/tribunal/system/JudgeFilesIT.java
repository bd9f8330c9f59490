package dev.tribunal.system;

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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built application with judge files: the shipped ones serve; a bad one stops the start, saying where. */
class JudgeFilesIT {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempDir;

    private final List<TribunalProcess> processes = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        processes.forEach(TribunalProcess::close);
        processes.forEach(p -> TribunalProcess.killPostmaster(p.workDir().resolve("data").resolve("postgres")));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void badJudgeFileStopsTheStartWithFileAndLine() throws IOException {
        Path judges = Files.createDirectories(tempDir.resolve("judges"));
        Files.writeString(judges.resolve("good.yaml"), """
                name: good
                model: openai:/gpt-4o-mini
                instructions: "Is {{ outputs }} polite?"
                output: {type: boolean}
                """);
        Files.writeString(judges.resolve("bad.yaml"), """
                name: bad
                model: openai:/gpt-4o-mini
                instructions: "Is {{ output }} polite?"
                output: {type: boolean}
                temperature: 0
                """);
        Path workDir = Files.createDirectories(tempDir.resolve("bad-start")).toRealPath();
        TribunalProcess app = TribunalProcess.start(workDir, Map.of("TRIBUNAL_JUDGES_DIR", judges.toString()));
        processes.add(app);

        assertTrue(app.waitForExit(Duration.ofSeconds(90)), "Tribunal should refuse to start" + app.logTailMessage());
        assertNotEquals(0, app.exitValue(), "exit code" + app.logTailMessage());
        String log = app.log();
        assertTrue(log.contains("Invalid judge definitions in"), app.logTailMessage());
        assertTrue(log.contains("bad.yaml:3: unknown template variable '{{ output }}'"), app.logTailMessage());
        assertTrue(log.contains("bad.yaml:5: unknown key 'temperature'"), app.logTailMessage());
        TribunalProcess.assertNoPostmasterRunning(workDir.resolve("data").resolve("postgres"), "after a refused start");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void badSweepFileStopsTheStartWithFileAndLine() throws IOException {
        Path judges = Files.createDirectories(tempDir.resolve("judges-with-sweeps"));
        Files.writeString(judges.resolve("good.yaml"), """
                name: good
                kind: code
                scorer: json_valid
                """);
        Path sweeps = Files.createDirectories(judges.resolve("sweeps"));
        Files.writeString(sweeps.resolve("nightly.yaml"), """
                name: nightly
                judges: [good, missing]
                schedule: every 10m
                """);
        Path workDir = Files.createDirectories(tempDir.resolve("bad-sweep")).toRealPath();
        TribunalProcess app = TribunalProcess.start(workDir, Map.of("TRIBUNAL_JUDGES_DIR", judges.toString()));
        processes.add(app);
        assertTrue(app.waitForExit(Duration.ofSeconds(90)), "Tribunal should refuse to start" + app.logTailMessage());
        assertNotEquals(0, app.exitValue(), "exit code" + app.logTailMessage());
        assertTrue(app.log().contains("Invalid sweep definitions in"), app.logTailMessage());
        assertTrue(app.log().contains("nightly.yaml:2: no judge named 'missing'"), app.logTailMessage());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shippedJudgesAreServed() throws IOException {
        Path shipped = Path.of("judges").toAbsolutePath();
        Path workDir = Files.createDirectories(tempDir.resolve("shipped")).toRealPath();
        TribunalProcess app = TribunalProcess.start(workDir, Map.of("TRIBUNAL_JUDGES_DIR", shipped.toString())).waitUntilReady();
        processes.add(app);
        HttpResponse<String> judges = app.get("/api/judges");
        assertEquals(200, judges.statusCode());
        for (String name : List.of("correctness", "relevance", "groundedness", "safety", "guideline_adherence",
                "exact_match", "semantic_similarity", "helpfulness", "preference")) {
            assertTrue(judges.body().contains("\"name\":\"" + name + "\""), name + " in " + judges.body());
        }
        assertTrue(app.log().contains("Loaded 9 judges from " + shipped), app.logTailMessage());
        app.stop();
    }
}
