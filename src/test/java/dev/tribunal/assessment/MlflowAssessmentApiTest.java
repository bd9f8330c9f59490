package dev.tribunal.assessment;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static dev.tribunal.TestData.logAssessment;
import static dev.tribunal.TestData.newTrace;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MLflow 3's assessment REST API: paths, JSON shape and every rule of its semantics. */
@QuarkusTest
class MlflowAssessmentApiTest {

    private static final String BASE = "/api/3.0/mlflow/traces/";

    private static ValidatableResponse create(String traceId, String assessmentJson) {
        return dev.tribunal.TestSecurity.author(assessmentJson).contentType(ContentType.JSON)
                .body("{\"assessment\": " + assessmentJson + "}")
                .when().post(BASE + traceId + "/assessments")
                .then();
    }

    private static ValidatableResponse get(String traceId, String assessmentId) {
        return given().when().get(BASE + traceId + "/assessments/" + assessmentId).then();
    }

    private static ValidatableResponse patch(String traceId, String assessmentId, String body) {
        return given().contentType(ContentType.JSON).body(body)
                .when().patch(BASE + traceId + "/assessments/" + assessmentId)
                .then();
    }

    private static ValidatableResponse delete(String traceId, String assessmentId) {
        return given().when().delete(BASE + traceId + "/assessments/" + assessmentId).then();
    }

    private static int assessmentCount(String traceId) {
        return given().when().get("/api/traces/" + traceId).then().statusCode(200)
                .extract().jsonPath().getList("assessments").size();
    }

    private static void assertInvalid(ValidatableResponse response, String messagePart) {
        response.statusCode(400)
                .contentType(ContentType.JSON)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString(messagePart));
    }

    @Test
    void llmJudgeFeedbackRoundTripsInMlflowJson() {
        String trace = newTrace();
        String id = create(trace, """
                {"assessment_name": "correctness", "trace_id": "%s", "span_id": "3f2a1b0c9d8e7f60",
                 "source": {"source_type": "LLM_JUDGE", "source_id": "openai:/gpt-4.1-mini"},
                 "create_time": "2025-11-20T10:15:30.123Z", "last_update_time": "2025-11-20T10:15:30.123Z",
                 "feedback": {"value": "yes"},
                 "rationale": "The response states that Paris is the capital of France.",
                 "metadata": {"mlflow.assessment.sourceRunId": "8c1f2e3d4b5a69788f0e1d2c3b4a5968", "mlflow.assessment.judgeCost": "0.000214"},
                 "valid": true}
                """.formatted(trace))
                .statusCode(200)
                .body("assessment.assessment_id", matchesPattern("a-[0-9a-f]{32}"))
                .extract().path("assessment.assessment_id");

        get(trace, id).statusCode(200)
                .body("assessment.assessment_id", equalTo(id))
                .body("assessment.assessment_name", equalTo("correctness"))
                .body("assessment.trace_id", equalTo(trace))
                .body("assessment.span_id", equalTo("3f2a1b0c9d8e7f60"))
                .body("assessment.source.source_type", equalTo("LLM_JUDGE"))
                .body("assessment.source.source_id", equalTo("openai:/gpt-4.1-mini"))
                .body("assessment.create_time", equalTo("2025-11-20T10:15:30.123Z"))
                .body("assessment.last_update_time", equalTo("2025-11-20T10:15:30.123Z"))
                .body("assessment.feedback.value", equalTo("yes"))
                .body("assessment", not(hasKey("expectation")))
                .body("assessment.rationale", equalTo("The response states that Paris is the capital of France."))
                .body("assessment.metadata.'mlflow.assessment.judgeCost'", equalTo("0.000214"))
                .body("assessment.run_id", equalTo("8c1f2e3d4b5a69788f0e1d2c3b4a5968"))
                .body("assessment.valid", equalTo(true));
    }

    @Test
    void serverSetsTimesWhenTheClientGivesNone() {
        String trace = newTrace();
        Instant before = Instant.now().minusSeconds(1);
        String created = create(trace, "{\"assessment_name\": \"x\", \"feedback\": {\"value\": 1}}")
                .statusCode(200).extract().path("assessment.create_time");
        Instant createTime = Instant.parse(created);
        assertTrue(!createTime.isBefore(before) && !createTime.isAfter(Instant.now().plusSeconds(1)), created);
    }

    @Test
    void failedJudgmentIsKeptAsFeedbackWithAnError() {
        String trace = newTrace();
        String id = logAssessment(trace, """
                {"assessment_name": "relevance",
                 "source": {"source_type": "LLM_JUDGE", "source_id": "anthropic:/claude-3-5-haiku"},
                 "feedback": {"value": null, "error": {"error_code": "RATE_LIMIT_EXCEEDED",
                   "error_message": "429 Too Many Requests (retries exhausted)", "stack_trace": "Traceback..."}}}
                """);
        get(trace, id).statusCode(200)
                .body("assessment.feedback", hasKey("value"))
                .body("assessment.feedback.value", nullValue())
                .body("assessment.feedback.error.error_code", equalTo("RATE_LIMIT_EXCEEDED"))
                .body("assessment.feedback.error.error_message", equalTo("429 Too Many Requests (retries exhausted)"))
                .body("assessment.feedback.error.stack_trace", equalTo("Traceback..."));
    }

    @Test
    void deprecatedTopLevelErrorIsReadIntoTheFeedback() {
        String trace = newTrace();
        String id = logAssessment(trace, """
                {"assessment_name": "relevance", "feedback": {}, "error": {"error_code": "TIMEOUT"}}
                """);
        get(trace, id).statusCode(200).body("assessment.feedback.error.error_code", equalTo("TIMEOUT"));
    }

    @Test
    void feedbackDefaultsToCodeSourceDefaultIdAndTheNameFeedback() {
        String trace = newTrace();
        String id = logAssessment(trace, "{\"feedback\": {\"value\": 0.8}}");
        get(trace, id).statusCode(200)
                .body("assessment.assessment_name", equalTo("feedback"))
                .body("assessment.source.source_type", equalTo("CODE"))
                .body("assessment.source.source_id", equalTo("default"))
                .body("assessment.feedback.value", equalTo(0.8f));
    }

    @Test
    void expectationDefaultsToHumanSource() {
        String trace = newTrace();
        String id = logAssessment(trace, "{\"assessment_name\": \"expected_response\", \"expectation\": {\"value\": \"Paris\"}}");
        get(trace, id).statusCode(200)
                .body("assessment.source.source_type", equalTo("HUMAN"))
                .body("assessment.source.source_id", equalTo("bootstrap"))
                .body("assessment.expectation.value", equalTo("Paris"))
                .body("assessment", not(hasKey("feedback")));
    }

    @Test
    void nonPrimitiveExpectationsComeBackAsSerializedJson() {
        String trace = newTrace();
        String fromSerialized = logAssessment(trace, """
                {"assessment_name": "expected_facts", "source": {"source_type": "HUMAN", "source_id": "alice@example.com"},
                 "expectation": {"serialized_value": {"serialization_format": "JSON_FORMAT",
                   "value": "[\\"Paris is the capital of France\\", \\"Population about 2.1 million\\"]"}}}
                """);
        get(trace, fromSerialized).statusCode(200)
                .body("assessment.expectation", not(hasKey("value")))
                .body("assessment.expectation.serialized_value.serialization_format", equalTo("JSON_FORMAT"))
                .body("assessment.expectation.serialized_value.value",
                        equalTo("[\"Paris is the capital of France\",\"Population about 2.1 million\"]"));

        String fromValue = logAssessment(trace, "{\"assessment_name\": \"shape\", \"expectation\": {\"value\": {\"a\": [1, 2]}}}");
        get(trace, fromValue).statusCode(200)
                .body("assessment.expectation.serialized_value.value", equalTo("{\"a\":[1,2]}"));

        for (String primitive : new String[] {"42", "true", "\"text\""}) {
            String id = logAssessment(trace, "{\"assessment_name\": \"p\", \"expectation\": {\"value\": " + primitive + "}}");
            get(trace, id).statusCode(200)
                    .body("assessment.expectation", hasKey("value"))
                    .body("assessment.expectation", not(hasKey("serialized_value")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"3", "0.25", "\"yes\"", "true", "[\"a\", 1, false]", "{\"faithfulness\": 0.9, \"label\": \"pass\", \"ok\": true}", "[]"})
    void feedbackAcceptsPrimitivesListsAndFlatMaps(String value) throws Exception {
        String trace = newTrace();
        String id = create(trace, "{\"assessment_name\": \"v\", \"feedback\": {\"value\": " + value + "}}")
                .statusCode(200).extract().path("assessment.assessment_id");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String stored = get(trace, id).statusCode(200).extract().asString();
        assertEquals(json.readTree(value), json.readTree(stored).at("/assessment/feedback/value"), "the value reads back as sent: " + stored);
        assertEquals(1, assessmentCount(trace));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[[1]]", "[null]", "{\"a\": {\"b\": 1}}", "{\"a\": [1]}", "[{\"a\": 1}]"})
    void feedbackRefusesNestedOrNullValues(String value) {
        String trace = newTrace();
        assertInvalid(create(trace, "{\"assessment_name\": \"v\", \"feedback\": {\"value\": " + value + "}}"), "feedback.value");
        assertEquals(0, assessmentCount(trace));
    }

    @Test
    void anExpectationWithoutAValueIsKeptAsMlflowKeepsIt() {
        // log_expectation(name, value=None) sends "value": null; a proto without the field sends {}
        String trace = newTrace();
        create(trace, "{\"assessment_name\": \"expected_response\", \"expectation\": {\"value\": null}}").statusCode(200)
                .body("assessment.expectation", org.hamcrest.Matchers.anEmptyMap());
        create(trace, "{\"assessment_name\": \"expected_facts\", \"expectation\": {}}").statusCode(200)
                .body("assessment.expectation", org.hamcrest.Matchers.anEmptyMap());
        assertEquals(2, assessmentCount(trace));
    }

    @Test
    void exactlyOneOfFeedbackOrExpectation() {
        String trace = newTrace();
        assertInvalid(create(trace, "{\"assessment_name\": \"x\"}"), "neither");
        assertInvalid(create(trace, "{\"assessment_name\": \"x\", \"feedback\": {\"value\": 1}, \"expectation\": {\"value\": 1}}"), "both");
        assertEquals(0, assessmentCount(trace));
    }

    @Test
    void feedbackNeedsAValueOrAnError() {
        String trace = newTrace();
        assertInvalid(create(trace, "{\"assessment_name\": \"x\", \"feedback\": {}}"), "value or an error");
        assertInvalid(create(trace, "{\"assessment_name\": \"x\", \"feedback\": {\"value\": null}}"), "value or an error");
        assertInvalid(create(trace, "{\"assessment_name\": \"x\", \"feedback\": {\"error\": {\"error_message\": \"no code\"}}}"), "error_code");
    }

    @Test
    void expectationRulesAreEnforced() {
        String trace = newTrace();
        assertInvalid(create(trace, "{\"assessment_name\": \"x\", \"expectation\": {\"value\": \"a\", \"error\": {\"error_code\": \"E\"}}}"), "error");
        assertInvalid(create(trace, "{\"assessment_name\": \"x\", \"expectation\": {\"value\": \"a\"}, \"error\": {\"error_code\": \"E\"}}"), "error");
        assertInvalid(create(trace, "{\"expectation\": {\"value\": \"a\"}}"), "assessment_name");
        assertInvalid(create(trace, "{\"assessment_name\": \"x\", \"expectation\": {\"serialized_value\": {\"serialization_format\": \"PICKLE\", \"value\": \"1\"}}}"), "JSON_FORMAT");
        assertInvalid(create(trace, "{\"assessment_name\": \"x\", \"expectation\": {\"serialized_value\": {\"serialization_format\": \"JSON_FORMAT\", \"value\": \"{not json\"}}}"), "not valid JSON");
        assertEquals(0, assessmentCount(trace));
    }

    @Test
    void sourceTypeIsCaseInsensitiveAndAcceptsTheLegacyAiJudge() {
        String trace = newTrace();
        String human = logAssessment(trace, "{\"assessment_name\": \"a\", \"source\": {\"source_type\": \"human\", \"source_id\": \"bob\"}, \"feedback\": {\"value\": 1}}");
        String legacy = logAssessment(trace, "{\"assessment_name\": \"a\", \"source\": {\"source_type\": \"AI_JUDGE\"}, \"feedback\": {\"value\": 1}}");
        String judge = logAssessment(trace, "{\"assessment_name\": \"a\", \"source\": {\"source_type\": \"Llm_Judge\"}, \"feedback\": {\"value\": 1}}");
        get(trace, human).body("assessment.source.source_type", equalTo("HUMAN"));
        get(trace, legacy).body("assessment.source.source_type", equalTo("LLM_JUDGE"));
        get(trace, judge).body("assessment.source.source_type", equalTo("LLM_JUDGE"));
        assertInvalid(create(trace, "{\"assessment_name\": \"a\", \"source\": {\"source_type\": \"ROBOT\"}, \"feedback\": {\"value\": 1}}"), "ROBOT");
        assertEquals(3, assessmentCount(trace));
    }

    @Test
    void namesAndSourceIdsOver250CharactersAreRefused() {
        String trace = newTrace();
        String longText = "n".repeat(251);
        assertInvalid(create(trace, "{\"assessment_name\": \"" + longText + "\", \"feedback\": {\"value\": 1}}"), "assessment_name");
        assertInvalid(create(trace, "{\"assessment_name\": \"ok\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"" + longText + "\"}, \"feedback\": {\"value\": 1}}"), "source_id");
        create(trace, "{\"assessment_name\": \"" + "n".repeat(250) + "\", \"feedback\": {\"value\": 1}}").statusCode(200);
        assertEquals(1, assessmentCount(trace));
    }

    @Test
    void longStackTracesKeepTheirEndBehindAMarker() {
        String trace = newTrace();
        String stack = "frame\n".repeat(3000) + "ROOT CAUSE";
        String id = logAssessment(trace, "{\"assessment_name\": \"e\", \"feedback\": {\"error\": {\"error_code\": \"PROVIDER_ERROR\", \"stack_trace\": \""
                + stack.replace("\n", "\\n") + "\"}}}");
        String stored = get(trace, id).statusCode(200).extract().path("assessment.feedback.error.stack_trace");
        assertEquals(10_000, stored.length());
        assertTrue(stored.startsWith("[Stack trace is truncated]\n...\n"), stored.substring(0, 40));
        assertTrue(stored.endsWith("frame\nROOT CAUSE"));
    }

    @Test
    void unknownTraceIs404InMlflowShape() {
        create("tr-does-not-exist", "{\"feedback\": {\"value\": 1}}")
                .statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"))
                .body("message", containsString("tr-does-not-exist"));
        get("tr-does-not-exist", "a-0").statusCode(404).body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        delete("tr-does-not-exist", "a-0").statusCode(404).body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        patch("tr-does-not-exist", "a-0", "{\"assessment\": {\"rationale\": \"x\"}, \"update_mask\": \"rationale\"}").statusCode(404);
    }

    @Test
    void unknownAssessmentIs404() {
        String trace = newTrace();
        get(trace, "a-00000000000000000000000000000000").statusCode(404).body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
    }

    @Test
    void assessmentOfAnotherTraceIsNotFoundUnderThisTrace() {
        String trace = newTrace();
        String other = newTrace();
        String id = logAssessment(other, "{\"feedback\": {\"value\": 1}}");
        get(trace, id).statusCode(404);
    }

    @Test
    void traceIdInTheBodyMustMatchThePath() {
        String trace = newTrace();
        assertInvalid(create(trace, "{\"trace_id\": \"tr-other\", \"feedback\": {\"value\": 1}}"), "differs");
    }

    @Test
    void overrideInvalidatesTheOldAssessmentAndDeleteRestoresIt() {
        String trace = newTrace();
        String judged = logAssessment(trace, "{\"assessment_name\": \"correctness\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/gpt-4o-mini\"}, \"feedback\": {\"value\": \"yes\"}}");
        String human = create(trace, """
                {"assessment_name": "correctness", "source": {"source_type": "HUMAN", "source_id": "reviewer@example.com"},
                 "feedback": {"value": "no"}, "rationale": "Population figure is wrong.",
                 "metadata": {"override_reason": "LLM missed a factual error"}, "overrides": "%s"}
                """.formatted(judged))
                .statusCode(200)
                .body("assessment.overrides", equalTo(judged))
                .body("assessment.valid", equalTo(true))
                .extract().path("assessment.assessment_id");
        get(trace, judged).body("assessment.valid", equalTo(false));

        delete(trace, human).statusCode(200).body(equalTo("{}"));
        get(trace, human).statusCode(404);
        get(trace, judged).body("assessment.valid", equalTo(true));
    }

    @Test
    void deletingOneOfTwoOverridesKeepsTheOriginalInvalid() {
        String trace = newTrace();
        String original = logAssessment(trace, "{\"assessment_name\": \"c\", \"feedback\": {\"value\": 1}}");
        String first = logAssessment(trace, "{\"assessment_name\": \"c\", \"feedback\": {\"value\": 2}, \"overrides\": \"" + original + "\"}");
        logAssessment(trace, "{\"assessment_name\": \"c\", \"feedback\": {\"value\": 3}, \"overrides\": \"" + original + "\"}");
        delete(trace, first).statusCode(200);
        get(trace, original).body("assessment.valid", equalTo(false));
    }

    @Test
    void overrideOfAnUnknownAssessmentIs404AndWritesNothing() {
        String trace = newTrace();
        String other = newTrace();
        String elsewhere = logAssessment(other, "{\"feedback\": {\"value\": 1}}");
        create(trace, "{\"feedback\": {\"value\": 1}, \"overrides\": \"a-ffffffffffffffffffffffffffffffff\"}")
                .statusCode(404).body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        create(trace, "{\"feedback\": {\"value\": 1}, \"overrides\": \"" + elsewhere + "\"}").statusCode(404);
        assertEquals(0, assessmentCount(trace));
        get(other, elsewhere).body("assessment.valid", equalTo(true));
    }

    @Test
    void deletingAMissingAssessmentOnAnExistingTraceIsANoOp() {
        String trace = newTrace();
        String kept = logAssessment(trace, "{\"assessment_name\": \"kept\", \"feedback\": {\"value\": 1}}");
        delete(trace, "a-00000000000000000000000000000000").statusCode(200).body(equalTo("{}"));
        get(trace, kept).statusCode(200).body("assessment.valid", equalTo(true)).body("assessment.feedback.value", equalTo(1));
        assertEquals(1, assessmentCount(trace), "the trace's assessments are as they were");
    }

    @Test
    void patchChangesTheMaskedFieldsAndTheUpdateTime() throws InterruptedException {
        String trace = newTrace();
        String id = logAssessment(trace, """
                {"assessment_name": "correctness", "span_id": "s1", "source": {"source_type": "LLM_JUDGE", "source_id": "m"},
                 "create_time": "2025-11-20T10:15:30.123Z", "last_update_time": "2025-11-20T10:15:30.123Z",
                 "feedback": {"value": "yes"}, "rationale": "old", "metadata": {"keep": "1", "change": "old"}}
                """);
        patch(trace, id, """
                {"assessment": {"assessment_id": "%s", "trace_id": "%s", "feedback": {"value": "no"},
                 "rationale": "Re-judged with stricter rubric.", "source": {"source_type": "HUMAN"}},
                 "update_mask": "feedback,rationale"}
                """.formatted(id, trace))
                .statusCode(200)
                .body("assessment.feedback.value", equalTo("no"))
                .body("assessment.rationale", equalTo("Re-judged with stricter rubric."))
                .body("assessment.source.source_type", equalTo("LLM_JUDGE"))
                .body("assessment.create_time", equalTo("2025-11-20T10:15:30.123Z"))
                .body("assessment.last_update_time", not(equalTo("2025-11-20T10:15:30.123Z")));

        patch(trace, id, "{\"assessment\": {\"assessment_name\": \"accuracy\", \"metadata\": {\"change\": \"new\", \"added\": \"2\"}}, \"update_mask\": \"assessmentName,metadata\"}")
                .statusCode(200)
                .body("assessment.assessment_name", equalTo("accuracy"))
                .body("assessment.metadata.keep", equalTo("1"))
                .body("assessment.metadata.change", equalTo("new"))
                .body("assessment.metadata.added", equalTo("2"));

        get(trace, id).body("assessment.assessment_name", equalTo("accuracy"))
                .body("assessment.feedback.value", equalTo("no"))
                .body("assessment.span_id", equalTo("s1"));
    }

    @Test
    void patchCanTurnAValueIntoAnErrorAndUpdateExpectations() {
        String trace = newTrace();
        String feedback = logAssessment(trace, "{\"assessment_name\": \"f\", \"feedback\": {\"value\": 1}}");
        patch(trace, feedback, "{\"assessment\": {\"feedback\": {\"error\": {\"error_code\": \"TIMEOUT\"}}}, \"update_mask\": \"feedback\"}")
                .statusCode(200)
                .body("assessment.feedback.value", nullValue())
                .body("assessment.feedback.error.error_code", equalTo("TIMEOUT"));
        String expectation = logAssessment(trace, "{\"assessment_name\": \"e\", \"expectation\": {\"value\": \"a\"}}");
        patch(trace, expectation, "{\"assessment\": {\"expectation\": {\"value\": [\"b\", \"c\"]}}, \"update_mask\": \"expectation\"}")
                .statusCode(200)
                .body("assessment.expectation.serialized_value.value", equalTo("[\"b\",\"c\"]"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"source", "span_id", "spanId", "create_time", "createTime", "overrides", "valid", "run_id", "trace_id"})
    void patchRefusesImmutableFields(String path) {
        String trace = newTrace();
        String id = logAssessment(trace, "{\"assessment_name\": \"f\", \"feedback\": {\"value\": 1}}");
        assertInvalid(patch(trace, id, "{\"assessment\": {\"span_id\": \"x\", \"source\": {\"source_type\": \"HUMAN\"}}, \"update_mask\": \"" + path + "\"}"),
                "cannot be changed");
        get(trace, id).body("assessment.source.source_type", equalTo("CODE")).body("assessment", not(hasKey("span_id")));
    }

    @Test
    void patchCannotSwitchBetweenFeedbackAndExpectation() {
        String trace = newTrace();
        String feedback = logAssessment(trace, "{\"assessment_name\": \"f\", \"feedback\": {\"value\": 1}}");
        String expectation = logAssessment(trace, "{\"assessment_name\": \"e\", \"expectation\": {\"value\": 1}}");
        assertInvalid(patch(trace, feedback, "{\"assessment\": {\"expectation\": {\"value\": 2}}, \"update_mask\": \"expectation\"}"), "cannot become an expectation");
        assertInvalid(patch(trace, expectation, "{\"assessment\": {\"feedback\": {\"value\": 2}}, \"update_mask\": \"feedback\"}"), "cannot become a feedback");
        assertInvalid(patch(trace, feedback, "{\"assessment\": {\"feedback\": {\"value\": 2}}, \"update_mask\": \"nonsense\"}"), "Unknown update_mask path");
        get(trace, feedback).body("assessment.feedback.value", equalTo(1));
        get(trace, expectation).body("assessment.expectation.value", equalTo(1));
    }

    @Test
    void patchWithoutMaskUpdatesThePresentFields() {
        String trace = newTrace();
        String id = logAssessment(trace, "{\"assessment_name\": \"f\", \"feedback\": {\"value\": 1}}");
        patch(trace, id, "{\"assessment\": {\"rationale\": \"because\"}}")
                .statusCode(200)
                .body("assessment.rationale", equalTo("because"))
                .body("assessment.feedback.value", equalTo(1));
    }

    @Test
    void mlflowTraceInfoCarriesPreviewsTagsAndAssessments() {
        String trace = "tr-" + java.util.UUID.randomUUID().toString().replace("-", "");
        given().contentType(ContentType.JSON)
                .body("""
                        {"traces": [{"trace_id": "%s", "inputs": {"question": "capital of France?"}, "outputs": "Paris",
                          "request_time": "2025-11-20T10:00:00.250Z", "execution_duration_ms": 1234, "state": "OK",
                          "tags": {"env": "prod"}, "metadata": {"mlflow.trace.session": "s-1"}}]}
                        """.formatted(trace))
                .post("/api/traces").then().statusCode(200);
        String id = logAssessment(trace, "{\"assessment_name\": \"correctness\", \"feedback\": {\"value\": true}}");
        given().when().get(BASE + trace).then().statusCode(200)
                .body("trace.trace_info.trace_id", equalTo(trace))
                .body("trace.trace_info.request_time", equalTo("2025-11-20T10:00:00.250Z"))
                .body("trace.trace_info.execution_duration", equalTo("1.234s"))
                .body("trace.trace_info.state", equalTo("OK"))
                .body("trace.trace_info.request_preview", containsString("capital of France?"))
                .body("trace.trace_info.response_preview", equalTo("\"Paris\""))
                .body("trace.trace_info.tags.env", equalTo("prod"))
                .body("trace.trace_info.trace_metadata.'mlflow.trace.session'", equalTo("s-1"))
                .body("trace.trace_info.assessments", hasSize(1))
                .body("trace.trace_info.assessments[0].assessment_id", equalTo(id))
                .body("trace.trace_info.assessments[0].feedback.value", equalTo(true));
        given().when().get(BASE + "tr-missing").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
    }

    @Test
    void mlflowPathErrorsNeverUseProblemJson() {
        given().contentType(ContentType.JSON).body("{oops")
                .when().post(BASE + newTrace() + "/assessments")
                .then().statusCode(400)
                .contentType(ContentType.JSON)
                .body("error_code", equalTo("MALFORMED_REQUEST"))
                .body("message", startsWith("The body is not valid JSON"));
    }
}
