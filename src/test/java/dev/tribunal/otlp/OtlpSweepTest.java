package dev.tribunal.otlp;

import dev.tribunal.otlp.OtlpClient.Encoding;
import io.opentelemetry.api.trace.Span;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Sweep {@code otlp} (src/test/resources/sweeps) over traces that arrive over OTLP, tagged by their resource. */
@QuarkusTest
class OtlpSweepTest {

    @TestHTTPResource("/v1/traces")
    URL endpoint;

    private static JsonPath tick() throws InterruptedException {
        long ticks = given().get("/api/sweeps/otlp").then().statusCode(200).extract().jsonPath().getLong("ticks");
        given().post("/api/sweeps/otlp/trigger").then().statusCode(202).body("triggered", equalTo(true));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonPath state = given().get("/api/sweeps/otlp").then().statusCode(200).extract().jsonPath();
            if (state.getLong("ticks") > ticks) {
                return state;
            }
            Thread.sleep(100);
        }
        fail("sweep otlp did not tick");
        return null;
    }

    private static List<String> judgedTraces(String runId) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"COMPLETED".equals(given().get("/api/judge-runs/" + runId).then().extract().path("status"))) {
            if (System.nanoTime() > deadline) {
                fail("run " + runId + " did not complete");
            }
            Thread.sleep(100);
        }
        List<Map<String, Object>> assessments = given().queryParam("run_id", runId).get("/api/assessments")
                .then().statusCode(200).extract().jsonPath().getList("assessments");
        return assessments.stream().map(a -> (String) a.get("trace_id")).toList();
    }

    @Test
    void aTraceIsSweptOnceItsRootArrivesEvenAfterTheSweepMovedPastItsFirstSpans() throws InterruptedException {
        try (OtlpClient app = new OtlpClient(endpoint.toString(), Encoding.PROTOBUF,
                OtlpClient.attributes("service.name", "support-bot", "deployment.environment", "otlp-sweep"))) {
            Span slow = app.start("slow-request", null, "openinference.span.kind", "CHAIN", "input.value", "slow question");
            app.start("retrieve", slow, "openinference.span.kind", "RETRIEVER").end();
            Span quick = app.start("quick-request", null, "openinference.span.kind", "CHAIN", "input.value", "quick question",
                    "output.value", "quick answer");
            quick.end();

            JsonPath first = tick();
            assertEquals(1, first.getInt("last_tick_traces"), "the complete trace only; the other awaits its root");
            assertEquals(List.of(OtlpClient.traceId(quick)), judgedTraces(first.getString("last_run_id")));

            slow.setAttribute("output.value", "slow answer");
            slow.end();
            JsonPath second = tick();
            assertEquals(1, second.getInt("last_tick_traces"), "its first span came before the checkpoint; its root after");
            assertEquals(List.of(OtlpClient.traceId(slow)), judgedTraces(second.getString("last_run_id")));

            app.exportAllAgain();
            assertEquals(0, tick().getInt("last_tick_traces"), "spans sent again make no trace new");
        }
    }
}
