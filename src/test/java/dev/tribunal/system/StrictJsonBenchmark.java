package dev.tribunal.system;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tribunal.trace.TraceRequests.TraceBatchRequest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What strict reading costs on a body at the size limit: a 10 MB {@code POST /api/traces} body (text with accents and
 * emoji, nested inputs, tags, spans) read into its records as the server reads it, from a stream, by a mapper set up
 * as the application did before the strict checks and by one with them ({@link StrictJsonCustomizer}), and the text
 * check ({@link StrictJsonInput}) alone. Prints the median and the fastest of {@code -Dbench.rounds} (default 15) rounds
 * after as many to warm up; asserts only that both read the same traces.
 * <p>
 * Run with {@code ./mvnw -B -ntp test -Dtest=StrictJsonBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class StrictJsonBenchmark {

    private static final int ROUNDS = Integer.getInteger("bench.rounds", 15);

    private static JsonMapper asTheServer() {
        return JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
                .build();
    }

    /** As the server read bodies before the strict checks: nesting, trailing tokens, no coercion between scalars. */
    private static ObjectMapper asBefore() {
        ObjectMapper mapper = asTheServer();
        mapper.getFactory().setStreamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                .maxNestingDepth(StrictJsonCustomizer.MAX_NESTING).build());
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        for (LogicalType scalar : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            mapper.coercionConfigFor(scalar)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        return mapper;
    }

    private static byte[] body(int size) {
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; body.length() < size; i++) {
            body.append(i == 0 ? "" : ",").append("""
                    {"trace_id": "tr-bench-%d", "inputs": {"question": "Qu'est-ce que MLflow ? 😀 %d", "history": [1, 2.5, true]},
                     "outputs": "An open-source platform for the machine learning lifecycle, from experiments to deployment.",
                     "tags": {"env": "prod", "team": "ml-platform"}, "metadata": {"user": "u-%d"}, "execution_duration_ms": 1234,
                     "request_time": "2026-11-25T10:00:00Z",
                     "spans": [{"span_id": "s-%d", "name": "llm", "span_type": "LLM", "inputs": {"prompt": "Réponds brièvement."},
                                "outputs": {"text": "Une plateforme."}, "attributes": {"tokens": 42}}]}""".formatted(i, i, i % 100, i));
        }
        return body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static long medianMs(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1_000_000;
    }

    private static long minMs(long[] nanos) {
        return Arrays.stream(nanos).min().orElse(0) / 1_000_000;
    }

    @Test
    void readingA10MbBodyStrictly() throws Exception {
        byte[] body = body(10 * 1024 * 1024 - 4096);
        ObjectMapper before = asBefore();
        ObjectMapper after = asTheServer();
        new StrictJsonCustomizer().customize(after);
        long[] lenient = new long[ROUNDS];
        long[] strict = new long[ROUNDS];
        long[] check = new long[ROUNDS];
        for (int round = -ROUNDS; round < ROUNDS; round++) {
            long start = System.nanoTime();
            TraceBatchRequest a = before.readValue(new ByteArrayInputStream(body), TraceBatchRequest.class);
            long read = System.nanoTime();
            TraceBatchRequest b = after.readValue(new ByteArrayInputStream(body), TraceBatchRequest.class);
            long readStrictly = System.nanoTime();
            StrictJsonInput.check(body, 0, body.length);
            long checked = System.nanoTime();
            assertEquals(a.traces().size(), b.traces().size());
            if (round >= 0) {
                lenient[round] = read - start;
                strict[round] = readStrictly - read;
                check[round] = checked - readStrictly;
            }
        }
        System.out.printf("A %.1f MB body of traces, median (fastest) of %d rounds: read as before %d ms (%d), read strictly %d ms (%d), "
                        + "the text check alone %d ms (%d)%n", body.length / 1024.0 / 1024.0, ROUNDS, medianMs(lenient), minMs(lenient),
                medianMs(strict), minMs(strict), medianMs(check), minMs(check));
    }
}
