package dev.tribunal.judge;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;

/** {@code GET /api/judges}: the shipped judges as loaded at start. */
@QuarkusTest
class JudgeApiTest {

    @Test
    void listsTheShippedJudges() {
        given().when().get("/api/judges").then().statusCode(200)
                .body("judges.name", contains("correctness", "exact_match", "groundedness", "guideline_adherence",
                        "helpfulness", "preference", "relevance", "safety", "semantic_similarity"));
    }

    @Test
    void showsOneJudgeWithModelOutputVersionAndFile() {
        given().when().get("/api/judges/correctness").then().statusCode(200)
                .body("name", equalTo("correctness"))
                .body("description", containsString("expected facts"))
                .body("kind", equalTo("llm"))
                .body("model", equalTo("openai:/gpt-4o-mini"))
                .body("output.type", equalTo("categorical"))
                .body("output.choices", contains("yes", "no"))
                .body("version", matchesPattern("[0-9a-f]{12}"))
                .body("file", equalTo("judges/correctness.yaml"))
                .body("target", equalTo("trace"))
                .body("variables", hasItems("inputs", "outputs", "expectations.expected_response"));
        given().when().get("/api/judges/semantic_similarity").then().statusCode(200)
                .body("kind", equalTo("code"))
                .body("scorer", equalTo("semantic_similarity"))
                .body("params.threshold", equalTo(0.7f))
                .body("output.type", equalTo("boolean"));
    }

    @Test
    void unknownJudgeIs404NamingTheKnownOnes() {
        given().when().get("/api/judges/nope").then().statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("known judges: correctness"));
    }
}
