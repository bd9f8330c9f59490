package dev.tribunal.system;

import dev.tribunal.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A field an endpoint of Tribunal's does not read is a 400 that names it, says where it is and which known field it was
 * probably meant to be, and nothing is written; MLflow's paths keep ignoring fields they do not know, as MLflow's server
 * does. A body that is not JSON is described in plain words with its line and column.
 */
@QuarkusTest
class UnknownFieldTest {

    private static String refused(String path, String body) {
        return given().contentType(ContentType.JSON).body(body).post(path).then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE")).extract().path("detail");
    }

    @Test
    void aMisspeltFieldIsNamedWithWhereItIsAndWhatItWasMeantToBe() {
        String traceId = "tr-unknown-" + UUID.randomUUID();
        String detail = refused("/api/traces", "{\"traces\": [{\"trace_id\": \"" + traceId + "\", \"inputs\": \"q\", \"tag\": {\"env\": \"prod\"}}]}");
        assertEquals(true, detail.startsWith("Unknown field 'tag' at 'traces[0].tag': did you mean \"tags\"?"), detail);
        given().get("/api/traces/" + traceId).then().statusCode(404);

        assertEquals(true, refused("/api/traces", "{\"traces\": [{\"inputs\": \"q\", \"spans\": [{\"name\": \"a\", \"span_typ\": \"LLM\"}]}]}")
                .startsWith("Unknown field 'span_typ' at 'traces[0].spans[0].span_typ': did you mean \"span_type\"?"));
        assertEquals(true, refused("/api/judge-runs", "{\"judge\": [\"exact_match\"], \"trace_ids\": [\"" + TestData.newTrace() + "\"]}")
                .startsWith("Unknown field 'judge' at 'judge': did you mean \"judges\"?"));
        assertEquals(true, refused("/api/meta-evaluations", "{\"name\": \"x\", \"refrence\": {\"human_feedback\": \"x\"}}")
                .startsWith("Unknown field 'refrence' at 'refrence': did you mean \"reference\"?"));
        String key = "unknown-field-" + UUID.randomUUID().toString().substring(0, 8);
        assertEquals(true, refused("/api/admin/keys", "{\"name\": \"" + key + "\", \"role\": [\"read\"]}")
                .startsWith("Unknown field 'role' at 'role': did you mean \"roles\"?"));
        assertFalse(given().get("/api/admin/keys?max_results=1000").then().extract().asString().contains(key), "no key was made");
        String unrelated = refused("/api/traces", "{\"traces\": [{\"inputs\": \"q\", \"zzz\": 1}]}");
        assertFalse(unrelated.contains("did you mean"), "no guess when nothing is close: " + unrelated);
        assertEquals(true, unrelated.contains("known fields here: execution_duration_ms, expectation_source, expectations"), unrelated);
    }

    @Test
    void retryAndCancelBodiesAreCheckedToo() {
        String run = given().contentType(ContentType.JSON).body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + TestData.newTrace() + "\"]}")
                .post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
        assertEquals(true, refused("/api/judge-runs/" + run + "/retry", "{\"error_code\": [\"TIMEOUT\"]}")
                .startsWith("Unknown field 'error_code' at 'error_code': did you mean \"error_codes\"?"));
        assertEquals(true, refused("/api/judge-runs/" + run + "/cancel", "{\"reason\": \"wrong traces\"}")
                .startsWith("Unknown field 'reason' at 'reason'; this object takes no fields"));
    }

    @Test
    void mlflowPathsIgnoreFieldsTheyDoNotKnow() {
        String trace = TestData.newTrace();
        given().contentType(ContentType.JSON).body("""
                {"assessment": {"assessment_name": "tone", "trace_id": "%s", "a_field_of_a_newer_client": 1,
                  "source": {"source_type": "HUMAN", "something_new": true},
                  "feedback": {"value": "ok", "future": {}}}, "also_new": []}""".formatted(trace))
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200)
                .body("assessment.feedback.value", equalTo("ok"));
    }

    @Test
    void aBodyThatIsNotJsonIsDescribedInPlainWordsWithLineAndColumn() {
        for (String path : List.of("/api/traces", "/api/3.0/mlflow/traces/tr-x/assessments")) {
            String message = given().contentType(ContentType.JSON).body("{\"traces\": [\n  {\"inputs\": \"q\",\n  }\n]}").post(path)
                    .then().statusCode(400).extract().asString();
            assertEquals(true, message.contains("The body is not valid JSON at line 3, column 3"), message);
            for (String internal : List.of("Source:", "REDACTED", "StreamReadFeature", "(code ", "com.fasterxml")) {
                assertFalse(message.contains(internal), "no parser internals (" + internal + "): " + message);
            }
        }
        given().contentType(ContentType.JSON).body("{\"traces\": [").post("/api/traces").then().statusCode(400)
                .body("detail", containsString("The body is not valid JSON at line 1, column 13: the body ends too early"))
                .body("detail", not(containsString("Source")));
    }
}
