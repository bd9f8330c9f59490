package dev.tribunal.otlp;

import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One OTLP export at the documented limits: more spans than PostgreSQL takes parameters, within the 32M decompressed. */
@QuarkusTest
@io.quarkus.test.junit.TestProfile(dev.tribunal.LargeData.class)
class OtlpLimitsTest {

    @TestHTTPResource("/v1/traces")
    URL endpoint;

    @Inject
    Pool pool;

    @Test
    void anExportOfSeventyThousandSpansIsStoredWhole() throws Exception {
        String prefix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        int traces = 1000;
        int spansPerTrace = 70;
        StringBuilder json = new StringBuilder("{\"resourceSpans\": [{\"resource\": {\"attributes\": [{\"key\": \"service.name\", "
                + "\"value\": {\"stringValue\": \"bulk-" + prefix + "\"}}]}, \"scopeSpans\": [{\"scope\": {\"name\": \"bulk\"}, \"spans\": [");
        long start = System.currentTimeMillis() * 1_000_000L;
        for (int t = 0; t < traces; t++) {
            String traceId = prefix + String.format("%016x", t);
            for (int s = 0; s < spansPerTrace; s++) {
                json.append(t == 0 && s == 0 ? "" : ",").append("{\"traceId\": \"").append(traceId).append("\", \"spanId\": \"")
                        .append(String.format("%016x", s + 1)).append("\"")
                        .append(s == 0 ? "" : ", \"parentSpanId\": \"0000000000000001\"")
                        .append(", \"name\": \"step ").append(s).append("\", \"kind\": 1, \"startTimeUnixNano\": \"").append(start + s)
                        .append("\", \"endTimeUnixNano\": \"").append(start + s + 1000).append("\", \"attributes\": [{\"key\": \"input.value\", "
                                + "\"value\": {\"stringValue\": \"question ").append(t).append("\"}}]}");
            }
        }
        json.append("]}]}]}");
        byte[] plain = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
            gzip.write(plain);
        }
        assertTrue(plain.length > 10 * 1024 * 1024 && plain.length < 32 * 1024 * 1024, "within 32M once decompressed: " + plain.length);

        long started = System.nanoTime();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(endpoint.toString()))
                .header("Authorization", "Bearer " + TestSecurity.ADMIN_KEY)
                .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                .timeout(Duration.ofMinutes(3))
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        System.out.printf("an OTLP export of %,d spans (%,d bytes, %,d gzipped) stored in %d ms%n", traces * spansPerTrace, plain.length,
                gzipped.size(), (System.nanoTime() - started) / 1_000_000);
        assertEquals(200, response.statusCode(), response.body());
        long spans = pool.preparedQuery("select count(*) from span where trace_id like $1").execute(Tuple.of("tr-" + prefix + "%"))
                .await().indefinitely().iterator().next().getLong(0);
        assertEquals(traces * spansPerTrace, spans);
        long stored = pool.preparedQuery("select count(*) from trace where trace_id like $1 and not awaiting_root")
                .execute(Tuple.of("tr-" + prefix + "%")).await().indefinitely().iterator().next().getLong(0);
        assertEquals(traces, stored);
    }
}
