package dev.tribunal;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.restassured.RestAssured;

import java.util.Map;

/**
 * Security is on in every {@code @QuarkusTest}, as in production: the application takes {@link #ADMIN_KEY} as its
 * bootstrap key, and REST Assured sends it unless a request names another Authorization header.
 */
@QuarkusTestResource(value = TestSecurity.class, restrictToAnnotatedClass = false)
public class TestSecurity implements QuarkusTestResourceLifecycleManager {

    public static final String ADMIN_KEY = "test-bootstrap-admin-key-5c1d9e";

    @Override
    public Map<String, String> start() {
        RestAssured.filters((request, response, context) -> {
            if (!request.getHeaders().hasHeaderWithName("Authorization")) {
                request.header("Authorization", "Bearer " + ADMIN_KEY);
            }
            return context.next(request, response);
        });
        return Map.of(
                "tribunal.bootstrap-key", ADMIN_KEY,
                // tests poll and load quickly; the limit itself is tested with a profile of its own
                "tribunal.security.requests-per-second-per-key", "100000",
                "tribunal.security.sign-ins-per-minute", "1000",
                "tribunal.security.failed-keys-per-minute", "100000");
    }

    private static final Map<String, String> KEYS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A request made by a person (a key named after them with every role but admin): HUMAN assessments are
     * recorded in the name of the key that writes them.
     */
    public static io.restassured.specification.RequestSpecification as(String person) {
        String key = KEYS.computeIfAbsent(person, name -> key(name, "read", "ingest", "annotate", "judge"));
        return RestAssured.given().header("Authorization", "Bearer " + key);
    }

    /** A new key of {@code name} with these roles, made by the admin (a former key of the name is revoked first). */
    public static String key(String name, String... roles) {
        RestAssured.given().delete("/api/admin/keys/" + name);
        return RestAssured.given().contentType(io.restassured.http.ContentType.JSON)
                .body(Map.of("name", name, "roles", java.util.List.of(roles)))
                .post("/api/admin/keys").then().statusCode(201).extract().path("key");
    }

    private static final java.util.regex.Pattern HUMAN_SOURCE = java.util.regex.Pattern.compile(
            "\"source_type\"\\s*:\\s*\"HUMAN\"\\s*,\\s*\"source_id\"\\s*:\\s*\"([^\"]+)\"", java.util.regex.Pattern.CASE_INSENSITIVE);

    /** A request to log this assessment JSON: by the person a HUMAN source names, else by the admin. */
    public static io.restassured.specification.RequestSpecification author(String assessmentJson) {
        java.util.regex.Matcher human = HUMAN_SOURCE.matcher(assessmentJson);
        return human.find() && human.group(1).length() <= 100 ? as(human.group(1)) : RestAssured.given();
    }

    @Override
    public void stop() {
        RestAssured.replaceFiltersWith(java.util.List.of());
    }
}
