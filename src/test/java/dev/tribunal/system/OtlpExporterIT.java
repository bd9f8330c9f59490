package dev.tribunal.system;

import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An application run under the OpenTelemetry Java agent, configured with nothing but
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} and its key in {@code OTEL_EXPORTER_OTLP_TRACES_HEADERS}, sends its traces
 * to a running Tribunal.
 */
class OtlpExporterIT {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempDir;

    private TribunalProcess tribunal;

    @AfterEach
    void stop() {
        if (tribunal != null) {
            tribunal.close();
            TribunalProcess.killPostmaster(tempDir.resolve("tribunal").resolve("data").resolve("postgres"));
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void anAppUnderTheJavaAgentWithOnlyTheTracesEndpointAndItsKeySet() throws Exception {
        tribunal = TribunalProcess.start(tempDir.resolve("tribunal"), Map.of()).waitUntilReady();

        String agent = System.getProperty("otel.javaagent.jar", "target/otel/opentelemetry-javaagent.jar");
        assertTrue(Files.isRegularFile(Path.of(agent)), "the agent is copied by the build to " + agent);
        // the application's own classpath: this class and the OpenTelemetry API
        String classpath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> entry.endsWith("test-classes") || entry.matches(".*opentelemetry-(api|context|common)-1[^/]*\\.jar"))
                .collect(Collectors.joining(File.pathSeparator));
        Path output = tempDir.resolve("app.log");
        ProcessBuilder app = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + Path.of(agent).toAbsolutePath(), "-cp", classpath, InstrumentedApp.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        app.environment().keySet().removeIf(name -> name.startsWith("OTEL_"));
        app.environment().put("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://localhost:" + tribunal.httpPort() + "/v1/traces");
        // the key, as OTel exporters send headers (the value URL-encoded)
        app.environment().put("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "Authorization=Bearer%20" + TribunalProcess.ADMIN_KEY);
        Process process = app.start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the instrumented application did not finish:\n" + Files.readString(output));
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);
        String traceId = log.lines().filter(line -> line.startsWith("trace ")).map(line -> "tr-" + line.substring(6).trim())
                .findFirst().orElseThrow(() -> new AssertionError("the application printed no trace id:\n" + log));

        JsonPath trace = awaitTrace(traceId, log);
        assertEquals("OK", trace.getString("state"));
        assertEquals("How do I reset my password?", trace.getString("inputs.question"));
        assertEquals("Open Settings, then Security, then Reset password.", trace.getString("outputs"));
        assertTrue(trace.getString("tags.'service.name'").startsWith("unknown_service"), "the agent's resource is the trace's tags");
        List<Map<String, Object>> spans = trace.getList("spans");
        assertEquals(2, spans.size());
        Map<String, Object> chat = spans.stream().filter(s -> "chat gpt-4o-mini".equals(s.get("name"))).findFirst().orElseThrow();
        assertEquals("CHAT_MODEL", chat.get("span_type"));
        assertEquals(Map.of("input_tokens", 31, "output_tokens", 18, "total_tokens", 49),
                ((Map<?, ?>) chat.get("attributes")).get("tribunal.token_usage"));
    }

    private JsonPath awaitTrace(String traceId, String appLog) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        List<Integer> statuses = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = tribunal.get("/api/traces/" + traceId);
            statuses.add(response.statusCode());
            if (response.statusCode() == 200) {
                JsonPath trace = JsonPath.from(response.body());
                if (trace.getList("spans").size() == 2) {
                    return trace;
                }
            }
            Thread.sleep(200);
        }
        fail("trace " + traceId + " did not arrive (answers " + statuses.stream().distinct().toList() + ");\napplication log:\n" + appLog
                + tribunal.logTailMessage());
        return null;
    }
}
