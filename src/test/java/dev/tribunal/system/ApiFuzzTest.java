package dev.tribunal.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Property: whatever JSON a client sends to the trace ingest and to MLflow's assessment API, the answer is never a
 * 5xx, and a refused request writes nothing. Checked over seeded random mutations of valid bodies: a value
 * replaced by one of another type or an odd one (huge numbers, NUL characters, deep nesting, long text), a field
 * dropped or added.
 */
@QuarkusTest
class ApiFuzzTest {

    private static final int CASES = 150;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    private long rows() {
        return pool.query("select (select count(*) from trace) + (select count(*) from span) + (select count(*) from assessment)")
                .execute().await().indefinitely().iterator().next().getLong(0);
    }

    private static JsonNode odd(Random random) {
        return switch (random.nextInt(14)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.numberNode(random.nextLong());
            case 2 -> NODES.numberNode(new java.math.BigDecimal("1e400"));
            case 3 -> NODES.numberNode(-1);
            case 4 -> NODES.booleanNode(random.nextBoolean());
            case 5 -> NODES.textNode("");
            case 6 -> NODES.textNode("a\u0000b");
            case 7 -> NODES.textNode("x".repeat(300 + random.nextInt(5000)));
            case 8 -> NODES.textNode("é😀\uFFFF" + random.nextInt());
            case 9 -> NODES.arrayNode().add(1).add("two");
            case 10 -> NODES.objectNode().put("k", "v");
            case 11 -> {
                JsonNode deep = NODES.textNode("bottom");
                for (int i = 0; i < 20 + random.nextInt(60); i++) {
                    deep = NODES.arrayNode().add(deep);
                }
                yield deep;
            }
            case 12 -> NODES.textNode("2026-13-45T99:99:99Z");
            default -> NODES.textNode("tr-" + random.nextInt(1000));
        };
    }

    /** Every container node of a tree, the root included. */
    private static void containers(JsonNode node, List<JsonNode> into) {
        if (node.isContainerNode()) {
            into.add(node);
            node.forEach(child -> containers(child, into));
        }
    }

    private static JsonNode mutate(JsonNode valid, Random random) {
        JsonNode body = valid.deepCopy();
        int changes = 1 + random.nextInt(3);
        for (int c = 0; c < changes; c++) {
            List<JsonNode> all = new ArrayList<>();
            containers(body, all);
            JsonNode target = all.get(random.nextInt(all.size()));
            if (target instanceof ObjectNode object && object.size() > 0) {
                List<String> names = new ArrayList<>();
                object.fieldNames().forEachRemaining(names::add);
                String name = names.get(random.nextInt(names.size()));
                switch (random.nextInt(4)) {
                    case 0 -> object.remove(name);
                    case 1 -> object.set("unknown_" + random.nextInt(5), odd(random));
                    default -> object.set(name, odd(random));
                }
            } else if (target instanceof ArrayNode array && array.size() > 0) {
                int index = random.nextInt(array.size());
                if (random.nextBoolean()) {
                    array.set(index, odd(random));
                } else {
                    array.add(array.get(index).deepCopy());
                }
            }
        }
        return body;
    }

    private void check(String what, String path, JsonNode valid, long seed) throws Exception {
        Random random = new Random(seed);
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            String body = MAPPER.writeValueAsString(mutate(valid, random));
            long before = rows();
            Response response = given().contentType(ContentType.JSON).body(body).post(path);
            int status = response.statusCode();
            if (status >= 500) {
                fail(what + " case " + i + ": " + status + " " + response.asString() + "\n--- body ---\n" + abbreviate(body));
            }
            if (status >= 400) {
                refused++;
                assertEquals(before, rows(), what + " case " + i + " was refused (" + status + ") but wrote rows\n" + abbreviate(body));
                assertTrue(response.asString().contains("error_code"), "a refusal says why: " + response.asString());
            } else {
                accepted++;
            }
        }
        assertTrue(accepted > 0 && refused > 0, what + ": the mutations reach both outcomes: " + accepted + " accepted, " + refused + " refused");
    }

    private static String abbreviate(String text) {
        return text.length() <= 2000 ? text : text.substring(0, 2000) + "...";
    }

    @Test
    void traceIngestNeverFailsAndWritesNothingWhenItRefuses() throws Exception {
        JsonNode valid = MAPPER.readTree("""
                {"traces": [{"trace_id": "tr-fuzz-%s", "inputs": {"question": "q"}, "outputs": "a",
                  "request_time": "2026-11-25T10:00:00Z", "execution_duration_ms": 12, "state": "OK",
                  "tags": {"env": "fuzz"}, "metadata": {"k": "v"},
                  "expectations": {"expected_response": "a"},
                  "spans": [{"span_id": "s1", "name": "root", "span_type": "CHAIN", "status": "OK",
                             "start_time": "2026-11-25T10:00:00Z", "end_time": "2026-11-25T10:00:01Z",
                             "inputs": {"q": 1}, "outputs": [1, 2], "attributes": {"a": "b"}}]}]}
                """.formatted(UUID.randomUUID()));
        // ids must differ between cases that are accepted: each case gets its own
        check("trace ingest", "/api/traces", valid, 11L);
    }

    @Test
    void assessmentJsonNeverFailsAndWritesNothingWhenItRefuses() throws Exception {
        String trace = "tr-fuzz-a-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body(Map.of("traces", List.of(Map.of("trace_id", trace, "inputs", "q"))))
                .post("/api/traces").then().statusCode(200);
        JsonNode valid = MAPPER.readTree("""
                {"assessment": {"assessment_name": "correctness", "trace_id": "%s",
                  "source": {"source_type": "LLM_JUDGE", "source_id": "openai:/gpt-4o-mini"},
                  "feedback": {"value": "yes"}, "rationale": "because", "metadata": {"k": "v"},
                  "create_time": "2026-11-25T10:00:00Z"}}
                """.formatted(trace));
        check("assessment", "/api/3.0/mlflow/traces/" + trace + "/assessments", valid, 12L);
    }
}
