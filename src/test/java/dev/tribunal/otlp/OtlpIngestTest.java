package dev.tribunal.otlp;

import dev.tribunal.llm.FakeProviders;
import dev.tribunal.otlp.OtlpClient.Encoding;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Applications instrumented with the OpenTelemetry SDK send their spans to {@code /v1/traces} with the SDK's
 * OTLP/HTTP exporter, in each of the attribute conventions LLM instrumentations use, one export per span.
 */
@QuarkusTest
class OtlpIngestTest {

    @TestHTTPResource("/v1/traces")
    URL endpoint;

    private OtlpClient client(Encoding encoding, String environment) {
        return new OtlpClient(endpoint.toString(), encoding, OtlpClient.attributes(
                "service.name", "support-bot", "deployment.environment", environment, "service.version", "1.4.2"));
    }

    private static JsonPath trace(String traceId) {
        return given().get("/api/traces/" + traceId).then().statusCode(200).extract().jsonPath();
    }

    private static Map<String, Object> span(JsonPath trace, String name) {
        List<Map<String, Object>> spans = trace.getList("spans");
        return spans.stream().filter(s -> name.equals(s.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> attributes(Map<String, Object> span) {
        return (Map<String, Object>) span.get("attributes");
    }

    /** An OpenInference RAG trace: a chain, a retriever with two documents, an LLM call. Returns the root (not ended). */
    private static Span openInferenceTrace(OtlpClient app) {
        return openInferenceTrace(app, "Paris is the capital and largest city of France.");
    }

    private static Span openInferenceTrace(OtlpClient app, String document) {
        Span root = app.start("rag-pipeline", null,
                "openinference.span.kind", "CHAIN",
                "input.value", "{\"question\": \"What is the capital of France?\"}",
                "input.mime_type", "application/json",
                "output.value", "Paris is the capital of France.",
                "output.mime_type", "text/plain",
                "session.id", "session-7",
                "user.id", "ada");
        Span retriever = app.start("retrieve", root,
                "openinference.span.kind", "RETRIEVER",
                "input.value", "capital of France",
                "retrieval.documents.0.document.content", document,
                "retrieval.documents.0.document.id", "doc-1",
                "retrieval.documents.1.document.content", "France is a country in Western Europe.",
                "retrieval.documents.1.document.id", "doc-2");
        retriever.setAttribute(AttributeKey.doubleKey("retrieval.documents.0.document.score"), 0.92);
        retriever.end();
        Span llm = app.start("llm", root,
                "openinference.span.kind", "LLM",
                "llm.model_name", "gpt-4o-mini",
                "input.value", "{\"messages\": [{\"role\": \"user\", \"content\": \"What is the capital of France?\"}]}",
                "input.mime_type", "application/json",
                "output.value", "Paris is the capital of France.");
        llm.setAttribute(AttributeKey.longKey("llm.token_count.prompt"), 120L);
        llm.setAttribute(AttributeKey.longKey("llm.token_count.completion"), 12L);
        llm.setAttribute(AttributeKey.longKey("llm.token_count.total"), 132L);
        llm.end();
        return root;
    }

    @Test
    void anOpenInferenceTraceSentSpanBySpanBecomesOneTraceOnceItsRootArrives() {
        String environment = "otlp-" + UUID.randomUUID();
        try (OtlpClient app = client(Encoding.PROTOBUF_GZIP, environment)) {
            Span root = openInferenceTrace(app);
            String traceId = OtlpClient.traceId(root);

            JsonPath partial = trace(traceId);
            assertEquals("IN_PROGRESS", partial.getString("state"), "children only: the trace awaits its root");
            assertNull(partial.get("inputs"));
            assertEquals(2, partial.getList("spans").size());

            root.setStatus(StatusCode.OK);
            root.end();
            JsonPath complete = trace(traceId);
            assertEquals("OK", complete.getString("state"));
            assertEquals("What is the capital of France?", complete.getString("inputs.question"), "JSON input.value is parsed");
            assertEquals("Paris is the capital of France.", complete.getString("outputs"));
            assertEquals("support-bot", complete.getString("tags.'service.name'"), "resource attributes are tags");
            assertEquals(environment, complete.getString("tags.'deployment.environment'"));
            assertEquals("1.4.2", complete.getString("tags.'service.version'"));
            assertEquals("session-7", complete.getString("metadata.'mlflow.trace.session'"));
            assertEquals("ada", complete.getString("metadata.'mlflow.trace.user'"));
            assertTrue(complete.getLong("execution_duration_ms") >= 0);
            assertEquals(3, complete.getList("spans").size());

            Map<String, Object> rootSpan = span(complete, "rag-pipeline");
            assertEquals("CHAIN", rootSpan.get("span_type"));
            assertNull(rootSpan.get("parent_span_id"));
            assertEquals(root.getSpanContext().getSpanId(), rootSpan.get("span_id"));
            Map<String, Object> retriever = span(complete, "retrieve");
            assertEquals("RETRIEVER", retriever.get("span_type"));
            assertEquals(root.getSpanContext().getSpanId(), retriever.get("parent_span_id"));
            assertEquals("capital of France", retriever.get("inputs"));
            assertEquals(List.of(
                    Map.of("page_content", "Paris is the capital and largest city of France.", "id", "doc-1", "score", 0.92f),
                    Map.of("page_content", "France is a country in Western Europe.", "id", "doc-2")), retriever.get("outputs"));
            assertFalse(attributes(retriever).containsKey("retrieval.documents.0.document.content"), "documents are stored once, as outputs");
            Map<String, Object> llm = span(complete, "llm");
            assertEquals("LLM", llm.get("span_type"));
            assertEquals("gpt-4o-mini", attributes(llm).get("tribunal.model"));
            assertEquals(Map.of("input_tokens", 120, "output_tokens", 12, "total_tokens", 132), attributes(llm).get("tribunal.token_usage"));
            assertEquals(120, attributes(llm).get("llm.token_count.prompt"), "the instrumentation's own attributes are kept");
            assertFalse(attributes(llm).containsKey("input.value"), "inputs are stored once, as inputs");

            String createdAt = complete.getString("created_at");
            app.exportAllAgain();
            JsonPath again = trace(traceId);
            assertEquals(3, again.getList("spans").size(), "spans sent again are not stored twice");
            assertEquals(createdAt, again.getString("created_at"), "a complete trace is left as it is");
            assertEquals("What is the capital of France?", again.getString("inputs.question"));
        }
    }

    @Test
    void mlflowTracingAttributesOverJson() {
        try (OtlpClient app = client(Encoding.JSON, "otlp-" + UUID.randomUUID())) {
            Span root = app.start("agent", null,
                    "mlflow.spanType", "\"AGENT\"",
                    "mlflow.spanInputs", "{\"messages\": [{\"role\": \"user\", \"content\": \"Book a table for two\"}]}",
                    "mlflow.spanOutputs", "\"Booked for 19:00.\"");
            Span tool = app.start("book_table", root,
                    "mlflow.spanType", "\"TOOL\"",
                    "mlflow.spanInputs", "{\"people\": 2}",
                    "mlflow.spanOutputs", "{\"ok\": true}");
            tool.end();
            root.setStatus(StatusCode.ERROR, "the guest cancelled");
            root.end();

            JsonPath trace = trace(OtlpClient.traceId(root));
            assertEquals("ERROR", trace.getString("state"), "a root with an error status makes an ERROR trace");
            assertEquals("Book a table for two", trace.getString("inputs.messages[0].content"));
            assertEquals("Booked for 19:00.", trace.getString("outputs"));
            Map<String, Object> rootSpan = span(trace, "agent");
            assertEquals("AGENT", rootSpan.get("span_type"));
            assertEquals("ERROR", rootSpan.get("status"));
            assertEquals("the guest cancelled", attributes(rootSpan).get("otel.status_message"));
            Map<String, Object> toolSpan = span(trace, "book_table");
            assertEquals("TOOL", toolSpan.get("span_type"));
            assertEquals(Map.of("people", 2), toolSpan.get("inputs"));
            assertEquals(Map.of("ok", true), toolSpan.get("outputs"));
        }
    }

    /** The OpenAI request and completion as OpenInference's OpenAI instrumentation records them on its span. */
    private static final String OPENAI_REQUEST = """
            {"model": "gpt-4o-mini", "temperature": 0.2, "messages": [
              {"role": "system", "content": "You answer questions about geography."},
              {"role": "user", "content": "What is the capital of France?"},
              {"role": "assistant", "content": "Paris."},
              {"role": "user", "content": [{"type": "text", "text": "And how many people live there?"}]}]}""";
    private static final String OPENAI_COMPLETION = """
            {"id": "chatcmpl-123", "object": "chat.completion", "created": 1733390000, "model": "gpt-4o-mini-2024-07-18",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "About 2.1 million people.", "refusal": null},
                          "logprobs": null, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 41, "completion_tokens": 7, "total_tokens": 48}, "system_fingerprint": "fp_1"}""";

    @Test
    void anOpenAiCallRecordedByOpenInferenceReadsAsItsConversationAndAnswer() {
        try (OtlpClient app = client(Encoding.PROTOBUF, "otlp-" + UUID.randomUUID())) {
            Span call = app.start("OpenAI Chat Completions", null,
                    "openinference.span.kind", "LLM",
                    "llm.model_name", "gpt-4o-mini-2024-07-18",
                    "llm.system", "openai",
                    "input.value", OPENAI_REQUEST,
                    "input.mime_type", "application/json",
                    "output.value", OPENAI_COMPLETION,
                    "output.mime_type", "application/json",
                    "llm.input_messages.0.message.role", "system",
                    "llm.output_messages.0.message.content", "About 2.1 million people.");
            call.end();

            JsonPath trace = trace(OtlpClient.traceId(call));
            assertEquals(Map.of("messages", List.of(
                    Map.of("role", "system", "content", "You answer questions about geography."),
                    Map.of("role", "user", "content", "What is the capital of France?"),
                    Map.of("role", "assistant", "content", "Paris."),
                    Map.of("role", "user", "content", "And how many people live there?"))), trace.get("inputs"),
                    "the request is its conversation, without the model's settings; the last user message is the question");
            assertEquals("About 2.1 million people.", trace.getString("outputs"), "the answer is the assistant's text, not the completion object");
            Map<String, Object> span = span(trace, "OpenAI Chat Completions");
            assertEquals("gpt-4o-mini", trace.getString("spans[0].inputs.model"), "the span keeps the request as sent");
            assertEquals("chatcmpl-123", ((Map<?, ?>) span.get("outputs")).get("id"), "the span keeps the completion as received");
        }
    }

    @Test
    void aModelCallThatCallsToolsAnswersWithItsToolCalls() {
        try (OtlpClient app = client(Encoding.JSON, "otlp-" + UUID.randomUUID())) {
            Span call = app.start("ChatCompletion", null,
                    "openinference.span.kind", "LLM",
                    "input.value", "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"Weather in Rome?\"}], "
                            + "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}]}",
                    "input.mime_type", "application/json",
                    "output.value", "{\"id\": \"chatcmpl-9\", \"choices\": [{\"index\": 0, \"finish_reason\": \"tool_calls\", \"message\": "
                            + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"call_1\", \"type\": \"function\", "
                            + "\"function\": {\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Rome\\\"}\"}}]}}]}",
                    "output.mime_type", "application/json");
            call.end();

            JsonPath trace = trace(OtlpClient.traceId(call));
            assertEquals("Weather in Rome?", trace.getString("inputs.messages[0].content"));
            assertEquals(List.of(Map.of("id", "call_1", "name", "get_weather", "arguments", Map.of("city", "Rome"))),
                    trace.get("outputs.tool_calls"), "a call that answers with tool calls reads as them, arguments parsed");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void genAiSemanticConventionsCurrentAndOlderOverGzippedJson() {
        try (OtlpClient app = client(Encoding.JSON_GZIP, "otlp-" + UUID.randomUUID())) {
            Span root = app.start("invoke_agent travel", null,
                    "gen_ai.operation.name", "invoke_agent",
                    "gen_ai.input.messages", "[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": \"Weather in Rome?\"}]}]",
                    "gen_ai.output.messages", "[{\"role\": \"assistant\", \"parts\": [{\"type\": \"text\", \"content\": \"Sunny, 24 C.\"}]}]");
            Span chat = app.start("chat gpt-4o", root,
                    "gen_ai.operation.name", "chat",
                    "gen_ai.request.model", "gpt-4o",
                    "gen_ai.response.model", "gpt-4o-2024-08-06");
            chat.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 40L);
            chat.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 9L);
            chat.end();
            Span older = app.start("openai.chat", root,
                    "gen_ai.operation.name", "text_completion",
                    "gen_ai.prompt.0.role", "system",
                    "gen_ai.prompt.0.content", "You are terse.",
                    "gen_ai.prompt.1.role", "user",
                    "gen_ai.prompt.1.content", "Weather in Rome?",
                    "gen_ai.completion.0.role", "assistant",
                    "gen_ai.completion.0.content", "Sunny.");
            older.end();
            Span events = app.start("legacy-events", root, "gen_ai.operation.name", "chat");
            events.addEvent("gen_ai.content.prompt", Attributes.of(AttributeKey.stringKey("gen_ai.prompt"),
                    "[{\"role\": \"user\", \"content\": \"Weather in Oslo?\"}]"));
            events.addEvent("gen_ai.content.completion", Attributes.of(AttributeKey.stringKey("gen_ai.completion"),
                    "[{\"role\": \"assistant\", \"content\": \"Rain.\"}]"));
            events.end();
            app.start("get_weather", root, "gen_ai.operation.name", "execute_tool").end();
            app.start("embed", root, "gen_ai.operation.name", "embeddings").end();
            root.end();

            JsonPath trace = trace(OtlpClient.traceId(root));
            assertEquals(Map.of("messages", List.of(Map.of("role", "user", "content", "Weather in Rome?"))), trace.get("inputs"),
                    "GenAI input messages are the trace's conversation");
            assertEquals("Sunny, 24 C.", trace.getString("outputs"), "GenAI output messages are the trace's answer text");
            Map<String, Object> agentSpan = span(trace, "invoke_agent travel");
            assertEquals("AGENT", agentSpan.get("span_type"));
            assertEquals("Sunny, 24 C.", ((List<Map<String, List<Map<String, Object>>>>) agentSpan.get("outputs")).get(0).get("parts").get(0).get("content"),
                    "the span keeps the messages as sent");
            Map<String, Object> chatSpan = span(trace, "chat gpt-4o");
            assertEquals("CHAT_MODEL", chatSpan.get("span_type"));
            assertEquals("gpt-4o-2024-08-06", attributes(chatSpan).get("tribunal.model"), "the response's model before the request's");
            assertEquals(Map.of("input_tokens", 40, "output_tokens", 9, "total_tokens", 49), attributes(chatSpan).get("tribunal.token_usage"));
            Map<String, Object> olderSpan = span(trace, "openai.chat");
            assertEquals("LLM", olderSpan.get("span_type"));
            assertEquals(List.of(Map.of("role", "system", "content", "You are terse."), Map.of("role", "user", "content", "Weather in Rome?")),
                    olderSpan.get("inputs"));
            assertEquals(List.of(Map.of("role", "assistant", "content", "Sunny.")), olderSpan.get("outputs"));
            Map<String, Object> eventSpan = span(trace, "legacy-events");
            assertEquals(List.of(Map.of("role", "user", "content", "Weather in Oslo?")), eventSpan.get("inputs"));
            assertEquals(List.of(Map.of("role", "assistant", "content", "Rain.")), eventSpan.get("outputs"));
            assertEquals("TOOL", span(trace, "get_weather").get("span_type"));
            assertEquals("EMBEDDING", span(trace, "embed").get("span_type"));
        }
    }

    @Test
    void traceloopAttributesAndUnknownSpans() {
        try (OtlpClient app = client(Encoding.PROTOBUF, "otlp-" + UUID.randomUUID())) {
            Span root = app.start("answer_question.workflow", null,
                    "traceloop.span.kind", "workflow",
                    "traceloop.entity.input", "{\"inputs\": {\"question\": \"Is it open on Sunday?\"}}",
                    "traceloop.entity.output", "{\"outputs\": \"Yes, 10:00 to 16:00.\"}");
            app.start("lookup_hours.tool", root, "traceloop.span.kind", "tool").end();
            app.start("openai.chat", root, "llm.request.type", "chat", "gen_ai.request.model", "gpt-4o-mini").end();
            app.start("http GET", root, "http.method", "GET").end();
            root.end();

            JsonPath trace = trace(OtlpClient.traceId(root));
            assertEquals("Is it open on Sunday?", trace.getString("inputs.inputs.question"));
            assertEquals("Yes, 10:00 to 16:00.", trace.getString("outputs.outputs"));
            assertEquals("CHAIN", span(trace, "answer_question.workflow").get("span_type"));
            assertEquals("TOOL", span(trace, "lookup_hours.tool").get("span_type"));
            assertEquals("CHAT_MODEL", span(trace, "openai.chat").get("span_type"));
            assertEquals("gpt-4o-mini", attributes(span(trace, "openai.chat")).get("tribunal.model"));
            Map<String, Object> http = span(trace, "http GET");
            assertEquals("UNKNOWN", http.get("span_type"));
            assertEquals("GET", attributes(http).get("http.method"));
            assertEquals("INTERNAL", attributes(http).get("otel.span_kind"));
        }
    }

    @Test
    void aSpanWhoseParentIsInAnotherServiceIsTheRootHere() {
        try (OtlpClient app = client(Encoding.PROTOBUF, "otlp-" + UUID.randomUUID())) {
            SpanContext upstream = SpanContext.createFromRemoteParent(
                    UUID.randomUUID().toString().replace("-", ""), "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());
            Span local = app.tracer.spanBuilder("handle-request")
                    .setParent(Context.root().with(Span.wrap(upstream)))
                    .setAttribute("openinference.span.kind", "CHAIN")
                    .setAttribute("input.value", "hello")
                    .startSpan();
            local.end();
            JsonPath trace = trace(OtlpClient.traceId(local));
            assertEquals("OK", trace.getString("state"), "the trace is complete: its local root arrived");
            assertEquals("hello", trace.getString("inputs"));
            assertEquals("00f067aa0ba902b7", span(trace, "handle-request").get("parent_span_id"), "the remote parent is kept");
        }
    }

    @Test
    void ingestedTracesAreJudgedWithTheirRetrievedDocumentsAsContext() {
        try (OtlpClient app = client(Encoding.PROTOBUF, "otlp-" + UUID.randomUUID())) {
            String document = "Paris is the capital and largest city of France (" + UUID.randomUUID() + ").";
            Span root = openInferenceTrace(app, document);
            root.end();
            String traceId = OtlpClient.traceId(root);

            String runId = given().contentType(ContentType.JSON)
                    .body("{\"judges\": [\"groundedness\"], \"trace_ids\": [\"" + traceId + "\"], \"models\": [\"fake:/ok\"]}")
                    .post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
            awaitCompleted(runId);
            List<Map<String, Object>> assessments = given().queryParam("run_id", runId).get("/api/assessments")
                    .then().statusCode(200).extract().jsonPath().getList("assessments");
            assertEquals(1, assessments.size());
            assertEquals(traceId, assessments.get(0).get("trace_id"));
            assertNull(((Map<?, ?>) assessments.get(0).get("feedback")).get("error"), "judged, not errored: " + assessments.get(0));
            String prompt = FakeProviders.server.received("ok").stream().map(r -> r.userMessage())
                    .filter(m -> m.contains(document))
                    .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no prompt with the retrieved document: not in the context"));
            assertTrue(prompt.contains("France is a country in Western Europe."), "every retrieved document is in the context");
            assertTrue(prompt.contains("What is the capital of France?"), "the root's inputs are the trace's inputs");
        }
    }

    @Test
    void aWholeTraceInOneExportAsTheSdkBatchesIt() {
        try (OtlpClient app = new OtlpClient(endpoint.toString(), Encoding.JSON_GZIP,
                OtlpClient.attributes("service.name", "support-bot"), true)) {
            Span root = openInferenceTrace(app);
            root.end();
            Span second = app.start("second-request", null, "openinference.span.kind", "AGENT", "input.value", "hi");
            app.start("tool", second, "openinference.span.kind", "TOOL").end();
            second.end();
            app.flush();

            JsonPath first = trace(OtlpClient.traceId(root));
            assertEquals("OK", first.getString("state"));
            assertEquals("What is the capital of France?", first.getString("inputs.question"));
            assertEquals(3, first.getList("spans").size());
            JsonPath other = trace(OtlpClient.traceId(second));
            assertEquals("hi", other.getString("inputs"));
            assertEquals(2, other.getList("spans").size());
        }
    }

    @Test
    void aRootWithARemoteParentGivesWayToTheRealRootWhenItArrives() {
        try (OtlpClient frontend = client(Encoding.PROTOBUF, "otlp-" + UUID.randomUUID());
             OtlpClient backend = new OtlpClient(endpoint.toString(), Encoding.PROTOBUF,
                     OtlpClient.attributes("service.name", "llm-backend"))) {
            Span gateway = frontend.start("gateway", null, "openinference.span.kind", "CHAIN", "input.value", "user question",
                    "output.value", "final answer");
            Span handler = backend.tracer.spanBuilder("llm-handler")
                    .setParent(Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(
                            gateway.getSpanContext().getTraceId(), gateway.getSpanContext().getSpanId(),
                            TraceFlags.getSampled(), TraceState.getDefault()))))
                    .setAttribute("openinference.span.kind", "LLM")
                    .setAttribute("input.value", "rewritten prompt")
                    .startSpan();
            handler.end();
            String traceId = OtlpClient.traceId(gateway);
            JsonPath early = trace(traceId);
            assertEquals("OK", early.getString("state"), "the backend's span stands for the root meanwhile");
            assertEquals("rewritten prompt", early.getString("inputs"));
            String createdAt = early.getString("created_at");

            gateway.end();
            JsonPath complete = trace(traceId);
            assertEquals("user question", complete.getString("inputs"), "the span without a parent is the root");
            assertEquals("final answer", complete.getString("outputs"));
            assertEquals("support-bot", complete.getString("tags.'service.name'"), "the root's service names the trace");
            assertEquals(createdAt, complete.getString("created_at"), "the trace arrived when its first root did");
            assertEquals(2, complete.getList("spans").size());
        }
    }

    @Test
    void spansOfATraceArrivingInLaterExportsUpdateItAndSpansSentAgainChangeNothing() {
        Instant start = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
        try (OtlpClient frontend = new OtlpClient(endpoint.toString(), Encoding.PROTOBUF,
                OtlpClient.attributes("service.name", "support-bot"), true);
             OtlpClient backend = new OtlpClient(endpoint.toString(), Encoding.PROTOBUF,
                     OtlpClient.attributes("service.name", "llm-backend", "team", "ml"))) {
            Span root = frontend.tracer.spanBuilder("gateway").setNoParent().setStartTimestamp(start)
                    .setAttribute("openinference.span.kind", "CHAIN").setAttribute("input.value", "user question").startSpan();
            frontend.tracer.spanBuilder("retrieve").setParent(Context.root().with(root)).setStartTimestamp(start.plusSeconds(20))
                    .startSpan().end(start.plusSeconds(21));
            frontend.flush();
            String traceId = OtlpClient.traceId(root);
            JsonPath first = trace(traceId);
            assertEquals("IN_PROGRESS", first.getString("state"));
            assertEquals(start.plusSeconds(20), Instant.parse(first.getString("request_time")), "the earliest span so far");

            // an earlier span, sent along with the first one again
            frontend.tracer.spanBuilder("plan").setParent(Context.root().with(root)).setStartTimestamp(start.plusSeconds(10))
                    .startSpan().end(start.plusSeconds(11));
            frontend.exportAllAgain();
            JsonPath second = trace(traceId);
            assertEquals(2, second.getList("spans").size(), "the span sent again is stored once, the new one is stored");
            assertEquals(start.plusSeconds(10), Instant.parse(second.getString("request_time")), "an earlier span makes the trace earlier");

            // a span of another service brings that service's attributes; the first service still names the trace
            backend.tracer.spanBuilder("rerank").setParent(Context.root().with(root)).setStartTimestamp(start.plusSeconds(30))
                    .startSpan().end(start.plusSeconds(31));
            JsonPath third = trace(traceId);
            assertEquals(3, third.getList("spans").size());
            assertEquals("ml", third.getString("tags.team"));
            assertEquals("support-bot", third.getString("tags.'service.name'"));
            assertEquals(start.plusSeconds(10), Instant.parse(third.getString("request_time")), "a later span leaves the time as it is");

            frontend.flush();
            frontend.exportAllAgain();
            backend.exportAllAgain();
            JsonPath again = trace(traceId);
            assertEquals(third.getList("spans"), again.getList("spans"), "spans sent again are not stored twice");
            assertEquals(third.getMap("tags"), again.getMap("tags"));
            assertEquals(third.getString("request_time"), again.getString("request_time"));
            assertEquals(third.getString("created_at"), again.getString("created_at"));
            assertEquals("IN_PROGRESS", again.getString("state"));

            root.end(start.plusSeconds(40));
            frontend.flush();
            JsonPath complete = trace(traceId);
            assertEquals("OK", complete.getString("state"));
            assertEquals(start, Instant.parse(complete.getString("request_time")), "the root's start");
            assertEquals(40_000L, complete.getLong("execution_duration_ms"));
            assertEquals("user question", complete.getString("inputs"));
            assertEquals(4, complete.getList("spans").size());
            assertEquals("ml", complete.getString("tags.team"), "other services' attributes stay");
            assertTrue(Instant.parse(complete.getString("created_at")).isAfter(Instant.parse(again.getString("created_at"))),
                    "the trace counts as arrived when its root did");
        }
    }

    private static void awaitCompleted(String runId) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            String status = given().get("/api/judge-runs/" + runId).then().statusCode(200).extract().path("status");
            if ("COMPLETED".equals(status)) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        fail("run " + runId + " did not complete");
    }
}
