package dev.tribunal.otlp;

import com.google.protobuf.ByteString;
import com.google.rpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code /v1/traces} answers to bodies it cannot take, and that it writes nothing of them. */
@QuarkusTest
class OtlpBadInputTest {

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    private static final String PROTOBUF = "application/x-protobuf";

    private static byte[] randomId(int bytes) {
        byte[] id = new byte[bytes];
        new java.util.Random().nextBytes(id);
        id[0] |= 1;
        return id;
    }

    private static Span span(byte[] traceId, String name) {
        return Span.newBuilder().setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(randomId(8)))
                .setName(name).setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_001_000_000_000L).build();
    }

    private static ExportTraceServiceRequest request(String environment, Span... spans) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("deployment.environment")
                        .setValue(AnyValue.newBuilder().setStringValue(environment))))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(Arrays.asList(spans)))).build();
    }

    private static Response post(byte[] body, String contentType) {
        return given().contentType(contentType).body(body).post("/v1/traces");
    }

    private long tracesTagged(String environment) {
        return pool.preparedQuery("select count(*) from trace where tags @> jsonb_build_object('deployment.environment', $1::text)")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(environment)).await().indefinitely().iterator().next().getLong(0);
    }

    private static Status protobufStatus(Response response) throws Exception {
        assertEquals(PROTOBUF, response.contentType());
        return Status.parseFrom(response.asByteArray());
    }

    @Test
    void refusalsBeforeTheExportIsReadAreStatusesToo() throws Exception {
        byte[] export = request("refused-caller", span(randomId(16), "s")).toByteArray();
        java.net.http.HttpResponse<byte[]> anonymous = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + "/v1/traces"))
                        .header("Content-Type", PROTOBUF).POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(export)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(401, anonymous.statusCode());
        assertEquals(PROTOBUF, anonymous.headers().firstValue("Content-Type").orElse(null));
        assertEquals("Bearer", anonymous.headers().firstValue("WWW-Authenticate").orElse(null));
        Status unauthenticated = Status.parseFrom(anonymous.body());
        assertEquals(com.google.rpc.Code.UNAUTHENTICATED_VALUE, unauthenticated.getCode());
        assertTrue(unauthenticated.getMessage().contains("API key"), unauthenticated.getMessage());

        String reader = dev.tribunal.TestSecurity.key("otlp-reader", dev.tribunal.security.Roles.READ);
        Response forbidden = given().header("Authorization", "Bearer " + reader).contentType("application/json").body("{}").post("/v1/traces");
        assertEquals(403, forbidden.statusCode());
        assertEquals("application/json", forbidden.contentType());
        Status.Builder denied = Status.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge(forbidden.asString(), denied);
        assertEquals(com.google.rpc.Code.PERMISSION_DENIED_VALUE, denied.getCode());
        assertEquals(0, tracesTagged("refused-caller"));
    }

    @Test
    void garbageBytesAre400WithAStatusInProtobuf() throws Exception {
        Response response = post("this is not protobuf \u00ff\u00fe".getBytes(StandardCharsets.ISO_8859_1), PROTOBUF);
        assertEquals(400, response.statusCode());
        Status status = protobufStatus(response);
        assertEquals(com.google.rpc.Code.INVALID_ARGUMENT_VALUE, status.getCode());
        assertTrue(status.getMessage().startsWith("The body is not an OTLP ExportTraceServiceRequest"), status.getMessage());
    }

    @Test
    void jsonWithWrongTypesIs400WithAStatusInJson() {
        given().contentType("application/json").body("{\"resourceSpans\": \"all of them\"}").post("/v1/traces")
                .then().statusCode(400).contentType("application/json")
                .body("code", org.hamcrest.Matchers.equalTo(3))
                .body("message", org.hamcrest.Matchers.startsWith("The body is not an OTLP ExportTraceServiceRequest"));
        given().contentType("application/json")
                .body("{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"traceId\": \"5b8efff798038103d269b633813fc60c\", "
                        + "\"spanId\": \"eee19b7ec3c1b174\", \"name\": {\"not\": \"a string\"}}]}]}]}")
                .post("/v1/traces").then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo(3));
        given().contentType("application/json")
                .body("{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"traceId\": \"not-hex\", \"spanId\": \"eee19b7ec3c1b174\"}]}]}]}")
                .post("/v1/traces").then().statusCode(400)
                .body("message", org.hamcrest.Matchers.equalTo("'traceId' must be hex in OTLP JSON, not 'not-hex'"));
        given().contentType("application/json").body("{\"resourceSpans\": [").post("/v1/traces")
                .then().statusCode(400).body("message", org.hamcrest.Matchers.startsWith("The body is not JSON"));
        given().contentType("application/json").body("{} {\"resourceSpans\": []}").post("/v1/traces")
                .then().statusCode(400).body("message", org.hamcrest.Matchers.startsWith("The body is not JSON"));
    }

    @Test
    void spansWithoutTraceIdsAreRefusedAndNothingIsWritten() throws Exception {
        String environment = "otlp-bad-" + UUID.randomUUID();
        Span noTraceId = Span.newBuilder().setSpanId(ByteString.copyFrom(randomId(8))).setName("orphan").build();
        Response response = post(request(environment, noTraceId, noTraceId.toBuilder().setName("orphan-2").build()).toByteArray(), PROTOBUF);
        assertEquals(400, response.statusCode());
        assertEquals("Every span (2) was refused, nothing was stored: a span has no trace id", protobufStatus(response).getMessage());
        assertEquals(0, tracesTagged(environment));

        String json = "{\"resourceSpans\": [{\"resource\": {\"attributes\": [{\"key\": \"deployment.environment\", \"value\": {\"stringValue\": \""
                + environment + "\"}}]}, \"scopeSpans\": [{\"spans\": [{\"spanId\": \"eee19b7ec3c1b174\", \"name\": \"orphan\"}]}]}]}";
        given().contentType("application/json").body(json).post("/v1/traces").then().statusCode(400)
                .body("message", org.hamcrest.Matchers.containsString("a span has no trace id"));
        assertEquals(0, tracesTagged(environment));
    }

    @Test
    void someRefusedSpansAreAPartialSuccessAndTheOthersAreStored() throws Exception {
        String environment = "otlp-partial-" + UUID.randomUUID();
        byte[] traceId = randomId(16);
        Span good = span(traceId, "good");
        Span badParent = span(traceId, "bad-parent").toBuilder().setParentSpanId(ByteString.copyFrom(new byte[3])).build();
        Span zeroTrace = span(new byte[16], "zero-trace");
        Response response = post(request(environment, good, badParent, zeroTrace).toByteArray(), PROTOBUF);
        assertEquals(200, response.statusCode());
        ExportTraceServiceResponse body = ExportTraceServiceResponse.parseFrom(response.asByteArray());
        assertEquals(2, body.getPartialSuccess().getRejectedSpans());
        assertTrue(body.getPartialSuccess().getErrorMessage().startsWith("2 span(s) refused, the others were stored: "),
                body.getPartialSuccess().getErrorMessage());
        given().get("/api/traces/tr-" + HexFormat.of().formatHex(traceId)).then().statusCode(200)
                .body("spans.name", org.hamcrest.Matchers.contains("good"));
        assertEquals(1, tracesTagged(environment));
        double refused = given().get("/q/metrics").then().extract().asString().lines()
                .filter(line -> line.startsWith("tribunal_otlp_spans_total{outcome=\"refused\"}"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst().orElse(0);
        assertTrue(refused >= 2, "refused spans are counted: " + refused);
    }

    @Test
    void oversizedBodiesAre413() throws Exception {
        byte[] tooLarge = new byte[11 * 1024 * 1024];
        Response refused = post(tooLarge, PROTOBUF);
        assertEquals(413, refused.statusCode(), "over quarkus.http.limits.max-body-size");
        assertTrue(protobufStatus(refused).getMessage().contains("quarkus.http.limits.max-body-size"), "a Status in the request's encoding");

        String environment = "otlp-bomb-" + UUID.randomUUID();
        Span large = span(randomId(16), "large").toBuilder().addAttributes(attribute("output.value", "x".repeat(40 << 20))).build();
        byte[] bomb = gzip(request(environment, large).toByteArray());
        Response response = postGzip(bomb);
        assertEquals(413, response.statusCode(), "40 MB once decompressed, over tribunal.otlp.max-uncompressed-size (32M)");
        assertTrue(protobufStatus(response).getMessage().contains("once decompressed"));
        assertEquals(0, tracesTagged(environment));

        Response zeros = postGzip(gzip(new byte[40 << 20]));
        assertEquals(400, zeros.statusCode(), "bytes that are no export are refused as soon as they are read, not once inflated");
        assertTrue(protobufStatus(zeros).getMessage().startsWith("The body is not an OTLP ExportTraceServiceRequest"));
    }

    @Test
    void unsupportedEncodingsAre415AndBrokenGzipIs400() throws Exception {
        given().contentType("text/plain").body("hello").post("/v1/traces").then().statusCode(415)
                .body("message", org.hamcrest.Matchers.containsString("application/x-protobuf or application/json"));
        Response brotli = given().contentType(PROTOBUF).header("Content-Encoding", "br").body(new byte[]{1, 2, 3}).post("/v1/traces");
        assertEquals(415, brotli.statusCode());
        Response broken = given().contentType(PROTOBUF).header("Content-Encoding", "gzip").body("not gzip".getBytes()).post("/v1/traces");
        assertEquals(400, broken.statusCode());
        assertTrue(protobufStatus(broken).getMessage().startsWith("The body is not valid gzip"));
    }

    private static byte[] gzip(byte[] bytes) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static Response postGzip(byte[] body) {
        return given().contentType(PROTOBUF).header("Content-Encoding", "gzip").body(body).post("/v1/traces");
    }

    @Test
    void bytesAfterTheGzipStreamAre400AndNothingIsStored() throws Exception {
        String environment = "otlp-gzip-tail-" + UUID.randomUUID();
        byte[] export = gzip(request(environment, span(randomId(16), "tail")).toByteArray());

        Response garbage = postGzip(concat(export, "and then some".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(400, garbage.statusCode());
        assertEquals("The body is not valid gzip (Content-Encoding: gzip): 13 byte(s) follow the end of its gzip stream; "
                + "only further gzip members may follow one", protobufStatus(garbage).getMessage());

        Response oneByte = postGzip(concat(export, new byte[]{0x1f}));
        assertEquals(400, oneByte.statusCode(), "even a byte that starts like a gzip member");
        assertTrue(protobufStatus(oneByte).getMessage().startsWith("The body is not valid gzip (Content-Encoding: gzip)"));

        Response truncated = postGzip(Arrays.copyOf(export, export.length - 4));
        assertEquals(400, truncated.statusCode());
        assertEquals("The body is not valid gzip (Content-Encoding: gzip): it ends before its gzip stream does",
                protobufStatus(truncated).getMessage());
        assertEquals(0, tracesTagged(environment));
    }

    @Test
    void concatenatedGzipMembersAreOneBody() throws Exception {
        String environment = "otlp-gzip-members-" + UUID.randomUUID();
        byte[] export = request(environment, span(randomId(16), "members")).toByteArray();
        int half = export.length / 2;
        Response response = postGzip(concat(gzip(Arrays.copyOfRange(export, 0, half)), gzip(Arrays.copyOfRange(export, half, export.length))));
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals(1, tracesTagged(environment), "as gzip -d reads them: one export cut in two members");

        String json = "{\"resourceSpans\": []}";
        given().contentType("application/json").header("Content-Encoding", "gzip")
                .body(concat(gzip(json.getBytes(StandardCharsets.UTF_8)), "\n\n".getBytes(StandardCharsets.UTF_8)))
                .post("/v1/traces").then().statusCode(400)
                .body("message", org.hamcrest.Matchers.containsString("2 byte(s) follow the end of its gzip stream"));
    }

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    @Test
    void oddButValidContentIsStoredAsPostgreSqlCanHoldIt() throws Exception {
        String environment = "otlp-odd-" + UUID.randomUUID();
        byte[] traceId = randomId(16);
        String huge = "x".repeat(1_500_000);
        String deep = "[".repeat(900) + "]".repeat(900);
        Span root = span(traceId, "root\u0000name").toBuilder()
                .addAttributes(attribute("openinference.span.kind", "Reasoner"))
                .addAttributes(attribute("mlflow.spanInputs", "{\"q\": \"a\\u0000b\", \"k\\u0000\": 1}"))
                .addAttributes(attribute("output.value", huge))
                .addAttributes(attribute("note\u0000key", "v\u0000"))
                .build();
        Span child = span(traceId, "child").toBuilder()
                .setParentSpanId(root.getSpanId())
                .addAttributes(attribute("input.value", deep))
                .addAttributes(attribute("input.mime_type", "application/json"))
                .addEvents(Span.Event.newBuilder().setName("gen_ai.\u0000.message").addAttributes(attribute("content", "hello")))
                .addEvents(Span.Event.newBuilder().setName("gen_ai.message"))
                .build();
        Response response = post(request(environment, child, root).toByteArray(), PROTOBUF);
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals(0, ExportTraceServiceResponse.parseFrom(response.asByteArray()).getPartialSuccess().getRejectedSpans());

        io.restassured.path.json.JsonPath trace = given().get("/api/traces/tr-" + HexFormat.of().formatHex(traceId))
                .then().statusCode(200).extract().jsonPath();
        assertEquals("a\uFFFDb", trace.getString("inputs.q"), "an escaped NUL inside JSON text is replaced too");
        assertEquals(1, trace.getInt("inputs.'k\uFFFD'"));
        String output = trace.getString("outputs");
        assertTrue(output.startsWith("x".repeat(1000)) && output.endsWith(" [... 500000 more characters not stored]"), "cut at 1,000,000 characters");
        assertEquals(1_000_000 + " [... 500000 more characters not stored]".length(), output.length());
        java.util.List<java.util.Map<String, Object>> spans = trace.getList("spans");
        java.util.Map<String, Object> rootSpan = spans.stream().filter(s -> "root\uFFFDname".equals(s.get("name"))).findFirst().orElseThrow();
        assertEquals("UNKNOWN", rootSpan.get("span_type"), "a kind no convention defines says nothing");
        assertEquals("v\uFFFD", ((java.util.Map<?, ?>) rootSpan.get("attributes")).get("note\uFFFDkey"));
        java.util.Map<String, Object> childSpan = spans.stream().filter(s -> "child".equals(s.get("name"))).findFirst().orElseThrow();
        assertEquals(deep, childSpan.get("inputs"), "JSON nested deeper than 64 levels stays text");
    }

    @Test
    void afterBadBodiesTheServerKeepsServing() throws Exception {
        post("garbage".getBytes(), PROTOBUF);
        given().contentType("application/json").body("[1, 2").post("/v1/traces");
        String environment = "otlp-after-" + UUID.randomUUID();
        Response response = post(request(environment, span(randomId(16), "fine")).toByteArray(), PROTOBUF);
        assertEquals(200, response.statusCode());
        assertEquals(ExportTraceServiceResponse.getDefaultInstance(), ExportTraceServiceResponse.parseFrom(response.asByteArray()),
                "a full success is an empty response");
        assertEquals(1, tracesTagged(environment));
        given().contentType("application/json").body("{}").post("/v1/traces").then().statusCode(200).body(org.hamcrest.Matchers.equalTo("{}"));
    }
}
