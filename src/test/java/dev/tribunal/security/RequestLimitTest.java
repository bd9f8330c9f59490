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

    /**
     * 5 requests per second per key; 3 sign-ins and 3 unknown or wrong keys per minute and client address; runs estimated
     * above 0.0001 need confirming. The tests' proxy (at 127.0.0.1, see application.properties) may also forward the host.
     */
    public static class TightLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tribunal.security.requests-per-second-per-key", "5", "tribunal.runs.confirm-cost-above", "0.0001",
                    "tribunal.security.sign-ins-per-minute", "3", "tribunal.security.failed-keys-per-minute", "3",
                    "quarkus.http.proxy.enable-forwarded-host", "true");
        }
    }

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL base;

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

    /**
     * Each unknown or wrong key costs a database lookup: a client address gets 3 a minute here, then 429 with Retry-After
     * for every key it sends (the database is not asked), whatever X-Forwarded-For it makes up; other addresses, and
     * clients a configured proxy forwards for, are counted apart.
     */
    @Test
    void unknownKeysAreLimitedPerClientAddress() throws Exception {
        String valid = dev.tribunal.TestSecurity.key("behind-a-guesser", Roles.READ);
        java.net.InetAddress guesser = java.net.InetAddress.getByName("127.0.0.2");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            statuses.add(dev.tribunal.RawHttp.send(base, guesser, "GET", "/api/judges",
                    dev.tribunal.RawHttp.headers("Authorization", "Bearer trb_guess-" + i, "X-Forwarded-For", "198.51.100." + i), null).status());
        }
        assertEquals(List.of(401, 401, 401), statuses);
        dev.tribunal.RawHttp.Answer refused = dev.tribunal.RawHttp.send(base, guesser, "GET", "/api/judges",
                dev.tribunal.RawHttp.headers("Authorization", "Bearer trb_guess-3", "X-Forwarded-For", "198.51.100.3"), null);
        assertEquals(429, refused.status(), refused.toString());
        assertTrue(Integer.parseInt(refused.header("Retry-After").orElse("0")) >= 1, refused.toString());
        assertEquals("REQUEST_LIMIT_EXCEEDED", io.restassured.path.json.JsonPath.from(refused.body()).getString("error_code"));
        assertEquals(429, dev.tribunal.RawHttp.send(base, guesser, "GET", "/api/judges",
                dev.tribunal.RawHttp.headers("Authorization", "Bearer " + valid), null).status(), "refused before the key is looked up");
        dev.tribunal.RawHttp.Answer exporter = dev.tribunal.RawHttp.send(base, guesser, "POST", "/v1/traces",
                dev.tribunal.RawHttp.headers("Authorization", "Bearer trb_guess-4", "Content-Type", "application/json"), "{}");
        assertEquals(429, exporter.status());
        assertEquals(com.google.rpc.Code.RESOURCE_EXHAUSTED_VALUE, io.restassured.path.json.JsonPath.from(exporter.body()).getInt("code"));

        assertEquals(200, given().header("Authorization", "Bearer " + valid).get("/api/judges").statusCode(), "another address is not held back");
        assertEquals(401, given().header("Authorization", "Bearer trb_guess-elsewhere").get("/api/judges").statusCode());
        // the tests' own address is the configured proxy: the clients it forwards for are counted each apart
        for (int i = 0; i < 3; i++) {
            given().header("Authorization", "Bearer trb_forwarded-" + i).header("X-Forwarded-For", "203.0.113.9").get("/api/judges")
                    .then().statusCode(401);
        }
        given().header("Authorization", "Bearer trb_forwarded-3").header("X-Forwarded-For", "203.0.113.9").get("/api/judges")
                .then().statusCode(429);
        given().header("Authorization", "Bearer " + valid).header("X-Forwarded-For", "203.0.113.10").get("/api/judges").then().statusCode(200);
    }

    /**
     * The sign-in's Origin check takes the forwarded host from the configured proxy (here it may forward it), and from
     * nobody else.
     */
    @Test
    void signInsTakeTheForwardedHostFromTheConfiguredProxyOnly() throws Exception {
        Map<String, String> proxied = dev.tribunal.RawHttp.headers("Origin", "https://tribunal.example.com", "X-Forwarded-Host", "tribunal.example.com",
                "X-Forwarded-Proto", "https", "X-Forwarded-For", "203.0.113.20", "Content-Type", "application/x-www-form-urlencoded");
        dev.tribunal.RawHttp.Answer viaProxy = dev.tribunal.RawHttp.send(base, "POST", "/login", proxied, "key=trb_wrong");
        assertEquals(401, viaProxy.status(), "the Origin is this server's, as the proxy says: " + viaProxy);
        dev.tribunal.RawHttp.Answer direct = dev.tribunal.RawHttp.send(base, java.net.InetAddress.getByName("127.0.0.3"), "POST", "/login",
                proxied, "key=trb_wrong");
        assertEquals(403, direct.status(), "a client that is not the proxy cannot say which host it reached: " + direct);
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
