package dev.tribunal.security;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.jwt.build.Jwt;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/**
 * Single sign-on: a team's OIDC / JWT bearer tokens (here signed by a key of the test, verified with its public
 * key) reach the API beside API keys, their groups mapped to Tribunal's roles, their user as HUMAN provenance.
 */
@QuarkusTest
@TestProfile(SingleSignOnTest.Sso.class)
class SingleSignOnTest {

    static final String ISSUER = "https://sso.example.com/realms/team";
    // the same keys whichever class loader reads them (the profile's and the test's differ): generated from fixed seeds
    static final KeyPair SIGNER = keyPair(1);
    static final KeyPair STRANGER = keyPair(2);

    public static class Sso implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.public-key", Base64.getEncoder().encodeToString(SIGNER.getPublic().getEncoded()),
                    "quarkus.oidc.token.issuer", ISSUER,
                    "tribunal.security.group-roles.\"tribunal-reviewers\"", "read,annotate",
                    "tribunal.security.group-roles.\"tribunal-admins\"", "admin",
                    "tribunal.security.requests-per-second-per-key", "20");
        }
    }

    private static KeyPair keyPair(long seed) {
        try {
            java.security.SecureRandom random = java.security.SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, random);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String token(String user, Set<String> groups, PrivateKey key, long expiresIn) {
        return Jwt.issuer(ISSUER).preferredUserName(user).subject(user).groups(groups).expiresIn(expiresIn).sign(key);
    }

    private static io.restassured.specification.RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    @Test
    void tokensFromTheTeamsIdentityProviderCarryTheirMappedRoles() {
        String trace = "tr-sso-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body(Map.of("traces", java.util.List.of(Map.of("trace_id", trace, "inputs", "q"))))
                .post("/api/traces").then().statusCode(200);

        String reviewer = token("erin@example.com", Set.of("tribunal-reviewers"), SIGNER.getPrivate(), 300);
        as(reviewer).get("/api/traces/" + trace).then().statusCode(200);
        as(reviewer).contentType(ContentType.JSON)
                .body("{\"assessment\": {\"assessment_name\": \"correctness\", \"source\": {\"source_type\": \"HUMAN\"}, \"feedback\": {\"value\": \"yes\"}}}")
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200)
                .body("assessment.source.source_id", equalTo("erin@example.com"))
                .body("assessment.metadata.'tribunal.logged_by'", equalTo("erin@example.com"));
        as(reviewer).contentType(ContentType.JSON)
                .body("{\"assessment\": {\"assessment_name\": \"correctness\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"frank\"}, "
                        + "\"feedback\": {\"value\": \"no\"}}}")
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(403);
        as(reviewer).contentType(ContentType.JSON).body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + trace + "\"]}")
                .post("/api/judge-runs").then().statusCode(403)
                .body("detail", equalTo("This request needs the judge role; user 'erin@example.com' has read, annotate"));

        String admin = token("grace@example.com", Set.of("tribunal-admins"), SIGNER.getPrivate(), 300);
        as(admin).get("/api/admin/keys").then().statusCode(200);
        as(admin).contentType(ContentType.JSON).body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + trace + "\"]}")
                .post("/api/judge-runs").then().statusCode(202);

        as(token("heidi@example.com", Set.of("marketing"), SIGNER.getPrivate(), 300)).get("/api/traces").then().statusCode(403)
                .body("detail", equalTo("This request needs the read role; user 'heidi@example.com' has no role"));
        as(token("ivan@example.com", Set.of("admin"), SIGNER.getPrivate(), 300)).get("/api/traces").then().statusCode(403);
        as(token("mallory@example.com", Set.of("tribunal-admins"), STRANGER.getPrivate(), 300)).get("/api/traces").then().statusCode(401);
        as(token("erin@example.com", Set.of("tribunal-reviewers"), SIGNER.getPrivate(), -60)).get("/api/traces").then().statusCode(401);
        // API keys work beside single sign-on
        given().get("/api/judges").then().statusCode(200);
        as("trb_not-a-key").get("/api/judges").then().statusCode(401);
    }

    @Test
    void eachUserHasTheRequestRateOfAKey() throws Exception {
        String busy = token("judy@example.com", Set.of("tribunal-reviewers"), SIGNER.getPrivate(), 300);
        String calm = token("ken@example.com", Set.of("tribunal-reviewers"), SIGNER.getPrivate(), 300);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI traces = java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + "/api/traces");
        java.util.List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            burst.add(http.sendAsync(java.net.http.HttpRequest.newBuilder(traces).header("Authorization", "Bearer " + busy).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()));
        }
        java.util.List<java.net.http.HttpResponse<String>> answers = burst.stream().map(java.util.concurrent.CompletableFuture::join).toList();
        java.util.List<java.net.http.HttpResponse<String>> refused = answers.stream().filter(a -> a.statusCode() == 429).toList();
        org.junit.jupiter.api.Assertions.assertFalse(refused.isEmpty(), "60 requests at once are over 20 a second");
        org.junit.jupiter.api.Assertions.assertTrue(answers.stream().allMatch(a -> a.statusCode() == 200 || a.statusCode() == 429));
        org.junit.jupiter.api.Assertions.assertTrue(refused.get(0).headers().firstValue("Retry-After").isPresent());
        org.junit.jupiter.api.Assertions.assertTrue(refused.get(0).body().contains("judy@example.com"), refused.get(0).body());
        as(calm).get("/api/traces").then().statusCode(200);
    }
}
