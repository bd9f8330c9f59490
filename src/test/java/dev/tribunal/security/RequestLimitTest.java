package dev.tribunal.security;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One key over its requests per second gets 429 with Retry-After; other keys are not held back by it. */
@QuarkusTest
@TestProfile(RequestLimitTest.TightLimits.class)
class RequestLimitTest {

    /** 5 requests per second per key; 3 sign-ins per minute; runs estimated above 0.0001 need confirming. */
    public static class TightLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tribunal.security.requests-per-second-per-key", "5", "tribunal.runs.confirm-cost-above", "0.0001",
                    "tribunal.security.sign-ins-per-minute", "3");
        }
    }

    @Test
    void aKeyOverItsRateIsToldWhenToComeBack() throws InterruptedException {
        String busy = dev.tribunal.TestSecurity.key("busy-client", Roles.READ);
        String calm = dev.tribunal.TestSecurity.key("calm-client", Roles.READ);
        List<Response> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            answers.add(given().header("Authorization", "Bearer " + busy).get("/api/judges"));
        }
        List<Integer> statuses = answers.stream().map(Response::statusCode).toList();
        assertTrue(statuses.subList(0, 5).stream().allMatch(s -> s == 200), "a burst of 5 passes: " + statuses);
        Response refused = answers.stream().filter(r -> r.statusCode() == 429).findFirst()
                .orElseThrow(() -> new AssertionError("no 429 in " + statuses));
        assertEquals("1", refused.header("Retry-After"));
        assertEquals("REQUEST_LIMIT_EXCEEDED", refused.jsonPath().getString("error_code"));
        assertTrue(refused.jsonPath().getString("detail").contains("busy-client"), refused.asString());

        assertEquals(200, given().header("Authorization", "Bearer " + calm).get("/api/judges").statusCode(), "another key is not held back");
        Thread.sleep(1100);
        assertEquals(200, given().header("Authorization", "Bearer " + busy).get("/api/judges").statusCode(), "after Retry-After it passes");
    }

    @Test
    void anExporterOverItsRateGetsAStatusAndRetryAfter() throws Exception {
        String exporter = dev.tribunal.TestSecurity.key("busy-exporter", Roles.INGEST);
        List<Response> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            answers.add(given().header("Authorization", "Bearer " + exporter).contentType("application/x-protobuf").body(new byte[0])
                    .post("/v1/traces"));
        }
        Response refused = answers.stream().filter(r -> r.statusCode() == 429).findFirst()
                .orElseThrow(() -> new AssertionError("no 429 in " + answers.stream().map(Response::statusCode).toList()));
        assertEquals("1", refused.header("Retry-After"));
        assertEquals("application/x-protobuf", refused.contentType());
        com.google.rpc.Status status = com.google.rpc.Status.parseFrom(refused.asByteArray());
        assertEquals(com.google.rpc.Code.RESOURCE_EXHAUSTED_VALUE, status.getCode());
        assertTrue(status.getMessage().contains("busy-exporter"), status.getMessage());
    }

    @Test
    void signInsAreThrottledPerAddressAndRefusedFromOtherSites() {
        for (int i = 0; i < 3; i++) {
            given().contentType("application/x-www-form-urlencoded").formParam("key", "trb_guess-" + i).post("/login").then().statusCode(401);
        }
        Response throttled = given().contentType("application/x-www-form-urlencoded").formParam("key", "trb_guess-4").post("/login");
        assertEquals(429, throttled.statusCode(), throttled.asString());
        assertTrue(Integer.parseInt(throttled.header("Retry-After")) >= 1);
        given().header("Origin", "https://evil.example.com").post("/logout").then().statusCode(403);
    }
}
