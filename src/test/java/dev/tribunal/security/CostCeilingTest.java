package dev.tribunal.security;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run estimated above tribunal.runs.confirm-cost-above starts only when the request confirms the cost. */
@QuarkusTest
@TestProfile(RequestLimitTest.TightLimits.class)
class CostCeilingTest {

    @Test
    void anExpensiveRunNeedsConfirmCost() throws InterruptedException {
        String judge = dev.tribunal.TestSecurity.key("cost-judge", Roles.JUDGE);
        String trace = "tr-cost-" + UUID.randomUUID();
        Thread.sleep(1100);  // the admin's requests above used this second's rate
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + trace + "\", \"inputs\": \"What is 2 + 2?\", "
                + "\"outputs\": \"4\"}]}").post("/api/traces").then().statusCode(200);
        String run = "{\"judges\": [\"relevance\", \"safety\"], \"trace_ids\": [\"" + trace + "\"], \"models\": [\"fake:/ok\"]";

        Response refused = given().header("Authorization", "Bearer " + judge).contentType(ContentType.JSON).body(run + "}").post("/api/judge-runs");
        assertEquals(400, refused.statusCode(), refused.asString());
        String detail = refused.jsonPath().getString("detail");
        assertTrue(detail.startsWith("This run would cost about ") && detail.contains("\"confirm_cost\": true"), detail);
        assertEquals(0, given().queryParam("trace_id", trace).get("/api/assessments").jsonPath().getList("assessments").size(),
                "nothing was started");

        Thread.sleep(1100);
        Response started = given().header("Authorization", "Bearer " + judge).contentType(ContentType.JSON)
                .body(run + ", \"confirm_cost\": true}").post("/api/judge-runs");
        assertEquals(202, started.statusCode(), started.asString());
        Response codeOnly = given().header("Authorization", "Bearer " + judge).contentType(ContentType.JSON)
                .body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + trace + "\"]}").post("/api/judge-runs");
        assertEquals(202, codeOnly.statusCode(), "code judges cost nothing: " + codeOnly.asString());
    }
}
