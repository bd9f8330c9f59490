package dev.tribunal.system;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static dev.tribunal.TestData.newTrace;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Errors a client can provoke: always a clear 4xx in the right shape, never a 500, nothing written. */
@QuarkusTest
class HttpErrorsTest {

    /** Just over the 10 MB default of quarkus.http.limits.max-body-size. */
    private static final int OVER_LIMIT = 10 * 1024 * 1024 + 1;

    @Test
    void oversizedBodiesAre413() {
        String trace = newTrace();
        byte[] big = ("{\"assessment\": {\"assessment_name\": \"x\", \"rationale\": \"" + "a".repeat(OVER_LIMIT) + "\", \"feedback\": {\"value\": 1}}}").getBytes();
        given().contentType(ContentType.JSON).body(big)
                .when().post("/api/3.0/mlflow/traces/" + trace + "/assessments")
                .then().statusCode(413)
                .contentType(ContentType.JSON)
                .body("error_code", equalTo("REQUEST_LIMIT_EXCEEDED"));
        given().contentType(ContentType.JSON).body(("{\"traces\": [{\"inputs\": \"" + "a".repeat(OVER_LIMIT) + "\"}]}").getBytes())
                .when().post("/api/traces")
                .then().statusCode(413)
                .contentType("application/problem+json")
                .body("status", equalTo(413));
        int count = given().when().get("/api/traces/" + trace).then().extract().jsonPath().getList("assessments").size();
        assertEquals(0, count);
    }

    @Test
    void malformedJsonIsA400() {
        given().contentType(ContentType.JSON).body("{\"traces\": [")
                .when().post("/api/traces")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_code", equalTo("MALFORMED_REQUEST"))
                .body("detail", containsString("not valid JSON"));
    }

    @Test
    void trailingGarbageIsA400() {
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"inputs\": 1}]} trailing")
                .when().post("/api/traces")
                .then().statusCode(400);
    }

    @Test
    void aLongFormFieldIsReadLikeAnyOther() {
        // a field past the form parser's own limit failed inside the parser, a 500
        given().contentType(ContentType.URLENC).body("key=" + "k".repeat(5000) + "&next=" + "x".repeat(5000))
                .redirects().follow(false)
                .when().post("/login")
                .then().statusCode(401);
    }

    @Test
    void aMalformedFormIsA400NamingTheField() {
        // a '%' that escapes nothing left the request without any answer
        for (String form : new String[] {"key=%ZZ", "key=abc%", "key=a%2&next=/", "key=%C0%BC", "next=%ED%A0%80&key=k"}) {
            given().contentType(ContentType.URLENC).body(form).redirects().follow(false)
                    .when().post("/login")
                    .then().statusCode(400)
                    .contentType("application/problem+json")
                    .body("detail", containsString(form.startsWith("next") ? "'next'" : "'key'"));
        }
        given().contentType(ContentType.URLENC).body("name=correctness&trace_id=%").redirects().follow(false)
                .when().post("/meta-evaluation/label")
                .then().statusCode(400)
                .body("detail", containsString("'trace_id'"));
    }

    @Test
    void unknownEndpointAndWrongMethodAreClear() {
        given().when().get("/api/nothing-here").then().statusCode(404)
                .contentType("application/problem+json").body("error_code", equalTo("ENDPOINT_NOT_FOUND"));
        given().when().delete("/api/traces").then().statusCode(405);
        given().contentType(ContentType.TEXT).body("x").when().post("/api/traces").then().statusCode(415)
                .contentType("application/problem+json");
    }

    @Test
    void healthMetricsAndOpenApiAreServed() {
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body(containsString("Reactive PostgreSQL connections health check"));
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("http_server"));
        given().when().get("/q/openapi").then().statusCode(200).body(containsString("/api/3.0/mlflow/traces/{trace_id}/assessments"));
    }
}
