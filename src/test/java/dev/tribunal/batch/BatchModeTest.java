package dev.tribunal.batch;

import dev.tribunal.run.RunTestSupport;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.tribunal.run.RunTestSupport.jsonList;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Asking for batch mode: what a dry run shows, and which runs are refused before anything is stored. */
@QuarkusTest
class BatchModeTest {

    private static JsonPath dryRun(List<String> ids, String model, String mode) {
        String body = "{\"judges\": [\"relevance\"], \"trace_ids\": " + jsonList(ids) + ", \"models\": [\"" + model + "\"], \"dry_run\": true"
                + (mode == null ? "" : ", \"mode\": \"" + mode + "\"") + "}";
        return given().contentType(ContentType.JSON).body(body).post("/api/judge-runs").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void aDryRunShowsTheCostOfBothModesAndTheOneAskedFor() {
        List<String> ids = RunTestSupport.traces(3, null);
        JsonPath batch = dryRun(ids, "fake-batch:/ok", "batch");
        JsonPath online = dryRun(ids, "fake-batch:/ok", null);
        double onlineCost = online.getDouble("estimated_cost_online");
        assertTrue(onlineCost > 0, online.prettify());
        assertEquals(onlineCost, online.getDouble("estimated_cost"), 1e-12);
        assertEquals(onlineCost / 2, online.getDouble("estimated_cost_batch"), 1e-9);
        assertEquals("online", online.getString("mode"));
        assertEquals("batch", batch.getString("mode"));
        assertEquals(onlineCost / 2, batch.getDouble("estimated_cost"), 1e-9);
        assertEquals(onlineCost, batch.getDouble("estimated_cost_online"), 1e-12);
        assertEquals(onlineCost / 2, batch.getDouble("by_model[0].estimated_cost"), 1e-9);
    }

    @Test
    void batchModeOnAProviderWithoutABatchApiIsRefusedNamingIt() {
        List<String> ids = RunTestSupport.traces(1, null);
        given().contentType(ContentType.JSON)
                .body("{\"judges\": [\"relevance\"], \"trace_ids\": " + jsonList(ids) + ", \"models\": [\"fake:/ok\"], \"mode\": \"batch\"}")
                .post("/api/judge-runs")
                .then().statusCode(400)
                .body("detail", allOf(containsString("provider 'fake'"), containsString("tribunal.providers.fake.batch=true")));
    }

    @Test
    void anUnknownModeIsRefused() {
        List<String> ids = RunTestSupport.traces(1, null);
        given().contentType(ContentType.JSON)
                .body("{\"judges\": [\"relevance\"], \"trace_ids\": " + jsonList(ids) + ", \"models\": [\"fake-batch:/ok\"], \"mode\": \"cheap\"}")
                .post("/api/judge-runs")
                .then().statusCode(400)
                .body("detail", containsString("mode must be online or batch, not 'cheap'"));
    }
}
