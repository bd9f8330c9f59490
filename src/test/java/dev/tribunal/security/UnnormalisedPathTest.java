package dev.tribunal.security;

import dev.tribunal.RawHttp;
import dev.tribunal.TestData;
import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.tribunal.RawHttp.headers;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request is what its path says once normalised, so a path that is not normal ("..", "%2e%2e", "//", ";", an encoded
 * slash) is refused before anything decides on it: the pages' session cookie never reaches the JSON API through one, and
 * no form is taken without its CSRF token. Requests go out on a plain socket, their paths exactly as written.
 */
@QuarkusTest
class UnnormalisedPathTest {

    @TestHTTPResource("/")
    URL base;

    /** Paths that look like a page's (or the API document's, which also takes the session) and resolve elsewhere. */
    private static List<String> through(String target) {
        String rest = target.substring(1);
        return List.of(
                "/meta-evaluation/../" + rest,
                "/meta-evaluation/%2e%2e/" + rest,
                "/meta-evaluation/%2E%2E/" + rest,
                "/meta-evaluation/.%2e/" + rest,
                "/meta-evaluation/%2e./" + rest,
                "/meta-evaluation/./../" + rest,
                "/meta-evaluation/label/../../" + rest,
                "/q/openapi/../../" + rest,
                "/q/openapi/%2e%2e/%2e%2e/" + rest,
                "/q/swagger-ui/../../" + rest,
                "/meta-evaluation;x/../" + rest,
                "/meta-evaluation//../../" + rest,
                "/meta-evaluation%2f..%2f" + rest,
                "/meta-evaluation%5c..%5c" + rest,
                "/meta-evaluation\\..\\" + rest);
    }

    private String signIn(String key) {
        RawHttp.Answer signedIn = RawHttp.send(base, "POST", "/login", headers("Content-Type", "application/x-www-form-urlencoded"),
                "key=" + URLEncoder.encode(key, StandardCharsets.UTF_8));
        assertEquals(303, signedIn.status(), signedIn.toString());
        String cookie = signedIn.header("Set-Cookie").orElseThrow();
        return cookie.substring(0, cookie.indexOf(';'));
    }

    @Test
    void theSessionCookieNeverOpensTheApiThroughAnUnnormalisedPath() {
        String session = signIn(TestSecurity.key("dot-admin", Roles.ADMIN));
        String name = "dot-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> wrong = new ArrayList<>();
        for (String path : through("/api/admin/keys")) {
            RawHttp.Answer listed = RawHttp.send(base, "GET", path, headers("Cookie", session), null);
            if (listed.status() != 400) {
                wrong.add("GET " + path + ": " + listed);
            }
            RawHttp.Answer created = RawHttp.send(base, "POST", path, headers("Cookie", session, "Content-Type", "application/json"),
                    "{\"name\": \"" + name + "\", \"roles\": [\"admin\"]}");
            if (created.status() != 400) {
                wrong.add("POST " + path + ": " + created);
            }
        }
        assertEquals(List.of(), wrong);
        String keys = given().get("/api/admin/keys").then().statusCode(200).extract().asString();
        assertFalse(keys.contains(name), "no key was created: " + keys);
        assertEquals(401, RawHttp.send(base, "POST", "/api/admin/keys", headers("Cookie", session, "Content-Type", "application/json"),
                        "{\"name\": \"" + name + "\", \"roles\": [\"admin\"]}").status(),
                "on its normal path, the API's writes still take no session");

        RawHttp.Answer refused = RawHttp.send(base, "GET", "/meta-evaluation/../api/admin/keys", headers("Cookie", session), null);
        assertEquals("application/problem+json", refused.header("Content-Type").orElse(null));
        JsonPath problem = JsonPath.from(refused.body());
        assertEquals("BAD_REQUEST", problem.getString("error_code"));
        assertTrue(problem.getString("detail").contains("'.' or '..' segment"), refused.body());
    }

    @Test
    void noLabelIsTakenThroughAnUnnormalisedPath() {
        String session = signIn(TestSecurity.key("dot-reviewer", Roles.READ, Roles.ANNOTATE));
        String trace = TestData.newTrace();
        String assessment = "{\"assessment\": {\"assessment_name\": \"tone\", \"source\": {\"source_type\": \"HUMAN\"}, "
                + "\"feedback\": {\"value\": \"ok\"}}}";
        List<String> wrong = new ArrayList<>();
        for (String path : through("/api/3.0/mlflow/traces/" + trace + "/assessments")) {
            RawHttp.Answer answer = RawHttp.send(base, "POST", path, headers("Cookie", session, "Content-Type", "application/json"), assessment);
            if (answer.status() != 400) {
                wrong.add("POST " + path + ": " + answer);
            }
        }
        String form = "name=tone&trace_id=" + trace + "&value=ok";
        for (String path : List.of("/q/openapi/../../meta-evaluation/label", "/meta-evaluation/./label", "/meta-evaluation/x/%2e%2e/label",
                "/meta-evaluation//label", "/meta-evaluation/label;csrf=none")) {
            RawHttp.Answer answer = RawHttp.send(base, "POST", path,
                    headers("Cookie", session, "Content-Type", "application/x-www-form-urlencoded"), form);
            if (answer.status() != 400) {
                wrong.add("POST " + path + ": " + answer);
            }
        }
        assertEquals(List.of(), wrong);
        List<?> labels = given().queryParam("trace_id", trace).queryParam("source_type", "HUMAN").get("/api/assessments")
                .then().statusCode(200).extract().jsonPath().getList("assessments");
        assertEquals(List.of(), labels, "nothing was labelled");

        RawHttp.Answer mlflow = RawHttp.send(base, "POST", "/meta-evaluation/../api/3.0/mlflow/traces/" + trace + "/assessments",
                headers("Cookie", session, "Content-Type", "application/json"), assessment);
        assertEquals("application/json", mlflow.header("Content-Type").orElse(null), "MLflow's error body on an MLflow path");
        assertEquals("BAD_REQUEST", JsonPath.from(mlflow.body()).getString("error_code"), mlflow.body());
        assertTrue(JsonPath.from(mlflow.body()).getString("message").contains("not in normal form"), mlflow.body());
    }

    @Test
    void everyFormOfUnnormalisedPathIsA400SayingWhatIsWrong() {
        Map<String, String> admin = headers("Authorization", "Bearer " + TestSecurity.ADMIN_KEY);
        Map<String, String> faults = new java.util.LinkedHashMap<>();
        faults.put("/api/./admin/keys", "'.' or '..' segment");
        faults.put("/api/admin/keys/.", "'.' or '..' segment");
        faults.put("/api/admin/keys/%2e", "'.' or '..' segment");
        faults.put("/api/x/../admin/keys", "'.' or '..' segment");
        faults.put("/api/x/%2E%2e/admin/keys", "'.' or '..' segment");
        faults.put("//api/admin/keys", "empty segment");
        faults.put("/api//admin/keys", "empty segment");
        faults.put("/api;x/admin/keys", "';'");
        faults.put("/api/admin/keys;x", "';'");
        faults.put("/api/x/..;/admin/keys", "';'");
        faults.put("/api/admin%2Fkeys", "encoded '/'");
        faults.put("/api/admin%2fkeys", "encoded '/'");
        faults.put("/api/admin%5ckeys", "backslash");
        faults.put("/api/admin/%6beys", "percent-encoded letters");
        List<String> wrong = new ArrayList<>();
        faults.forEach((path, fault) -> {
            RawHttp.Answer answer = RawHttp.send(base, "GET", path, admin, null);
            if (answer.status() != 400 || !answer.body().contains(fault)) {
                wrong.add(path + " (expected 400 naming " + fault + "): " + answer);
            }
        });
        // a malformed percent-escape never reaches the router: the HTTP layer answers with its own (empty) 400
        for (String path : List.of("/api/admin/keys%zz", "/api/admin/keys%", "/meta-evaluation/%2/../api/admin/keys")) {
            RawHttp.Answer answer = RawHttp.send(base, "GET", path, admin, null);
            if (answer.status() != 400) {
                wrong.add(path + " (expected 400): " + answer);
            }
        }
        assertEquals(List.of(), wrong);

        RawHttp.Answer otlp = RawHttp.send(base, "POST", "/v1/./traces",
                headers("Authorization", "Bearer " + TestSecurity.ADMIN_KEY, "Content-Type", "application/json"), "{}");
        assertEquals(400, otlp.status(), otlp.toString());
        assertEquals(com.google.rpc.Code.INVALID_ARGUMENT_VALUE, JsonPath.from(otlp.body()).getInt("code"),
                "an OTLP exporter gets a google.rpc.Status: " + otlp.body());

        // normal paths are served as before: a trailing slash, dots in the query, an encoded character in an id
        assertEquals(200, RawHttp.send(base, "GET", "/api/admin/keys/", admin, null).status());
        assertEquals(200, RawHttp.send(base, "GET", "/api/admin/keys?next=../..", admin, null).status());
        RawHttp.Answer missing = RawHttp.send(base, "GET", "/api/traces/tr%20none", admin, null);
        assertEquals(404, missing.status(), missing.toString());
        assertEquals("RESOURCE_DOES_NOT_EXIST", JsonPath.from(missing.body()).getString("error_code"));
    }
}
