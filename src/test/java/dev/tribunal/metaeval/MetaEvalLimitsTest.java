package dev.tribunal.metaeval;

import dev.tribunal.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A meta-evaluation over as many traces as a run may judge (100,000), selected among 70,000 run ids. */
@QuarkusTest
@io.quarkus.test.junit.TestProfile(dev.tribunal.LargeData.class)
class MetaEvalLimitsTest {

    @Inject
    Pool pool;

    @Test
    void aJudgeIsComparedWithPeopleOnOneHundredThousandTraces() {
        String prefix = "tr-meta-" + UUID.randomUUID().toString().substring(0, 8);
        String name = "bulk_verdict_" + prefix.substring(8);
        String runId = UUID.randomUUID().toString().replace("-", "");
        int count = 100_000;
        long started = System.nanoTime();
        TestData.bulkTraces(pool, prefix, count, null);
        // people's labels alternate yes / no; the judge agrees on three traces of four
        pool.preparedQuery("insert into assessment (assessment_id, trace_id, name, kind, value, source_type, source_id, metadata, "
                        + "create_time, last_update_time) select 'a-' || md5('h' || $1 || g), $1 || g, $3, 'FEEDBACK', "
                        + "to_jsonb(case when g % 2 = 0 then 'yes' else 'no' end), 'HUMAN', 'bulk-reviewer', '{}'::jsonb, now(), now() "
                        + "from generate_series(1, $2) g")
                .execute(Tuple.of(prefix + "-", count, name)).await().indefinitely();
        pool.preparedQuery("insert into assessment (assessment_id, trace_id, name, kind, value, source_type, source_id, metadata, "
                        + "create_time, last_update_time, run_id) select 'a-' || md5('j' || $1 || g), $1 || g, $3, 'FEEDBACK', "
                        + "to_jsonb(case when (g % 2 = 0) = (g % 4 <> 1) then 'yes' else 'no' end), 'CODE', 'bulk-judge', "
                        + "jsonb_build_object('tribunal.judge.version', 'v1', 'tribunal.latency_ms', (g % 100)::text), now(), now(), $4 "
                        + "from generate_series(1, $2) g")
                .execute(Tuple.of(prefix + "-", count, name, runId)).await().indefinitely();
        System.out.printf("100,000 traces with a label and a judgment each stored in %d ms%n", (System.nanoTime() - started) / 1_000_000);

        List<String> runIds = new ArrayList<>();
        for (int i = 0; i < 70_000; i++) {
            runIds.add(UUID.randomUUID().toString().replace("-", ""));
        }
        runIds.add(runId);
        String body = "{\"name\": \"" + name + "\", \"reference\": {\"human_feedback\": \"" + name + "\"}, \"filter\": {\"tags\": {\"bulk\": \""
                + prefix + "\"}}, \"bootstrap\": {\"samples\": 100}, \"run_ids\": "
                + runIds.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(",", "[", "]")) + "}";
        started = System.nanoTime();
        JsonPath report = given().contentType(ContentType.JSON).body(body).post("/api/meta-evaluations").then().statusCode(200)
                .extract().jsonPath();
        System.out.printf("meta-evaluation over 100,000 traces (100 bootstrap samples, 70,001 run ids) answered in %d ms%n",
                (System.nanoTime() - started) / 1_000_000);
        assertEquals(count, report.getInt("reference_traces"));
        assertEquals(1, report.getList("judges").size());
        assertEquals("bulk-judge", report.getString("judges[0].model"));
        assertEquals(count, report.getInt("judges[0].coverage.compared"));
        assertEquals(0, report.getInt("judges[0].coverage.missing"));
        assertEquals(0.75, report.getDouble("judges[0].statistics.accuracy"), 1e-9);
        assertEquals(0.5, report.getDouble("judges[0].statistics.kappa"), 1e-9);
        assertEquals(count / 4, report.getInt("judges[0].disagreements"));

        // the first pages of the 25,000 disagreements: full, distinct, each leading to the next
        started = System.nanoTime();
        java.util.Set<String> listed = new java.util.HashSet<>();
        String token = null;
        for (int pageNumber = 0; pageNumber < 3; pageNumber++) {
            io.restassured.specification.RequestSpecification request = given().queryParam("name", name).queryParam("human_feedback", name)
                    .queryParam("model", "bulk-judge").queryParam("max_results", 1000);
            JsonPath page = (token == null ? request : request.queryParam("page_token", token))
                    .get("/api/meta-evaluations/disagreements").then().statusCode(200).extract().jsonPath();
            List<String> traces = page.getList("disagreements.trace_id");
            assertEquals(1000, traces.size(), "a full page");
            listed.addAll(traces);
            token = page.getString("next_page_token");
            assertNotNull(token, "more pages follow");
        }
        System.out.printf("3 pages of 1,000 of the 25,000 disagreements listed in %d ms%n", (System.nanoTime() - started) / 1_000_000);
        assertEquals(3000, listed.size(), "no disagreement twice");
    }
}
