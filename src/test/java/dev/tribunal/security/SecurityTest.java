package dev.tribunal.security;

import dev.tribunal.TestSecurity;
import dev.tribunal.llm.FakeProviders;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.tribunal.TestSecurity.key;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** API keys, roles on every endpoint, unforgeable HUMAN provenance, the pages' sign-in and CSRF, secrets kept out. */
@QuarkusTest
class SecurityTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @TestHTTPResource("/")
    URL base;

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    private String traceId;
    private String assessmentId;
    private String runId;

    private HttpResponse<String> send(String method, String path, String key, String contentType, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @BeforeEach
    void seed() {
        traceId = "tr-sec-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + traceId + "\", \"inputs\": \"q\", \"outputs\": \"a\","
                + " \"expectations\": {\"expected_response\": \"a\"}}]}").post("/api/traces").then().statusCode(200);
        assessmentId = given().contentType(ContentType.JSON)
                .body("{\"assessment\": {\"assessment_name\": \"tone\", \"source\": {\"source_type\": \"CODE\", \"source_id\": \"checker\"},"
                        + " \"expectation\": {\"value\": \"ok\"}}}")
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200).extract().path("assessment.assessment_id");
        runId = given().contentType(ContentType.JSON).body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + traceId + "\"]}")
                .post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
    }

    /** One endpoint: the roles it needs (comma-separated: any of them) and a request that it accepts. */
    private record Endpoint(String method, String path, String role, String contentType, String body) {
    }

    private List<Endpoint> endpoints() {
        String json = "application/json";
        String ingest = "{\"traces\": [{\"inputs\": \"q\"}]}";
        String feedback = "{\"assessment\": {\"assessment_name\": \"tone\", \"source\": {\"source_type\": \"HUMAN\"}, "
                + "\"feedback\": {\"value\": \"ok\"}}}";
        String a = "/api/3.0/mlflow/traces/" + traceId + "/assessments/";
        return List.of(
                new Endpoint("GET", "/api/traces", Roles.READ, null, null),
                new Endpoint("GET", "/api/traces/" + traceId, Roles.READ, null, null),
                new Endpoint("POST", "/api/traces", Roles.INGEST, json, ingest),
                new Endpoint("POST", "/v1/traces", Roles.INGEST, json, "{}"),
                new Endpoint("GET", "/api/3.0/mlflow/traces/" + traceId, Roles.READ, null, null),
                new Endpoint("GET", "/api/assessments", Roles.READ, null, null),
                new Endpoint("POST", "/api/3.0/mlflow/traces/" + traceId + "/assessments", Roles.ANNOTATE, json, feedback),
                new Endpoint("GET", a + assessmentId, Roles.READ, null, null),
                new Endpoint("PATCH", a + assessmentId, Roles.ANNOTATE, json, "{\"assessment\": {\"rationale\": \"r\"}, \"update_mask\": \"rationale\"}"),
                // deleting what is not there: either role may try (what it may delete depends on the assessment's source)
                new Endpoint("DELETE", a + "a-missing", Roles.ANNOTATE + "," + Roles.JUDGE, null, null),
                new Endpoint("GET", "/api/judges", Roles.READ, null, null),
                new Endpoint("GET", "/api/judges/exact_match", Roles.READ, null, null),
                new Endpoint("POST", "/api/judge-runs", Roles.JUDGE, json, "{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + traceId + "\"]}"),
                new Endpoint("GET", "/api/judge-runs", Roles.READ, null, null),
                new Endpoint("GET", "/api/judge-runs/" + runId, Roles.READ, null, null),
                new Endpoint("POST", "/api/judge-runs/" + runId + "/cancel", Roles.JUDGE, null, null),
                new Endpoint("POST", "/api/judge-runs/" + runId + "/retry", Roles.JUDGE, null, null),
                new Endpoint("GET", "/api/sweeps", Roles.READ, null, null),
                new Endpoint("GET", "/api/sweeps/tagged", Roles.READ, null, null),
                new Endpoint("POST", "/api/sweeps/off/trigger", Roles.JUDGE, null, null),
                new Endpoint("POST", "/api/meta-evaluations", Roles.READ, json,
                        "{\"name\": \"tone\", \"reference\": {\"human_feedback\": \"tone\"}}"),
                new Endpoint("GET", "/api/meta-evaluations?name=tone&human_feedback=tone", Roles.READ, null, null),
                new Endpoint("GET", "/api/meta-evaluations/disagreements?name=tone&human_feedback=tone&model=checker", Roles.READ, null, null),
                new Endpoint("GET", "/meta-evaluation", Roles.READ, null, null),
                new Endpoint("GET", "/meta-evaluation/label?name=tone", Roles.READ, null, null),
                new Endpoint("POST", "/meta-evaluation/label", Roles.ANNOTATE, "application/x-www-form-urlencoded",
                        "name=tone&trace_id=" + traceId + "&value=ok"),
                new Endpoint("GET", "/api/admin/keys", Roles.ADMIN, null, null),
                new Endpoint("POST", "/api/admin/keys", Roles.ADMIN, json, "{\"name\": \"matrix-" + UUID.randomUUID() + "\", \"roles\": [\"read\"]}"),
                new Endpoint("DELETE", "/api/admin/keys/no-such-key", Roles.ADMIN, null, null));
    }

    @Test
    void aRefusalSaysWhichRoleIsNeededAndWhichTheKeyHas() {
        String reviewer = dev.tribunal.TestSecurity.key("reviewer-403@example.com", Roles.READ, Roles.ANNOTATE);
        given().header("Authorization", "Bearer " + reviewer).contentType(io.restassured.http.ContentType.JSON)
                .body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"tr-x\"]}").post("/api/judge-runs").then().statusCode(403)
                .body("error_code", org.hamcrest.Matchers.equalTo("PERMISSION_DENIED"))
                .body("detail", org.hamcrest.Matchers.equalTo("This request needs the judge role; key 'reviewer-403@example.com' has read, annotate"));
        String ingest = dev.tribunal.TestSecurity.key("ingest-403", Roles.INGEST);
        given().header("Authorization", "Bearer " + ingest).get("/api/3.0/mlflow/traces/tr-x").then().statusCode(403)
                .body("error_code", org.hamcrest.Matchers.equalTo("PERMISSION_DENIED"))
                .body("message", org.hamcrest.Matchers.equalTo("This request needs the read role; key 'ingest-403' has ingest"));
        given().header("Authorization", "Bearer " + ingest).contentType(io.restassured.http.ContentType.JSON).body("{\"assessment\": {}}")
                .post("/api/3.0/mlflow/traces/tr-x/assessments").then().statusCode(403)
                .body("message", org.hamcrest.Matchers.equalTo("This request needs the annotate or judge role; key 'ingest-403' has ingest"));
    }

    @Test
    void everyEndpointNeedsAKeyWithItsRole() throws Exception {
        Map<String, String> keys = new java.util.LinkedHashMap<>();
        for (String role : List.of(Roles.READ, Roles.INGEST, Roles.ANNOTATE, Roles.JUDGE, Roles.ADMIN)) {
            keys.put(role, key("matrix-" + role, role));
        }
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            boolean page = e.path().startsWith("/meta-evaluation");
            HttpResponse<String> anonymous = send(e.method(), e.path(), null, e.contentType(), e.body());
            int expectedAnonymous = page ? 303 : 401;
            if (anonymous.statusCode() != expectedAnonymous) {
                wrong.add(e.method() + " " + e.path() + " without a key: " + anonymous.statusCode());
            }
            HttpResponse<String> unknown = send(e.method(), e.path(), "trb_not-a-key", e.contentType(), e.body());
            if (unknown.statusCode() != expectedAnonymous) {
                wrong.add(e.method() + " " + e.path() + " with an unknown key: " + unknown.statusCode());
            }
            for (Map.Entry<String, String> k : keys.entrySet()) {
                boolean allowed = List.of(e.role().split(",")).contains(k.getKey()) || k.getKey().equals(Roles.ADMIN);
                int status = send(e.method(), e.path(), k.getValue(), e.contentType(), e.body()).statusCode();
                boolean passed = status != 401 && status != 403 && status < 500;
                if (allowed ? !passed : status != 403) {
                    wrong.add(e.method() + " " + e.path() + " with role " + k.getKey() + ": " + status);
                }
            }
        }
        assertEquals(List.of(), wrong);
        // a role's request that passes gets its answer: a few spot checks of the 2xx
        assertEquals(200, send("GET", "/api/traces/" + traceId, keys.get(Roles.READ), null, null).statusCode());
        assertEquals(200, send("POST", "/api/traces", keys.get(Roles.INGEST), "application/json", "{\"traces\": [{\"inputs\": \"q\"}]}").statusCode());
        assertEquals(202, send("POST", "/api/judge-runs", keys.get(Roles.JUDGE), "application/json",
                "{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + traceId + "\"]}").statusCode());
        // health and metrics stay open for probes and scrapers
        assertEquals(200, send("GET", "/q/health/live", null, null, null).statusCode());
        assertEquals(200, send("GET", "/q/metrics", null, null, null).statusCode());
    }

    @Test
    void unauthenticatedAndForbiddenAnswersSayWhy() throws Exception {
        HttpResponse<String> anonymous = send("GET", "/api/traces", null, null, null);
        assertEquals("Bearer", anonymous.headers().firstValue("WWW-Authenticate").orElse(null));
        assertEquals("UNAUTHENTICATED", JsonPath.from(anonymous.body()).getString("error_code"));
        HttpResponse<String> mlflow = send("GET", "/api/3.0/mlflow/traces/" + traceId, "trb_wrong", null, null);
        assertEquals(401, mlflow.statusCode());
        assertEquals("The API key is unknown or revoked", JsonPath.from(mlflow.body()).getString("message"), "MLflow's error body on MLflow paths");
        HttpResponse<String> forbidden = send("POST", "/api/judge-runs", key("only-reader", Roles.READ), "application/json", "{}");
        assertEquals(403, forbidden.statusCode());
        assertEquals("PERMISSION_DENIED", JsonPath.from(forbidden.body()).getString("error_code"));
        assertEquals(401, send("GET", "/api/traces", null, null, null).statusCode());
        assertEquals(401, send("GET", "/q/openapi", null, null, null).statusCode(), "the API's documentation needs a key");
        assertEquals(200, send("GET", "/q/openapi", key("docs-reader", Roles.READ), null, null).statusCode());
        HttpResponse<String> reserved = send("POST", "/api/admin/keys", TestSecurity.ADMIN_KEY, "application/json",
                "{\"name\": \"Local\", \"roles\": [\"annotate\"]}");
        assertEquals(400, reserved.statusCode(), "names Tribunal records as authors are reserved: " + reserved.body());
        HttpResponse<String> inline = send("POST", "/api/judge-runs", key("judge-only", Roles.JUDGE), "application/json",
                "{\"judges\": [\"exact_match\"], \"traces\": [{\"inputs\": \"x\", \"expectations\": {\"expected_response\": \"y\"}}]}");
        assertEquals(403, inline.statusCode(), "inline traces are ingested: " + inline.body());
        HttpResponse<String> malformed = HTTP.send(HttpRequest.newBuilder(URI.create(base + "api/traces")).header("Authorization", "Basic abc").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, malformed.statusCode());
        assertTrue(malformed.body().contains("Bearer <API key>"), malformed.body());
    }

    @Test
    void keysAreShownOnceStoredAsHashesAndRevokedAtOnce() throws Exception {
        String name = "revocable-" + UUID.randomUUID().toString().substring(0, 8);
        String key = key(name, Roles.READ, Roles.INGEST);
        assertTrue(key.startsWith("trb_") && key.length() > 40, key);
        assertEquals(200, send("GET", "/api/traces", key, null, null).statusCode());
        String listed = given().get("/api/admin/keys").then().statusCode(200).extract().asString();
        assertTrue(listed.contains(name), listed);
        assertFalse(listed.contains(key), "the key is never listed");
        JsonPath entry = JsonPath.from(listed);
        assertEquals(List.of("read", "ingest"), entry.getList("keys.find { it.name == '" + name + "' }.roles"));
        assertEquals("bootstrap", entry.getString("keys.find { it.name == '" + name + "' }.created_by"));
        long stored = pool.preparedQuery("select count(*) from api_key where key_hash = $1 or key_prefix = $1 or name = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(key)).await().indefinitely().iterator().next().getLong(0);
        assertEquals(0, stored, "the key itself is in no column");
        given().contentType(ContentType.JSON).body(Map.of("name", name, "roles", List.of("read"))).post("/api/admin/keys").then().statusCode(409);
        given().contentType(ContentType.JSON).body(Map.of("name", "x", "roles", List.of("superuser"))).post("/api/admin/keys")
                .then().statusCode(400);

        given().delete("/api/admin/keys/" + name).then().statusCode(204);
        assertEquals(401, send("GET", "/api/traces", key, null, null).statusCode(), "revoked: refused on the next request");
        given().delete("/api/admin/keys/" + name).then().statusCode(404);
    }

    @Test
    void humanAssessmentsAreRecordedInTheCallersNameOnly() throws Exception {
        String alice = key("alice", Roles.ANNOTATE, Roles.READ);
        String carol = key("carol", Roles.ANNOTATE);
        String path = "/api/3.0/mlflow/traces/" + traceId + "/assessments";
        HttpResponse<String> forged = send("POST", path, alice, "application/json", "{\"assessment\": {\"assessment_name\": \"correctness\", "
                + "\"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"bob\"}, \"feedback\": {\"value\": \"yes\"}}}");
        assertEquals(403, forged.statusCode(), forged.body());
        assertTrue(forged.body().contains("names someone else"), forged.body());

        HttpResponse<String> own = send("POST", path, alice, "application/json", "{\"assessment\": {\"assessment_name\": \"correctness\", "
                + "\"source\": {\"source_type\": \"HUMAN\"}, \"feedback\": {\"value\": \"yes\"}, \"metadata\": {\"tribunal.logged_by\": \"bob\"}}}");
        assertEquals(200, own.statusCode(), own.body());
        JsonPath created = JsonPath.from(own.body());
        assertEquals("alice", created.getString("assessment.source.source_id"), "a HUMAN source without id is the caller");
        assertEquals("alice", created.getString("assessment.metadata.'tribunal.logged_by'"), "who wrote it is not the client's to say");
        String label = created.getString("assessment.assessment_id");

        // a judge's verdict is not a reviewer's to log, change or delete: reviewers override it
        String judgment = "{\"assessment\": {\"assessment_name\": \"correctness\", "
                + "\"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/gpt-4o\"}, \"feedback\": {\"value\": \"no\"}}}";
        HttpResponse<String> posing = send("POST", path, alice, "application/json", judgment);
        assertEquals(403, posing.statusCode(), posing.body());
        assertTrue(posing.body().contains("judge role"), posing.body());
        String evaluator = key("eval-bot", Roles.JUDGE);
        HttpResponse<String> judge = send("POST", path, evaluator, "application/json", judgment);
        assertEquals(200, judge.statusCode(), judge.body());
        assertEquals("openai:/gpt-4o", JsonPath.from(judge.body()).getString("assessment.source.source_id"), "other sources keep their id");
        assertEquals("eval-bot", JsonPath.from(judge.body()).getString("assessment.metadata.'tribunal.logged_by'"));
        String verdict = JsonPath.from(judge.body()).getString("assessment.assessment_id");
        assertEquals(403, send("PATCH", path + "/" + verdict, alice, "application/json",
                "{\"assessment\": {\"feedback\": {\"value\": \"yes\"}}, \"update_mask\": \"feedback\"}").statusCode(), "a reviewer cannot change a verdict");
        assertEquals(403, send("DELETE", path + "/" + verdict, alice, null, null).statusCode(), "nor delete it");
        assertEquals(403, send("POST", path, evaluator, "application/json", "{\"assessment\": {\"assessment_name\": \"correctness\", "
                + "\"source\": {\"source_type\": \"HUMAN\"}, \"feedback\": {\"value\": \"yes\"}}}").statusCode(), "a judge key is not a reviewer");
        HttpResponse<String> overridden = send("POST", path, alice, "application/json", "{\"assessment\": {\"assessment_name\": \"correctness\", "
                + "\"source\": {\"source_type\": \"HUMAN\"}, \"feedback\": {\"value\": \"yes\"}, \"overrides\": \"" + verdict + "\"}}");
        assertEquals(200, overridden.statusCode(), "but overrides it: " + overridden.body());

        String patch = "{\"assessment\": {\"rationale\": \"changed\"}, \"update_mask\": \"rationale\"}";
        assertEquals(403, send("PATCH", path + "/" + label, carol, "application/json", patch).statusCode(), "carol cannot change alice's label");
        assertEquals(403, send("POST", path, carol, "application/json", "{\"assessment\": {\"assessment_name\": \"correctness\", "
                + "\"feedback\": {\"value\": \"no\"}, \"overrides\": \"" + label + "\"}}").statusCode(), "nor override it");
        HttpResponse<String> future = send("POST", path, carol, "application/json", "{\"assessment\": {\"assessment_name\": \"tone\", "
                + "\"source\": {\"source_type\": \"HUMAN\"}, \"feedback\": {\"value\": \"ok\"}, \"create_time\": \"2099-01-01T00:00:00Z\", "
                + "\"metadata\": {\"tribunal.updated_by\": \"alice\"}}}");
        assertEquals(200, future.statusCode(), future.body());
        assertTrue(java.time.Instant.parse(JsonPath.from(future.body()).getString("assessment.create_time")).isBefore(java.time.Instant.now().plusSeconds(5)),
                "a create_time to come is now: " + future.body());
        assertEquals(null, JsonPath.from(future.body()).getString("assessment.metadata.'tribunal.updated_by'"), "not the client's to say");
        assertEquals(403, send("DELETE", path + "/" + label, carol, null, null).statusCode(), "nor delete it");
        HttpResponse<String> changed = send("PATCH", path + "/" + label, alice, "application/json",
                "{\"assessment\": {\"metadata\": {\"tribunal.logged_by\": \"mallory\"}}, \"update_mask\": \"metadata\"}");
        assertEquals(200, changed.statusCode(), changed.body());
        assertEquals("alice", JsonPath.from(changed.body()).getString("assessment.metadata.'tribunal.logged_by'"));
        assertEquals("alice", JsonPath.from(changed.body()).getString("assessment.metadata.'tribunal.updated_by'"));
        given().contentType(ContentType.JSON).body(patch).patch(path + "/" + label).then().statusCode(200)
                .body("assessment.metadata.'tribunal.updated_by'", org.hamcrest.Matchers.equalTo("bootstrap"));

        String ingester = key("ingest-bot", Roles.INGEST);
        String trace = "tr-sec-exp-" + UUID.randomUUID();
        assertEquals(403, send("POST", "/api/traces", ingester, "application/json", "{\"traces\": [{\"trace_id\": \"" + trace
                + "\", \"inputs\": \"q\", \"expectations\": {\"is_correct\": true}, \"expectation_source\": {\"source_type\": \"HUMAN\", "
                + "\"source_id\": \"bob\"}}]}").statusCode(), "expectations at ingest follow the same rule");
        assertEquals(200, send("POST", "/api/traces", ingester, "application/json", "{\"traces\": [{\"trace_id\": \"" + trace
                + "\", \"inputs\": \"q\", \"expectations\": {\"is_correct\": true}}]}").statusCode());
        Map<String, Object> expectation = given().queryParam("trace_id", trace).get("/api/assessments").then().statusCode(200)
                .extract().jsonPath().getMap("assessments[0]");
        assertEquals("ingest-bot", ((Map<?, ?>) expectation.get("source")).get("source_id"));
        assertEquals("ingest-bot", ((Map<?, ?>) expectation.get("metadata")).get("tribunal.logged_by"));
    }

    @Test
    void browsersSignInWithAKeyAndFormsCarryACsrfToken() throws Exception {
        String reviewer = key("dana@example.com", Roles.READ, Roles.ANNOTATE);
        HttpResponse<String> redirected = send("GET", "/meta-evaluation?name=tone", null, null, null);
        assertEquals(303, redirected.statusCode());
        assertTrue(redirected.headers().firstValue("Location").orElse("")
                .endsWith("/login?next=" + URLEncoder.encode("/meta-evaluation?name=tone", StandardCharsets.UTF_8)), redirected.headers().toString());
        assertEquals(200, send("GET", "/login", null, null, null).statusCode());

        HttpResponse<String> refused = send("POST", "/login", null, "application/x-www-form-urlencoded", "key=trb_wrong&next=/meta-evaluation");
        assertEquals(401, refused.statusCode());
        assertTrue(refused.body().contains("unknown or revoked"));
        HttpResponse<String> offsite = send("POST", "/login", null, "application/x-www-form-urlencoded",
                "key=" + reviewer + "&next=" + URLEncoder.encode("//evil.example.com/x", StandardCharsets.UTF_8));
        assertEquals("/traces", offsite.headers().firstValue("Location").orElse(null), "never sent to another site: to the console's first page");
        for (String elsewhere : List.of("/\t/evil.example.com/x", "/\n/evil.example.com", "/\\evil.example.com", "https://evil.example.com")) {
            HttpResponse<String> sent = send("POST", "/login", null, "application/x-www-form-urlencoded",
                    "key=" + reviewer + "&next=" + URLEncoder.encode(elsewhere, StandardCharsets.UTF_8));
            assertEquals("/traces", sent.headers().firstValue("Location").orElse(null), "browsers read " + elsewhere + " as another site");
        }
        HttpResponse<String> root = send("GET", "/", null, null, null);
        assertEquals(303, root.statusCode(), "the root opens the console");
        assertEquals("/traces", root.headers().firstValue("Location").orElse(null));
        HttpResponse<String> signedIn = send("POST", "/login", null, "application/x-www-form-urlencoded",
                "key=" + reviewer + "&next=" + URLEncoder.encode("/meta-evaluation/label?name=tone&trace_id=" + traceId, StandardCharsets.UTF_8));
        assertEquals(303, signedIn.statusCode());
        String cookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.startsWith(ApiKeyMechanism.COOKIE + "=trs_"), cookie);
        assertFalse(cookie.contains(reviewer) || cookie.contains(reviewer.substring(4)), "the cookie holds a session token, never the key");
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
        assertFalse(cookie.contains("Secure"), "plain HTTP here: " + cookie);
        assertTrue(signedIn.headers().firstValue("Strict-Transport-Security").isEmpty(), "no HSTS over plain HTTP");
        HttpResponse<String> proxied = HTTP.send(HttpRequest.newBuilder(URI.create(base + "login")).header("X-Forwarded-Proto", "https")
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("key=" + reviewer))
                .build(), HttpResponse.BodyHandlers.ofString());
        String secureCookie = proxied.headers().firstValue("Set-Cookie").orElse("");
        assertTrue(secureCookie.startsWith("__Host-" + ApiKeyMechanism.COOKIE + "=trs_") && secureCookie.contains("Secure")
                && secureCookie.contains("Path=/") && !secureCookie.contains("Domain"), "behind an HTTPS proxy: " + secureCookie);
        assertEquals("max-age=31536000", proxied.headers().firstValue("Strict-Transport-Security").orElse(null), "HSTS over HTTPS");
        String session = cookie.substring(0, cookie.indexOf(';'));
        String secureSession = secureCookie.substring(0, secureCookie.indexOf(';'));
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create(base + "meta-evaluation?name=tone")).header("Cookie", secureSession)
                .header("X-Forwarded-Proto", "https").build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(303, HTTP.send(HttpRequest.newBuilder(URI.create(base + "meta-evaluation?name=tone"))
                .header("Cookie", ApiKeyMechanism.COOKIE + "=" + secureSession.substring(secureSession.indexOf('=') + 1))
                .header("X-Forwarded-Proto", "https").build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                "over HTTPS only the __Host- cookie counts: no other host can plant a session");
        HttpResponse<String> signedOut = HTTP.send(HttpRequest.newBuilder(URI.create(base + "logout")).header("Cookie", secureSession)
                .header("X-Forwarded-Proto", "https").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, signedOut.statusCode());
        assertEquals(303, HTTP.send(HttpRequest.newBuilder(URI.create(base + "meta-evaluation?name=tone")).header("Cookie", secureSession)
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode(), "after signing out, a copy of the cookie is worthless");

        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(base + "meta-evaluation/label?name=tone&trace_id=" + traceId))
                .header("Cookie", session).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(null));
        assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElse(null));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("frame-ancestors 'none'"));
        java.util.regex.Matcher token = java.util.regex.Pattern.compile("name=\"csrf\" value=\"([0-9a-f]{64})\"").matcher(page.body());
        assertTrue(token.find(), "the form carries a CSRF token");
        HttpResponse<String> api = HTTP.send(HttpRequest.newBuilder(URI.create(base + "api/traces")).header("Cookie", session).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, api.statusCode(), "the session reads the JSON the pages link to");
        HttpResponse<String> write = HTTP.send(HttpRequest.newBuilder(URI.create(base + "api/traces")).header("Cookie", session)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"traces\": [{\"inputs\": \"x\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, write.statusCode(), "the JSON API's writes take a bearer key only, never the session");

        String form = "name=tone&trace_id=" + traceId + "&value=ok";
        HttpResponse<String> forged = HTTP.send(HttpRequest.newBuilder(URI.create(base + "meta-evaluation/label")).header("Cookie", session)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form + "&csrf=" + "0".repeat(64)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, forged.statusCode(), "a form without the page's token is refused");
        HttpResponse<String> saved = HTTP.send(HttpRequest.newBuilder(URI.create(base + "meta-evaluation/label")).header("Cookie", session)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form + "&csrf=" + token.group(1)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, saved.statusCode(), saved.body());
        given().queryParam("trace_id", traceId).queryParam("source_type", "HUMAN").get("/api/assessments").then().statusCode(200)
                .body("assessments[0].source.source_id", org.hamcrest.Matchers.equalTo("dana@example.com"));

        given().delete("/api/admin/keys/dana@example.com").then().statusCode(204);
        HttpResponse<String> afterRevoke = HTTP.send(HttpRequest.newBuilder(URI.create(base + "meta-evaluation")).header("Cookie", session).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(303, afterRevoke.statusCode(), "a revoked key's session ends at once");
    }

    /** Every redirect is a path on this server: a Host header (or a forwarded host) a client makes up is never named. */
    @Test
    void redirectsNeverNameTheHostAClientSent() {
        String reviewer = key("erin@example.com", Roles.READ, Roles.ANNOTATE, Roles.JUDGE);
        Map<String, String> forged = dev.tribunal.RawHttp.headers("Host", "evil.example.com", "X-Forwarded-Host", "evil.example.com");
        List<String> locations = new ArrayList<>();
        java.util.function.BiFunction<dev.tribunal.RawHttp.Answer, Integer, dev.tribunal.RawHttp.Answer> located = (answer, status) -> {
            assertEquals(status, answer.status(), answer.toString());
            locations.add(answer.header("Location").orElseThrow(() -> new AssertionError("no Location: " + answer)));
            return answer;
        };
        Map<String, String> form = new java.util.LinkedHashMap<>(forged);
        form.put("Content-Type", "application/x-www-form-urlencoded");
        dev.tribunal.RawHttp.Answer signedIn = located.apply(dev.tribunal.RawHttp.send(base, "POST", "/login", form,
                "key=" + reviewer + "&next=" + URLEncoder.encode("/meta-evaluation/label?name=tone&trace_id=" + traceId, StandardCharsets.UTF_8)), 303);
        String cookie = signedIn.header("Set-Cookie").orElseThrow();
        String session = cookie.substring(0, cookie.indexOf(';'));
        located.apply(dev.tribunal.RawHttp.send(base, "GET", "/meta-evaluation?name=tone", forged, null), 303);
        located.apply(dev.tribunal.RawHttp.send(base, "GET", "/meta-evaluation/label?name=tone", dev.tribunal.RawHttp.headers("Host", "evil.example.com",
                "Cookie", ApiKeyMechanism.COOKIE + "=trs_ended"), null), 303);
        located.apply(dev.tribunal.RawHttp.send(base, "GET", "/q/swagger-ui/", forged, null), 303);

        Map<String, String> signedInForged = new java.util.LinkedHashMap<>(forged);
        signedInForged.put("Cookie", session);
        dev.tribunal.RawHttp.Answer page = dev.tribunal.RawHttp.send(base, "GET", "/meta-evaluation/label?name=tone&trace_id=" + traceId, signedInForged, null);
        java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"csrf\" value=\"([0-9a-f]{64})\"").matcher(page.body());
        assertTrue(csrf.find(), page.toString());
        Map<String, String> labelForm = new java.util.LinkedHashMap<>(signedInForged);
        labelForm.put("Content-Type", "application/x-www-form-urlencoded");
        located.apply(dev.tribunal.RawHttp.send(base, "POST", "/meta-evaluation/label", labelForm,
                "name=tone&trace_id=" + traceId + "&value=ok&csrf=" + csrf.group(1)), 303);
        located.apply(dev.tribunal.RawHttp.send(base, "POST", "/logout", signedInForged, null), 303);

        Map<String, String> json = new java.util.LinkedHashMap<>(forged);
        json.put("Authorization", "Bearer " + reviewer);
        json.put("Content-Type", "application/json");
        dev.tribunal.RawHttp.Answer started = located.apply(dev.tribunal.RawHttp.send(base, "POST", "/api/judge-runs", json,
                "{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + traceId + "\"]}"), 202);
        String run = JsonPath.from(started.body()).getString("run_id");
        located.apply(dev.tribunal.RawHttp.send(base, "POST", "/api/judge-runs/" + run + "/retry", json, "{}"), 202);

        assertEquals(List.of("/meta-evaluation/label?name=tone&trace_id=" + traceId, "/login?next=%2Fmeta-evaluation%3Fname%3Dtone",
                "/login?next=%2Fmeta-evaluation%2Flabel%3Fname%3Dtone", "/login?next=%2Fq%2Fswagger-ui%2F",
                "/meta-evaluation/label?name=tone&saved=" + traceId, "/login", "/api/judge-runs/" + run, "/api/judge-runs/" + run), locations);
    }

    /**
     * A sign-in's Origin is compared with the host Quarkus resolved for the request: its Host header, or a forwarded host
     * only from a configured proxy that is let to say so (quarkus.http.proxy.enable-forwarded-host, off here).
     */
    @Test
    void signInsFromAnotherSiteAreRefusedWhateverForwardedHostTheySend() {
        String key = key("origin-check", Roles.READ);
        Map<String, String> offsite = dev.tribunal.RawHttp.headers("Origin", "https://evil.example.com", "X-Forwarded-Host", "evil.example.com",
                "Content-Type", "application/x-www-form-urlencoded");
        dev.tribunal.RawHttp.Answer refused = dev.tribunal.RawHttp.send(base, "POST", "/login", offsite, "key=" + key);
        assertEquals(403, refused.status(), refused.toString());
        assertEquals(403, dev.tribunal.RawHttp.send(base, "POST", "/logout", offsite, null).status());
        dev.tribunal.RawHttp.Answer own = dev.tribunal.RawHttp.send(base, "POST", "/login", dev.tribunal.RawHttp.headers(
                "Origin", "http://" + base.getHost() + ":" + base.getPort(), "Content-Type", "application/x-www-form-urlencoded"), "key=" + key);
        assertEquals(303, own.status(), "from this server's own page: " + own);
    }

    @Test
    void keysNeverAppearInLogsResponsesOrMetrics() throws Exception {
        String key = key("secret-check", Roles.READ);
        send("GET", "/api/traces", key, null, null);
        send("GET", "/api/traces", key + "x", null, null);
        String metrics = send("GET", "/q/metrics", null, null, null).body();
        String traces = send("GET", "/api/traces", key, null, null).body();
        String keys = given().get("/api/admin/keys").then().extract().asString();
        String log = Files.readString(Path.of(FakeProviders.LOG_FILE));
        for (String secret : List.of(key, TestSecurity.ADMIN_KEY)) {
            for (Map.Entry<String, String> place : Map.of("metrics", metrics, "traces", traces, "key list", keys, "log", log).entrySet()) {
                assertFalse(place.getValue().contains(secret), "a key in the " + place.getKey());
            }
        }
        assertTrue(log.contains("API key 'secret-check' with roles [read] created by bootstrap"), "key changes are logged, by name");
        assertNotEquals(-1, log.indexOf("revoked by"));
    }

    /** Every 12 characters in a row of every form in which a provider may echo the key, and its masked form, lower-cased. */
    private static List<String> echoedKeyTraces() {
        List<String> traces = new ArrayList<>();
        for (String form : dev.tribunal.llm.FakeOpenAiServer.echoes(FakeProviders.SECRET_KEY)) {
            String lower = form.toLowerCase(java.util.Locale.ROOT);
            for (int i = 0; i + 12 <= lower.length(); i++) {
                traces.add(lower.substring(i, i + 12));
            }
            if (lower.length() < 12) {
                traces.add(lower);
            }
        }
        return traces.stream().distinct().toList();
    }

    /**
     * A provider that echoes its key back (upper case, base64 of the key and of the Authorization header, URL-encoded,
     * hex, a prefix, the end, masked) in a verdict's rationale, as the verdict's value, or in an error: each judgment is
     * stored and readable with the key taken out, in every form.
     */
    @Test
    void providerKeysEchoedInAnyFormAreStoredNowhere() throws Exception {
        long since = transactionNow();
        List<String> traceIds = dev.tribunal.run.RunTestSupport.traces(2, "2");
        String runId = dev.tribunal.run.RunTestSupport.startRun(List.of("relevance"), traceIds,
                List.of("fake:/echo-key", "fake:/echo-key-value", "fake:/echo-key-error"));
        dev.tribunal.run.RunTestSupport.awaitCompleted(runId, java.time.Duration.ofSeconds(30));
        String reader = key("echo-reader", Roles.READ);
        String results = send("GET", "/api/assessments?run_id=" + runId, reader, null, null).body();
        JsonPath read = JsonPath.from(results);
        assertEquals(6, read.getList("assessments").size(), results);
        assertEquals(List.of("yes", "yes"), read.getList("assessments.findAll { it.source.source_id == 'fake:/echo-key' }.feedback.value"),
                "a verdict whose rationale echoed the key still counts");
        assertTrue(read.getList("assessments.findAll { it.source.source_id == 'fake:/echo-key' }.rationale", String.class).stream()
                .allMatch(r -> r.startsWith("Checked; the gateway saw [api key]")), results);
        assertEquals(List.of("INVALID_JUDGE_OUTPUT", "INVALID_JUDGE_OUTPUT"),
                read.getList("assessments.findAll { it.source.source_id == 'fake:/echo-key-value' }.feedback.error.error_code"));
        assertEquals(List.of("PROVIDER_REJECTED", "PROVIDER_REJECTED"),
                read.getList("assessments.findAll { it.source.source_id == 'fake:/echo-key-error' }.feedback.error.error_code"));
        StringBuilder everything = new StringBuilder(results);
        for (String traceId : traceIds) {
            everything.append(send("GET", "/api/traces/" + traceId, reader, null, null).body());
            everything.append(send("GET", "/api/3.0/mlflow/traces/" + traceId, reader, null, null).body());
        }
        String lower = everything.toString().toLowerCase(java.util.Locale.ROOT);
        for (String trace : echoedKeyTraces()) {
            assertFalse(lower.contains(trace), "'" + trace + "' of the key is readable: " + results);
        }
        assertFalse(Files.readString(Path.of(FakeProviders.LOG_FILE)).toLowerCase(java.util.Locale.ROOT).contains(
                FakeProviders.SECRET_KEY.substring(0, 12)), "the log holds the key");
        assertNoKeyInAnyTable(since);
    }

    /** The database's current transaction id: rows written after it carry a later one (their xmin). */
    private long transactionNow() {
        return pool.query("select txid_current() % 4294967296").execute().await().indefinitely().iterator().next().getLong(0);
    }

    /**
     * No row of any table written since the given transaction holds any 12 characters in a row of any echoed form of the
     * provider's key, in any letter case (rows written before, by other tests, are not read again: a table may hold
     * hundreds of thousands of them).
     */
    private void assertNoKeyInAnyTable(long since) {
        String pattern = echoedKeyTraces().stream().map(t -> t.replaceAll("([^a-z0-9])", "\\\\$1"))
                .collect(java.util.stream.Collectors.joining("|"));
        List<String> tables = new ArrayList<>();
        pool.query("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'")
                .execute().await().indefinitely().forEach(row -> tables.add(row.getString(0)));
        for (String table : tables) {
            // the new rows are picked first (offset 0 keeps PostgreSQL from merging the two steps), then only they are searched
            long rows = pool.preparedQuery("select count(*) from (select t::text as row from \"" + table + "\" t "
                            + "where t.xmin::text::bigint >= $2 offset 0) written where written.row ~* $1")
                    .execute(io.vertx.mutiny.sqlclient.Tuple.of(pattern, since)).await().indefinitely().iterator().next().getLong(0);
            assertEquals(0, rows, "table " + table + " holds a form of the provider's key");
        }
    }

    /** After keys, a session and a judgment whose provider echoes the key it was sent, no table holds any key. */
    @Test
    void theDatabaseHoldsNoKey() throws Exception {
        long since = transactionNow();
        String key = key("db-scan", Roles.READ);
        HttpResponse<String> signedIn = send("POST", "/login", null, "application/x-www-form-urlencoded", "key=" + key);
        assertEquals(303, signedIn.statusCode());
        String session = signedIn.headers().firstValue("Set-Cookie").orElseThrow();
        String token = session.substring(session.indexOf('=') + 1, session.indexOf(';'));
        String runId = dev.tribunal.run.RunTestSupport.startRun(List.of("relevance"), dev.tribunal.run.RunTestSupport.traces(1, "2"),
                List.of("fake:/unauthorized"));
        dev.tribunal.run.RunTestSupport.awaitCompleted(runId, java.time.Duration.ofSeconds(30));

        List<String> tables = new ArrayList<>();
        pool.query("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'")
                .execute().await().indefinitely().forEach(row -> tables.add(row.getString(0)));
        assertTrue(tables.containsAll(List.of("api_key", "browser_session", "assessment", "judge_task")), tables.toString());
        // every row, each read once: the tables may hold hundreds of thousands of them by now
        String secrets = java.util.stream.Stream.of(key, token, TestSecurity.ADMIN_KEY, FakeProviders.SECRET_KEY)
                .map(secret -> secret.replaceAll("([^A-Za-z0-9])", "\\\\$1")).collect(java.util.stream.Collectors.joining("|"));
        for (String table : tables) {
            long rows = pool.preparedQuery("select count(*) from \"" + table + "\" t where t::text ~ $1")
                    .execute(io.vertx.mutiny.sqlclient.Tuple.of(secrets)).await().indefinitely().iterator().next().getLong(0);
            assertEquals(0, rows, "table " + table + " holds a secret");
        }
        assertNoKeyInAnyTable(since);
    }

    /** What lists the configuration (the Dev UI's view in dev mode, a config dump) sees neither the keys nor their names. */
    @Test
    void theConfigurationListsNoCredential() {
        org.eclipse.microprofile.config.Config config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        List<String> names = new ArrayList<>();
        config.getPropertyNames().forEach(names::add);
        assertTrue(names.contains("tribunal.providers.fake.base-url"), "Tribunal's settings are listed");
        for (String name : names) {
            String value = config.getConfigValue(name).getValue();
            for (String secret : List.of(FakeProviders.SECRET_KEY, TestSecurity.ADMIN_KEY)) {
                assertFalse(value != null && value.contains(secret), name + " shows a key");
            }
        }
        assertFalse(names.contains("tribunal.providers.fake.api-key"));
        assertFalse(names.contains("tribunal.bootstrap-key"));
        org.junit.jupiter.api.Assertions.assertThrows(SecurityException.class,
                () -> config.getValue("tribunal.providers.fake.api-key", String.class), "a provider's key is not for anyone to read");
    }

    @Test
    void bodiesNestedTooDeepAreA400() throws Exception {
        String deep = "[".repeat(70) + "]".repeat(70);
        HttpResponse<String> answer = send("POST", "/api/traces", TestSecurity.ADMIN_KEY, "application/json",
                "{\"traces\": [{\"inputs\": " + deep + "}]}");
        assertEquals(400, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("nesting depth"), answer.body());
        HttpResponse<String> fine = send("POST", "/api/traces", TestSecurity.ADMIN_KEY, "application/json",
                "{\"traces\": [{\"inputs\": " + "[".repeat(40) + "]".repeat(40) + "}]}");
        assertEquals(200, fine.statusCode(), fine.body());
    }

    @Test
    void judgeResultsAreLoggedByWhoStartedTheRun() throws Exception {
        String judge = key("judge-bot", Roles.JUDGE, Roles.READ);
        HttpResponse<String> started = send("POST", "/api/judge-runs", judge, "application/json",
                "{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + traceId + "\"]}");
        assertEquals(202, started.statusCode(), started.body());
        String run = JsonPath.from(started.body()).getString("run_id");
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonPath view = null;
        while (System.nanoTime() < deadline) {
            view = JsonPath.from(send("GET", "/api/judge-runs/" + run, judge, null, null).body());
            if ("COMPLETED".equals(view.getString("status"))) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals("judge-bot", view.getString("created_by"));
        JsonPath results = JsonPath.from(send("GET", "/api/assessments?run_id=" + run, judge, null, null).body());
        assertEquals(List.of("judge-bot"), results.getList("assessments.metadata.'tribunal.logged_by'"));
    }
}
