package dev.tribunal.system;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many gzip exports at once, each about 1 MB on the wire and 31 MB once inflated (under
 * {@code tribunal.otlp.max-uncompressed-size}), sent to a process with a small heap: those the memory for bodies in
 * flight cannot hold are told to come back (503 with Retry-After), none fails, the heap holds, and the process serves
 * on, taking the same export when it comes alone.
 */
class BodyMemoryIT {

    private static final int PARALLEL = 48;
    private static final int INFLATED = 31 << 20;

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
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void parallelGzipExportsAreHeldToTheBudgetAndTheHeapHolds() throws Exception {
        tribunal = TribunalProcess.start(tempDir.resolve("tribunal"), Map.of(), "-Xmx256m").waitUntilReady();
        byte[] bomb = gzip(export());
        assertTrue(bomb.length > 900_000 && bomb.length < 1_500_000, "about 1 MB on the wire: " + bomb.length);

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
        for (int i = 0; i < PARALLEL; i++) {
            answers.add(client.sendAsync(request(bomb), HttpResponse.BodyHandlers.ofByteArray()));
        }
        List<String> outcomes = new ArrayList<>();
        int refused = 0;
        for (CompletableFuture<HttpResponse<byte[]>> answer : answers) {
            try {
                HttpResponse<byte[]> response = answer.get(3, TimeUnit.MINUTES);
                outcomes.add(Integer.toString(response.statusCode()));
                if (response.statusCode() == 503) {
                    refused++;
                    assertTrue(response.headers().firstValue("Retry-After").isPresent(), "a 503 says when to come back");
                    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(response.body());
                    assertEquals(com.google.rpc.Code.UNAVAILABLE_VALUE, status.getCode(), status.toString());
                }
            } catch (java.util.concurrent.ExecutionException e) {
                outcomes.add(e.getCause().getClass().getSimpleName());
            }
        }
        System.out.println(PARALLEL + " exports of " + bomb.length + " bytes (" + INFLATED + " inflated), answers: " + outcomes);
        String log = tribunal.log();
        assertFalse(log.contains("OutOfMemoryError"), "the heap held: " + outcomes + tribunal.logTailMessage());
        assertTrue(outcomes.stream().allMatch(outcome -> outcome.equals("200") || outcome.equals("503")),
                "every export is stored or told to come back: " + outcomes + tribunal.logTailMessage());
        assertTrue(refused > 0, "more than the budget holds is refused: " + outcomes);

        assertEquals(200, tribunal.get("/q/health").statusCode(), tribunal.logTailMessage());
        HttpResponse<byte[]> alone = client.send(request(bomb), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, alone.statusCode(), "the same export alone is taken" + tribunal.logTailMessage());
        assertFalse(tribunal.log().contains("OutOfMemoryError"), tribunal.logTailMessage());
    }

    private HttpRequest request(byte[] body) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + tribunal.httpPort() + "/v1/traces"))
                .timeout(Duration.ofMinutes(3))
                .header("Authorization", "Bearer " + TribunalProcess.ADMIN_KEY)
                .header("Content-Type", "application/x-protobuf")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    /** One span whose output is 31 MB of text: a letter every 40 characters, so that gzip makes about 1 MB of it. */
    private static byte[] export() {
        byte[] text = new byte[INFLATED];
        Random random = new Random(42);
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) (i % 40 == 0 ? 'a' + random.nextInt(26) : ' ');
        }
        byte[] traceId = new byte[16];
        byte[] spanId = new byte[8];
        random.nextBytes(traceId);
        random.nextBytes(spanId);
        Span span = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(spanId)).setName("large")
                .setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_001_000_000_000L)
                .addAttributes(KeyValue.newBuilder().setKey("output.value").setValue(AnyValue.newBuilder().setStringValueBytes(ByteString.copyFrom(text))))
                .build();
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
                .build().toByteArray();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }
}
