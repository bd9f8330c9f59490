package dev.tribunal.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tribunal.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Property, over every operation of Tribunal's own OpenAPI document that takes a body or parameters: whatever a
 * client sends, the answer is never a 5xx, every 4xx of the API says why in a JSON body (a problem's {@code detail},
 * MLflow's {@code message}, OTLP's {@code google.rpc.Status}), and a refused request writes no row in any table.
 * <p>
 * Each case is a valid-shaped request built from the operation's schema (with plausible values for the fields the
 * API knows, such as an existing trace id), then mutated: values of another type, huge numbers, fractions for whole
 * numbers, a key sent twice, bytes that are not UTF-8 and lone surrogates (in values and in field names), deep
 * nesting, long text, fields dropped or added, truncated or empty bodies, and odd path and query values. Seeded: a
 * failure names its seed and case, and {@code -Dfuzz.seed=... -Dfuzz.cases=...} replays or widens the search.
 */
@QuarkusTest
class ApiSchemaFuzzTest {

    private static final long SEED = Long.getLong("fuzz.seed", 20261205L);
    private static final int CASES = Integer.getInteger("fuzz.cases", 12);
    /** -Dfuzz.verbose=true prints every request and answer. */
    private static final boolean VERBOSE = Boolean.getBoolean("fuzz.verbose");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Stands for a string (or a field name) whose bytes are replaced once the body is written. */
    private static final String MARK = "FUZZ-MARK";
    /** Stands for the name of a field written before it in the same object: a key sent twice. */
    private static final String DUPLICATE = "FUZZ-DUPLICATE";
    private static final List<byte[]> NOT_UTF8 = List.of(bytes(0xC0, 0xBC), bytes(0xE0, 0x80, 0xBC), bytes(0xED, 0xA0, 0x80),
            bytes(0xF4, 0x90, 0x80, 0x80), bytes(0xFF), bytes(0x80), bytes(0xC3));
    private static final List<String> LONE_SURROGATES = List.of("\\ud800", "\\udc00", "\\ud800\\u0041", "\\udbff\\udbff");
    /** Path and query values, already percent-encoded where they need it. */
    private static final List<String> ODD_PARAMS = List.of("", "%20", "%00", "..%2F..", "a%2Fb", "%ED%A0%80", "%C0%BC", "%FF", "%F0%9F%98%80",
            "%25", "null", "-1", "0", "1.5", "1e3", "99999999999999999999", "true", "maybe", "x".repeat(3000), "%22%7D", "2026-13-45T99:99:99Z",
            "env%3D", "%3D%3D", "tr-%0Anewline");

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @TestHTTPResource("/")
    URL base;

    /** Existing things the plausible values point to. */
    private record Fixtures(String traceId, String assessmentId, String runId) {
    }

    private record Operation(String method, String path, JsonNode spec) {
    }

    /** An answer's status, and what is wrong with it (null when nothing is). */
    private record Outcome(int status, String failure) {
    }

    /** One request as sent: enough to read it back in a failure. */
    private record Case(String method, String url, String contentType, String contentEncoding, byte[] body) {

        String describe() {
            String text = body == null ? "(no body)" : new String(body, StandardCharsets.UTF_8);
            return method + " " + abbreviate(url, 300) + " [" + contentType + (contentEncoding == null ? "" : ", " + contentEncoding) + "] "
                    + abbreviate(text, 600);
        }
    }

    @Test
    void noInputToAnyOperationIsAServerErrorAndRefusalsWriteNothing() throws Exception {
        JsonNode document = MAPPER.readTree(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString());
        started = pool.query("select now()").execute().await().indefinitely().iterator().next().getOffsetDateTime(0);
        Fixtures fixtures = fixtures();
        List<Operation> operations = operations(document);
        assertTrue(operations.size() >= 20, "the document lists the API's operations: " + operations.size());
        List<String> failures = new ArrayList<>();
        Map<String, int[]> outcomes = new TreeMap<>();
        for (Operation operation : operations) {
            Random random = new Random(SEED ^ (operation.method() + " " + operation.path()).hashCode());
            for (int i = 0; i < CASES && failures.size() < 20; i++) {
                Case request = generate(operation, document, fixtures, random);
                Outcome outcome = check(request);
                if (outcome.failure() != null) {
                    failures.add("seed " + SEED + ", " + operation.method() + " " + operation.path() + " case " + i + ": " + outcome.failure()
                            + "\n    " + request.describe());
                }
                outcomes.computeIfAbsent(operation.method() + " " + operation.path(), key -> new int[2])[outcome.status() < 400 ? 0 : 1]++;
            }
        }
        StringBuilder summary = new StringBuilder("Answers per operation (below 400 / refused), seed " + SEED + ":");
        outcomes.forEach((operation, counts) -> summary.append("\n  ").append(operation).append(": ").append(counts[0]).append(" / ").append(counts[1]));
        System.out.println(summary);
        if (!failures.isEmpty()) {
            fail(failures.size() + " failure(s):\n" + String.join("\n", failures));
        }
        // the cases reach past the first check: some requests of the body-taking operations are accepted
        long accepted = outcomes.values().stream().mapToInt(counts -> counts[0]).sum();
        assertTrue(accepted > CASES, "accepted requests " + accepted + " of " + outcomes);
    }

    // ---- the operations -------------------------------------------------------------------------------------------

    private static List<Operation> operations(JsonNode document) {
        List<Operation> operations = new ArrayList<>();
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(method -> {
            JsonNode spec = method.getValue();
            boolean takesInput = spec.has("requestBody") || spec.path("parameters").size() > 0;
            if (takesInput) {
                operations.add(new Operation(method.getKey().toUpperCase(Locale.ROOT), path.getKey(), spec));
            }
        }));
        return operations;
    }

    private Fixtures fixtures() {
        String trace = TestData.ingestTrace(TestData.uniqueTraceId());
        String assessment = TestData.logAssessment(trace, "{\"assessment_name\": \"correctness\", \"feedback\": {\"value\": \"yes\"}}");
        String run = given().contentType("application/json").body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + trace + "\"]}")
                .post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
        return new Fixtures(trace, assessment, run);
    }

    // ---- generating a request -------------------------------------------------------------------------------------

    private static Case generate(Operation operation, JsonNode document, Fixtures fixtures, Random random) {
        String path = operation.path();
        StringBuilder query = new StringBuilder();
        String contentEncoding = null;
        for (JsonNode parameter : operation.spec().path("parameters")) {
            String name = parameter.path("name").asText();
            switch (parameter.path("in").asText()) {
                case "path" -> path = path.replace("{" + name + "}", pathValue(name, operation.path(), fixtures, random));
                case "query" -> {
                    // a page token of this test's own making is always refused: it is sent now and then only
                    int times = name.equals("page_token") ? (random.nextInt(10) == 0 ? 1 : 0)
                            : random.nextInt(10) < 6 ? 1 : random.nextInt(10) < 7 ? 0 : 2;
                    for (int t = 0; t < times; t++) {
                        query.append(query.isEmpty() ? "?" : "&").append(name).append('=').append(queryValue(name, fixtures, random));
                    }
                }
                case "header" -> {
                    if ("Content-Encoding".equalsIgnoreCase(name) && random.nextInt(4) == 0) {
                        contentEncoding = pick(random, "gzip", "identity", "br", "", "gzip, gzip");
                    }
                }
                default -> {
                }
            }
        }
        if (random.nextInt(10) == 0) {
            query.append(query.isEmpty() ? "?" : "&").append(pick(random, ODD_PARAMS)).append('=').append(pick(random, ODD_PARAMS));
        }
        JsonNode content = operation.spec().path("requestBody").path("content");
        String contentType = null;
        byte[] body = null;
        if (content.has("application/json")) {
            contentType = "application/json";
            JsonNode valid = value(content.get("application/json").get("schema"), "", new Context(document, fixtures, random, operation.path()), 0);
            body = mutatedJson(valid, random);
        } else if (content.has("*/*")) {
            // the OTLP endpoint: its JSON encoding mostly, protobuf bytes and other types now and then
            int kind = random.nextInt(10);
            contentType = kind < 8 ? "application/json" : kind == 8 ? "application/x-protobuf" : "text/plain";
            body = kind == 8 ? randomBytes(random) : mutatedJson(otlpExport(random), random);
        } else if (content.has("application/x-www-form-urlencoded")) {
            contentType = "application/x-www-form-urlencoded";
            body = form(content.get("application/x-www-form-urlencoded").path("schema"), random);
        }
        if (body != null && random.nextInt(25) == 0) {
            // a body under another content type than the operation reads
            contentType = pick(random, "text/plain", "application/xml", "application/json; charset=utf-16", "multipart/form-data");
        }
        if (contentEncoding != null && contentEncoding.startsWith("gzip") && body != null && random.nextBoolean()) {
            body = gzip(body, random);
        }
        return new Case(operation.method(), path + query, contentType, contentEncoding, body);
    }

    private static String pathValue(String name, String path, Fixtures fixtures, Random random) {
        if (random.nextInt(10) < 2) {
            return pick(random, ODD_PARAMS);
        }
        return switch (name) {
            case "trace_id" -> random.nextInt(10) == 0 ? TestData.uniqueTraceId() : fixtures.traceId();
            case "assessment_id" -> random.nextInt(10) == 0 ? "a-" + random.nextInt(1000) : fixtures.assessmentId();
            case "run_id" -> random.nextInt(10) == 0 ? "run-" + random.nextInt(1000) : fixtures.runId();
            // a key of this test's own: never one another test signs in with
            case "name" -> path.startsWith("/api/admin/keys") ? "fuzz-" + random.nextInt(50)
                    : path.startsWith("/api/judges") ? pick(random, "exact_match", "correctness", "nope") : pick(random, "off", "nope");
            default -> encode(word(random));
        };
    }

    private static String queryValue(String name, Fixtures fixtures, Random random) {
        if (random.nextInt(10) < 2) {
            return pick(random, ODD_PARAMS);
        }
        return switch (name) {
            case "max_results" -> Integer.toString(1 + random.nextInt(200));
            case "start_time", "end_time" -> pick(random, "2026-11-25T10:00:00Z", "1764064800000", "2026-11-25T10:00:00%2B02:00");
            case "tag" -> pick(random, "env=fuzz", "env=fuzz", "env=fuzz", "env", "a=b=c");
            case "valid", "has_error", "saved" -> pick(random, "true", "false");
            case "trace_id" -> fixtures.traceId();
            case "run_id" -> fixtures.runId();
            case "source_type" -> pick(random, "HUMAN", "LLM_JUDGE", "CODE", "human");
            case "name", "human_feedback", "has_assessment", "lacks_assessment" -> pick(random, "correctness", "relevance");
            case "model" -> pick(random, "fake:/ok", "openai:/gpt-4o-mini", "exact_match");
            case "next" -> pick(random, "/meta-evaluation", "https://elsewhere.example/", "//elsewhere.example");
            default -> encode(word(random));
        };
    }

    /** What a value is generated for: the document's schemas, the fixtures, the operation's path. */
    private record Context(JsonNode document, Fixtures fixtures, Random random, String path) {
    }

    /** A field that a valid-shaped body leaves out. */
    private static final JsonNode OMIT = NODES.missingNode();

    /**
     * A valid-shaped value of a schema. The document names properties as the Java records do (camelCase); the API
     * reads them in snake_case (quarkus.jackson.property-naming-strategy).
     */
    private static JsonNode value(JsonNode schema, String field, Context context, int depth) {
        Random random = context.random();
        if (schema.has("$ref")) {
            String name = schema.get("$ref").asText().substring("#/components/schemas/".length());
            if (name.equals("JsonNode")) {
                return anyJson(random, depth);
            }
            return value(context.document().get("components").get("schemas").get(name), field, context, depth);
        }
        JsonNode hint = random.nextInt(20) == 0 ? null : hint(field, context);
        if (hint != null) {
            return hint;
        }
        if (schema.has("enum")) {
            return schema.get("enum").get(random.nextInt(schema.get("enum").size()));
        }
        switch (schema.path("type").asText("object")) {
            case "string":
                return "date-time".equals(schema.path("format").asText()) ? NODES.textNode("2026-11-25T10:00:0" + random.nextInt(10) + "Z")
                        : NODES.textNode(word(random));
            case "integer":
                return NODES.numberNode(random.nextInt(1000));
            case "number":
                return NODES.numberNode(random.nextDouble());
            case "boolean":
                return NODES.booleanNode(random.nextBoolean());
            case "array": {
                ArrayNode array = NODES.arrayNode();
                for (int i = 0, n = 1 + random.nextInt(2); i < n && depth < 8; i++) {
                    array.add(value(schema.get("items"), field, context, depth + 1));
                }
                return array;
            }
            default: {
                ObjectNode object = NODES.objectNode();
                if (schema.has("additionalProperties")) {
                    object.set(pick(random, "env", "k", "question"), value(schema.get("additionalProperties"), "", context, depth + 1));
                }
                schema.path("properties").fields().forEachRemaining(property -> {
                    String name = snakeCase(property.getKey());
                    JsonNode value = random.nextInt(20) < 19 && depth < 8 ? value(property.getValue(), name, context, depth + 1) : OMIT;
                    if (!value.isMissingNode()) {
                        object.set(name, value);
                    }
                });
                return object;
            }
        }
    }

    /** Plausible values for the fields the API knows, so that many cases get past the first check; null for none. */
    private static JsonNode hint(String field, Context context) {
        Random random = context.random();
        Fixtures fixtures = context.fixtures();
        boolean ingest = context.path().equals("/api/traces") || context.path().equals("/api/judge-runs");
        return switch (field) {
            // a new trace where traces are sent, the existing one where assessments name it
            case "trace_id" -> NODES.textNode(ingest ? TestData.uniqueTraceId() : fixtures.traceId());
            case "trace_ids" -> NODES.arrayNode().add(fixtures.traceId());
            case "run_ids" -> random.nextBoolean() ? OMIT : NODES.arrayNode().add(fixtures.runId());
            case "assessment_name", "human_feedback" -> NODES.textNode("correctness");
            // the test's key is the bootstrap admin: a HUMAN source names it
            case "source", "expectation_source" -> random.nextInt(4) == 0 ? OMIT : pick(random,
                    NODES.objectNode().put("source_type", "HUMAN").put("source_id", "bootstrap"),
                    NODES.objectNode().put("source_type", "LLM_JUDGE").put("source_id", "openai:/gpt-4o-mini"),
                    NODES.objectNode().put("source_type", "CODE").put("source_id", "fuzz-scorer"));
            case "judges" -> context.path().startsWith("/api/meta-evaluations") ? OMIT : NODES.arrayNode().add("exact_match");
            case "traces" -> context.path().equals("/api/traces") ? null : random.nextInt(10) == 0 ? null : OMIT;
            case "models", "parent_span_id", "assessment_id", "overrides", "run_id", "span_id", "last_update_time", "error", "valid",
                 "stack_trace" -> random.nextInt(10) == 0 ? null : OMIT;
            // a real run writes later, while other cases are checked: most runs are dry
            case "dry_run" -> NODES.booleanNode(random.nextInt(10) < 8);
            case "roles" -> NODES.arrayNode().add(pick(random, "read", "ingest", "annotate"));
            case "name" -> NODES.textNode(context.path().startsWith("/api/admin") ? "fuzz-" + random.nextInt(1000) : "correctness");
            case "update_mask" -> NODES.textNode(pick(random, "rationale", "metadata"));
            case "rationale" -> NODES.textNode(word(random));
            case "metadata", "tags" -> NODES.objectNode().put(pick(random, "env", "k"), "fuzz");
            case "feedback" -> NODES.objectNode().put("value", pick(random, "yes", "no"));
            // an assessment is a feedback or an expectation, not both
            case "expectation" -> random.nextInt(5) == 0 ? NODES.objectNode().put("value", "a") : OMIT;
            case "expectations" -> NODES.objectNode().put("expected_response", "a");
            case "reference" -> NODES.objectNode().put("human_feedback", "correctness");
            case "state", "status" -> NODES.textNode(pick(random, "OK", "ERROR"));
            case "span_type" -> NODES.textNode(pick(random, "LLM", "CHAIN", "TOOL"));
            case "start_time", "request_time", "create_time" -> NODES.textNode("2026-11-25T10:00:00Z");
            case "end_time" -> NODES.textNode("2026-11-25T10:00:01Z");
            case "serialization_format" -> NODES.textNode("JSON_FORMAT");
            case "error_codes" -> NODES.arrayNode().add(pick(random, "TIMEOUT", "MISSING_INPUT"));
            case "samples" -> NODES.numberNode(10 + random.nextInt(90));
            default -> null;
        };
    }

    /** Any JSON: what inputs, outputs and values hold. */
    private static JsonNode anyJson(Random random, int depth) {
        return switch (depth > 4 ? random.nextInt(4) : random.nextInt(6)) {
            case 0 -> NODES.textNode(word(random));
            case 1 -> NODES.numberNode(random.nextInt(100));
            case 2 -> NODES.booleanNode(random.nextBoolean());
            case 3 -> NODES.numberNode(random.nextDouble());
            case 4 -> NODES.objectNode().put("question", word(random)).set("context", anyJson(random, depth + 1));
            default -> NODES.arrayNode().add(anyJson(random, depth + 1)).add(word(random));
        };
    }

    /** An OTLP JSON export of one or two spans, with a trace id of its own. */
    private static JsonNode otlpExport(Random random) {
        String traceId = HexFormat.of().formatHex(randomBytes(random, 16));
        ArrayNode spans = NODES.arrayNode();
        for (int i = 0, n = 1 + random.nextInt(2); i < n; i++) {
            ObjectNode span = spans.addObject();
            span.put("traceId", traceId).put("spanId", HexFormat.of().formatHex(randomBytes(random, 8))).put("name", word(random))
                    .put("kind", random.nextInt(6)).put("startTimeUnixNano", "1764064800000000000").put("endTimeUnixNano", "1764064801000000000");
            ArrayNode attributes = span.putArray("attributes");
            attributes.addObject().put("key", "gen_ai.prompt").putObject("value").put("stringValue", word(random));
            attributes.addObject().put("key", "tokens").putObject("value").put("intValue", Integer.toString(random.nextInt(1000)));
            attributes.addObject().put("key", "score").putObject("value").put("doubleValue", random.nextDouble());
            span.putObject("status").put("code", random.nextInt(3));
        }
        ObjectNode export = NODES.objectNode();
        ObjectNode resourceSpans = export.putArray("resourceSpans").addObject();
        resourceSpans.putObject("resource").putArray("attributes").addObject().put("key", "service.name").putObject("value").put("stringValue", "fuzz");
        resourceSpans.putArray("scopeSpans").addObject().set("spans", spans);
        return export;
    }

    private static byte[] form(JsonNode schema, Random random) {
        StringBuilder form = new StringBuilder();
        List<String> names = new ArrayList<>();
        schema.path("properties").fieldNames().forEachRemaining(names::add);
        if (names.isEmpty()) {
            // a form read as bytes is documented without its fields: those of the pages' forms
            names.addAll(List.of("key", "next", "name", "trace_id", "csrf", "value", "rationale", "overrides"));
        }
        names.forEach(name -> {
            if (random.nextInt(10) < 8) {
                // a form body may also hold what no URL could: percent signs that escape nothing
                String value = random.nextBoolean() ? encode(word(random)) : random.nextInt(5) == 0 ? pick(random, "%", "%ZZ", "%E", "a%2", "%%")
                        : pick(random, ODD_PARAMS);
                form.append(form.isEmpty() ? "" : "&").append(name).append('=').append(value);
            }
        });
        return form.toString().getBytes(StandardCharsets.UTF_8);
    }

    // ---- mutations ------------------------------------------------------------------------------------------------

    /** The body written, then 0 to 3 changes of its tree and, now and then, of its bytes. */
    private static byte[] mutatedJson(JsonNode valid, Random random) {
        JsonNode tree = valid.deepCopy();
        int changes = random.nextInt(10) < 4 ? 0 : 1 + random.nextInt(3);
        byte[] inject = null;
        for (int c = 0; c < changes; c++) {
            List<JsonNode> containers = new ArrayList<>();
            containers(tree, containers);
            if (containers.isEmpty()) {
                // a body that is not an object or array (an empty body, say): only its bytes change
                break;
            }
            JsonNode target = containers.get(random.nextInt(containers.size()));
            int kind = random.nextInt(10);
            if (target instanceof ObjectNode object) {
                List<String> names = new ArrayList<>();
                object.fieldNames().forEachRemaining(names::add);
                String name = names.isEmpty() ? "k" : names.get(random.nextInt(names.size()));
                switch (kind) {
                    case 0 -> object.remove(name);
                    case 1 -> object.set("unknown_" + random.nextInt(3), odd(random));
                    case 2 -> {
                        object.putIfAbsent(name, NODES.textNode("first"));
                        object.set(DUPLICATE, odd(random));
                    }
                    case 3 -> {
                        object.set(MARK, NODES.textNode("v"));
                        inject = badText(random);
                    }
                    case 4 -> {
                        object.set(name, NODES.textNode(MARK));
                        inject = badText(random);
                    }
                    default -> object.set(name, odd(random));
                }
            } else if (target instanceof ArrayNode array && !array.isEmpty()) {
                int index = random.nextInt(array.size());
                switch (kind) {
                    case 0 -> array.remove(index);
                    case 1 -> array.add(array.get(index).deepCopy());
                    case 2 -> {
                        array.set(index, NODES.textNode(MARK));
                        inject = badText(random);
                    }
                    default -> array.set(index, odd(random));
                }
            }
        }
        String text;
        try {
            text = MAPPER.writeValueAsString(tree);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        text = duplicateKeys(text);
        byte[] body = inject == null ? text.getBytes(StandardCharsets.UTF_8) : splice(text, inject);
        return switch (random.nextInt(60)) {
            case 0 -> java.util.Arrays.copyOf(body, random.nextInt(Math.max(1, body.length)));
            case 1 -> new byte[0];
            case 2 -> concat(body, " trailing".getBytes(StandardCharsets.UTF_8));
            case 3 -> "[]".getBytes(StandardCharsets.UTF_8);
            case 4 -> "null".getBytes(StandardCharsets.UTF_8);
            case 5 -> randomBytes(random);
            default -> body;
        };
    }

    /** Bytes to stand where a mark is: not UTF-8, or a {@code \\u} escape of a lone surrogate. */
    private static byte[] badText(Random random) {
        return random.nextBoolean() ? concat("a".getBytes(StandardCharsets.UTF_8), pick(random, NOT_UTF8))
                : pick(random, LONE_SURROGATES).getBytes(StandardCharsets.US_ASCII);
    }

    /** Each duplicate mark becomes the name of the field before it in its object (objects are written in order). */
    private static String duplicateKeys(String text) {
        String mark = "\"" + DUPLICATE + "\"";
        int at;
        while ((at = text.indexOf(mark)) >= 0) {
            int open = text.lastIndexOf('{', at);
            java.util.regex.Matcher first = java.util.regex.Pattern.compile("\\{\"((?:[^\"\\\\]|\\\\.)*)\":").matcher(text.substring(open, at + 1));
            String name = first.lookingAt() ? first.group(1) : "k";
            text = text.substring(0, at) + "\"" + name + "\"" + text.substring(at + mark.length());
        }
        return text;
    }

    private static byte[] splice(String text, byte[] inject) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] parts = text.split(MARK, -1);
        for (int i = 0; i < parts.length; i++) {
            out.writeBytes(parts[i].getBytes(StandardCharsets.UTF_8));
            if (i < parts.length - 1) {
                out.writeBytes(inject);
            }
        }
        return out.toByteArray();
    }

    private static JsonNode odd(Random random) {
        return switch (random.nextInt(18)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.numberNode(random.nextLong());
            case 2 -> NODES.numberNode(new java.math.BigDecimal("1e400"));
            case 3 -> NODES.numberNode(new java.math.BigInteger("9223372036854775808"));
            case 4 -> NODES.numberNode(1.5);
            case 5 -> NODES.numberNode(-1);
            case 6 -> NODES.booleanNode(random.nextBoolean());
            case 7 -> NODES.textNode("");
            case 8 -> NODES.textNode("a\u0000b");
            case 9 -> NODES.textNode("x".repeat(300 + random.nextInt(20_000)));
            case 10 -> NODES.textNode("é😀\uFFFF<script>" + random.nextInt());
            case 11 -> NODES.arrayNode().add(1).add("two");
            case 12 -> NODES.objectNode().put("k", "v");
            case 13 -> {
                JsonNode deep = NODES.textNode("bottom");
                for (int i = 0, n = 20 + random.nextInt(120); i < n; i++) {
                    deep = random.nextBoolean() ? NODES.arrayNode().add(deep) : NODES.objectNode().set("d", deep);
                }
                yield deep;
            }
            case 14 -> NODES.textNode("2026-13-45T99:99:99Z");
            case 15 -> NODES.numberNode(1e3);
            case 16 -> NODES.textNode("  ");
            default -> NODES.textNode(word(random));
        };
    }

    private static void containers(JsonNode node, List<JsonNode> into) {
        if (node.isContainerNode()) {
            into.add(node);
            node.forEach(child -> containers(child, into));
        }
    }

    // ---- sending and checking -------------------------------------------------------------------------------------

    /** When this test began: the runs it starts are those created since. */
    private java.time.OffsetDateTime started;

    private Outcome check(Case request) throws Exception {
        awaitNoRunInProgress();
        Map<String, Long> before = rows();
        // the JDK's client sends paths, queries and bodies byte for byte as generated
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + request.url()))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + dev.tribunal.TestSecurity.ADMIN_KEY)
                .method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        if (request.contentType() != null) {
            builder.header("Content-Type", request.contentType());
        }
        if (request.contentEncoding() != null) {
            builder.header("Content-Encoding", request.contentEncoding());
        }
        HttpResponse<byte[]> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        int status = response.statusCode();
        if (VERBOSE) {
            System.out.println(status + " " + abbreviate(new String(response.body(), StandardCharsets.UTF_8), 300) + "\n    <- " + request.describe());
        }
        return new Outcome(status, status < 400 ? null : problem(status, request, response, before));
    }

    /** What is wrong with an answer of 400 or more; null when nothing is. */
    private String problem(int status, Case request, HttpResponse<byte[]> response, Map<String, Long> before) {
        String text = new String(response.body(), StandardCharsets.UTF_8);
        if (status >= 500) {
            return status + " " + abbreviate(text, 500);
        }
        // a request line or headers past the HTTP layer's limits are refused there, before any route, with its own
        // empty answer
        boolean transport = status == 414 || status == 431;
        boolean api = !transport && (request.url().startsWith("/api/") || request.url().startsWith("/v1/"));
        String type = response.headers().firstValue("Content-Type").orElse("");
        String message = message(type, response.body());
        if (api && (message == null || message.isBlank())) {
            return status + " without a message: " + type + " " + abbreviate(text, 300);
        }
        if (!api && !transport && response.body().length == 0 && status != 401) {
            return status + " with an empty body";
        }
        Map<String, Long> after = rows();
        if (!after.equals(before)) {
            return status + " (" + abbreviate(message, 200) + ") but rows changed: " + before + " -> " + after;
        }
        return null;
    }

    /** The message of an error answer in any of the API's formats; null when there is none. */
    private static String message(String type, byte[] body) {
        try {
            if (type.contains("x-protobuf")) {
                return com.google.rpc.Status.parseFrom(body).getMessage();
            }
            if (type.contains("json")) {
                JsonNode json = MAPPER.readTree(body);
                JsonNode message = json.has("detail") ? json.get("detail") : json.get("message");
                return message == null || !message.isTextual() ? null : message.textValue();
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }

    /** Rows per table: a refused request changes none. */
    private Map<String, Long> rows() {
        StringBuilder sql = new StringBuilder();
        for (String table : tables()) {
            sql.append(sql.isEmpty() ? "" : " union all ").append("select '").append(table).append("', count(*) from ").append(table);
        }
        Map<String, Long> counts = new TreeMap<>();
        for (Row row : pool.query(sql.toString()).execute().await().indefinitely()) {
            counts.put(row.getString(0), row.getLong(1));
        }
        return counts;
    }

    private List<String> tables;

    private List<String> tables() {
        if (tables == null) {
            tables = new ArrayList<>();
            pool.query("select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' "
                            + "and table_name not like 'flyway%' order by table_name")
                    .execute().await().indefinitely().forEach(row -> tables.add(row.getString(0)));
        }
        return tables;
    }

    /** Runs write their results after the request that started them: each case is checked once this test's runs are done. */
    private void awaitNoRunInProgress() {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            long active = pool.preparedQuery("select count(*) from judge_run where status in ('QUEUED', 'RUNNING') and created_at >= $1")
                    .execute(io.vertx.mutiny.sqlclient.Tuple.of(started)).await().indefinitely().iterator().next().getLong(0);
            if (active == 0) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- small helpers --------------------------------------------------------------------------------------------

    private static String snakeCase(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static String word(Random random) {
        return pick(random, "alpha", "What is MLflow?", "tr-" + random.nextInt(100), "é😀", "x y", "a/b", "<b>", "");
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private static byte[] bytes(int... values) {
        byte[] raw = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            raw[i] = (byte) values[i];
        }
        return raw;
    }

    private static byte[] randomBytes(Random random) {
        return randomBytes(random, random.nextInt(200));
    }

    private static byte[] randomBytes(Random random, int size) {
        byte[] raw = new byte[size];
        random.nextBytes(raw);
        return raw;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static byte[] gzip(byte[] body, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream zip = new java.util.zip.GZIPOutputStream(out)) {
            zip.write(body);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] zipped = out.toByteArray();
        return random.nextInt(4) == 0 ? java.util.Arrays.copyOf(zipped, zipped.length / 2) : zipped;
    }

    private static String abbreviate(String text, int length) {
        return text == null || text.length() <= length ? text : text.substring(0, length) + "...";
    }
}
