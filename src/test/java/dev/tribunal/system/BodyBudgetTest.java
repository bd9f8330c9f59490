package dev.tribunal.system;

import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.tribunal.TestData;
import dev.tribunal.TestSecurity;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Request bodies in flight share one budget of memory, on every endpoint that takes a body: what does not fit is told
 * to come back (503 with Retry-After, in the path's own error format), nothing fails, one body alone always passes,
 * and every request, also one whose client went away, gives its share back.
 */
@QuarkusTest
@TestProfile(BodyBudgetTest.SmallBodyBudget.class)
class BodyBudgetTest {

    /** 6 MB for bodies in flight: a few large bodies at once, not the many a test can send. */
    public static class SmallBodyBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tribunal.http.max-body-bytes-in-flight", "6M");
        }
    }

    private static final int MB = 1 << 20;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aBodyThatDoesNotFitIsToldToComeBackInItsPathsFormat() throws Exception {
        String held = TestData.uniqueTraceId();
        try (Socket holder = startRequest("/api/traces", 5_000_000, 1000)) {
            awaitInFlight(5_000_000);

            Response traces = given().contentType(ContentType.JSON).body(traceJson(TestData.uniqueTraceId(), 2 * MB)).post("/api/traces");
            assertEquals(503, traces.statusCode(), traces.asString());
            assertEquals("1", traces.header("Retry-After"));
            assertEquals("application/problem+json", traces.contentType());
            assertEquals("TEMPORARILY_UNAVAILABLE", traces.jsonPath().getString("error_code"));
            assertTrue(traces.jsonPath().getString("detail").contains("tribunal.http.max-body-bytes-in-flight"), traces.asString());

            Response otlp = given().contentType("application/x-protobuf").body(export(TestData.uniqueTraceId(), 2 * MB)).post("/v1/traces");
            assertEquals(503, otlp.statusCode());
            assertEquals("1", otlp.header("Retry-After"));
            assertEquals("application/x-protobuf", otlp.contentType());
            Status status = Status.parseFrom(otlp.asByteArray());
            assertEquals(Code.UNAVAILABLE_VALUE, status.getCode());
            assertTrue(status.getMessage().contains("tribunal.http.max-body-bytes-in-flight"), status.getMessage());

            Response mlflow = given().contentType(ContentType.JSON).body("{\"assessment\": {\"rationale\": \"" + "x".repeat(2 * MB) + "\"}}")
                    .post("/api/3.0/mlflow/traces/" + held + "/assessments");
            assertEquals(503, mlflow.statusCode());
            assertEquals("1", mlflow.header("Retry-After"));
            assertEquals("TEMPORARILY_UNAVAILABLE", mlflow.jsonPath().getString("error_code"));
            assertTrue(mlflow.jsonPath().getString("message").contains("tribunal.http.max-body-bytes-in-flight"), mlflow.asString());

            // gzip bodies whose trailer understates what they inflate to: reserved step by step as they inflate, in
            // both encodings, until the budget is spent
            byte[] protobuf = export(TestData.uniqueTraceId(), 2 * MB);
            byte[] json = ("{\"resourceSpans\": [{\"resource\": {\"attributes\": [{\"key\": \"note\", \"value\": {\"stringValue\": \""
                    + "w".repeat(2 * MB) + "\"}}]}}]}").getBytes(StandardCharsets.UTF_8);
            for (var understated : Map.of("application/x-protobuf", protobuf, "application/json", json).entrySet()) {
                byte[] body = understated.getValue();
                byte[] twoMembers = concat(gzip(Arrays.copyOf(body, body.length - 10)), gzip(Arrays.copyOfRange(body, body.length - 10, body.length)));
                Response refused = given().contentType(understated.getKey()).header("Content-Encoding", "gzip").body(twoMembers).post("/v1/traces");
                assertEquals(503, refused.statusCode(), understated.getKey() + ": " + refused.asString());
                assertEquals("1", refused.header("Retry-After"));
                assertEquals(understated.getKey(), refused.contentType());
            }

            // a body without a length may be as large as the HTTP layer allows: it waits for that much room
            assertEquals(503, chunkedStatus("/api/traces", traceJson(TestData.uniqueTraceId(), 10)));

            given().contentType(ContentType.JSON).body(traceJson(TestData.uniqueTraceId(), 1000)).post("/api/traces")
                    .then().statusCode(200);
            given().get("/api/traces?max_results=1").then().statusCode(200);
        }
        awaitInFlight(0);
        given().contentType(ContentType.JSON).body(traceJson(TestData.uniqueTraceId(), 2 * MB)).post("/api/traces")
                .then().statusCode(200);
        assertEquals(200, chunkedStatus("/api/traces", traceJson(TestData.uniqueTraceId(), 10)));
    }

    @Test
    void parallelGzipExportsShareTheBudget() throws Exception {
        List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            answers.add(HTTP.sendAsync(post("/v1/traces", "application/x-protobuf", gzip(export(TestData.uniqueTraceId(), 5 * MB)), true),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<byte[]>> answer : answers) {
            HttpResponse<byte[]> response = answer.get(2, TimeUnit.MINUTES);
            statuses.add(response.statusCode());
            if (response.statusCode() == 503) {
                assertEquals("1", response.headers().firstValue("Retry-After").orElse(null));
                assertEquals("application/x-protobuf", response.headers().firstValue("Content-Type").orElse(null));
                Status status = Status.parseFrom(response.body());
                assertEquals(Code.UNAVAILABLE_VALUE, status.getCode());
                assertTrue(status.getMessage().contains("tribunal.http.max-body-bytes-in-flight"), status.getMessage());
            }
        }
        assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 503), statuses.toString());
        assertTrue(statuses.contains(503), "two exports of 5 MB once inflated do not fit in 6 MB at once: " + statuses);
        assertTrue(statuses.contains(200), "what fits is taken: " + statuses);
        awaitInFlight(0);

        // alone, an export larger than the whole budget once inflated still passes
        HttpResponse<byte[]> alone = HTTP.send(post("/v1/traces", "application/x-protobuf", gzip(export(TestData.uniqueTraceId(), 8 * MB)), true),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, alone.statusCode());
        awaitInFlight(0);
    }

    @Test
    void parallelLargeJsonBodiesShareTheBudget() throws Exception {
        List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            answers.add(HTTP.sendAsync(post("/api/traces", "application/json", traceJson(TestData.uniqueTraceId(), 3 * MB / 2).getBytes(StandardCharsets.UTF_8), false),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<byte[]>> answer : answers) {
            HttpResponse<byte[]> response = answer.get(2, TimeUnit.MINUTES);
            statuses.add(response.statusCode());
            if (response.statusCode() == 503) {
                assertEquals("1", response.headers().firstValue("Retry-After").orElse(null));
                assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(null));
                assertTrue(new String(response.body(), StandardCharsets.UTF_8).contains("\"error_code\":\"TEMPORARILY_UNAVAILABLE\""));
            }
        }
        assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 503), statuses.toString());
        assertTrue(statuses.contains(503), "twelve bodies of 1.5 MB do not fit in 6 MB at once: " + statuses);
        assertTrue(statuses.contains(200), "what fits is taken: " + statuses);
        awaitInFlight(0);
    }

    @Test
    void everyRequestGivesItsShareBackAlsoWhenItsClientGoesAway() throws Exception {
        String small = traceJson(TestData.uniqueTraceId(), 100);
        byte[] brokenGzip = Arrays.copyOf(gzip(export(TestData.uniqueTraceId(), MB)), 2000);
        for (int round = 0; round < 10; round++) {
            given().contentType(ContentType.JSON).body(traceJson(TestData.uniqueTraceId(), 1000)).post("/api/traces").then().statusCode(200);
            given().header("Authorization", "Bearer not-a-key").contentType(ContentType.JSON).body(small).post("/api/traces")
                    .then().statusCode(401);
            given().contentType(ContentType.JSON).body("{\"traces\": [").post("/api/traces").then().statusCode(400);
            given().contentType("application/x-protobuf").header("Content-Encoding", "gzip").body(brokenGzip).post("/v1/traces")
                    .then().statusCode(400);
            // a chunked body reserves the most a body may be, which passes only alone: the requests above give their
            // shares back once their answers have gone, which may be just after their clients read them
            awaitInFlight(0);
            assertEquals(200, chunkedStatus("/api/traces", traceJson(TestData.uniqueTraceId(), 100)));
            assertEquals(413, startRequestAndReadStatus("/api/traces", 11 * MB, 0), "over max-body-size, refused before reserving");

            // clients that go away: mid-body with a reset and with a close, and after the whole body, before the answer
            try (Socket reset = startRequest("/api/traces", 3 * MB, 1000)) {
                awaitInFlight(3 * MB);
                reset.setSoLinger(true, 0);
            }
            try (Socket closed = startRequest("/v1/traces", 2 * MB, 5000)) {
                awaitInFlight(2 * MB);
            }
            byte[] whole = gzip(export(TestData.uniqueTraceId(), 4 * MB));
            try (Socket gone = startRequest("/v1/traces", whole.length, 0, "Content-Encoding: gzip\r\nContent-Type: application/x-protobuf\r\n")) {
                gone.getOutputStream().write(whole);
                gone.getOutputStream().flush();
            }
            awaitInFlight(0);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static String traceJson(String traceId, int outputChars) {
        return "{\"traces\": [{\"trace_id\": \"" + traceId + "\", \"inputs\": \"q\", \"outputs\": \"" + "y".repeat(outputChars) + "\"}]}";
    }

    /** An export of one span whose output is {@code chars} characters: highly compressible. */
    private static byte[] export(String traceId, int chars) {
        byte[] spanId = new byte[8];
        new Random().nextBytes(spanId);
        spanId[0] |= 1;
        Span span = Span.newBuilder()
                .setTraceId(ByteString.fromHex(traceId.substring(3)))
                .setSpanId(ByteString.copyFrom(spanId))
                .setName("large").setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_001_000_000_000L)
                .addAttributes(KeyValue.newBuilder().setKey("output.value").setValue(AnyValue.newBuilder().setStringValue("z".repeat(chars))))
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

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static URI uri(String path) {
        return URI.create(RestAssured.baseURI + ":" + RestAssured.port + path);
    }

    private static HttpRequest post(String path, String contentType, byte[] body, boolean gzip) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + TestSecurity.ADMIN_KEY)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (gzip) {
            request.header("Content-Encoding", "gzip");
        }
        return request.build();
    }

    /** A POST that declares {@code length} bytes and sends the first {@code sent} of them, then waits. */
    private static Socket startRequest(String path, long length, int sent) throws IOException {
        return startRequest(path, length, sent, "Content-Type: application/json\r\n");
    }

    private static Socket startRequest(String path, long length, int sent, String headers) throws IOException {
        Socket socket = new Socket(uri(path).getHost(), RestAssured.port);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestSecurity.ADMIN_KEY + "\r\n" + headers
                + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[sent]);
        out.flush();
        return socket;
    }

    private static int startRequestAndReadStatus(String path, long length, int sent) throws IOException {
        try (Socket socket = startRequest(path, length, sent)) {
            return status(socket);
        }
    }

    /** A POST whose body is sent in chunks, without Content-Length; its answer's status. */
    private static int chunkedStatus(String path, String json) throws IOException {
        try (Socket socket = new Socket(uri(path).getHost(), RestAssured.port)) {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestSecurity.ADMIN_KEY
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return status(socket);
        }
    }

    private static int status(Socket socket) throws IOException {
        socket.setSoTimeout(30_000);
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) {
            line.append((char) c);
        }
        String[] parts = line.toString().split(" ");
        if (parts.length < 2) {
            fail("no status line: '" + line + "'");
        }
        return Integer.parseInt(parts[1]);
    }

    /** Waits until the bytes of bodies in flight, as the metrics show them, are {@code expected}. */
    private static void awaitInFlight(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        double current = Double.NaN;
        while (System.nanoTime() < deadline) {
            current = given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                    .filter(line -> line.startsWith("tribunal_http_body_bytes_in_flight "))
                    .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .findFirst().orElse(Double.NaN);
            if (current == expected) {
                return;
            }
            Thread.sleep(50);
        }
        fail("bytes of bodies in flight: expected " + expected + ", found " + current);
    }
}
