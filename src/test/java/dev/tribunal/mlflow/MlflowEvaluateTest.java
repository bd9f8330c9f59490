package dev.tribunal.mlflow;

import dev.tribunal.TestSecurity;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mlflow.genai.evaluate(data, scorers)} against Tribunal, call by call as MLflow 3.6's harness makes them: a run,
 * its inputs and tags, one trace per row (StartTraceV3 naming the run), the scorers' feedback, the traces linked to the
 * run, the metrics (NaN among them), the run's traces found by {@code attribute.run_id}, the run ended. And
 * {@code set_experiment}: get-by-name, create, get.
 */
@QuarkusTest
class MlflowEvaluateTest {

    private static String client;

    private static RequestSpecification client() {
        if (client == null) {
            client = TestSecurity.key("mlflow-eval-client", "read", "ingest", "annotate", "judge");
        }
        return given().header("Authorization", "Bearer " + client).contentType(ContentType.JSON);
    }

    private static JsonPath post(String path, String body) {
        return client().body(body).post("/api/2.0/mlflow/" + path).then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    }

    @Test
    void anEvaluationRunsItsWholeCourse() {
        long start = 1_764_000_000_000L;
        JsonPath created = post("runs/create", "{\"experiment_id\": \"0\", \"start_time\": " + start + ", \"run_name\": \"eval-qa\", "
                + "\"tags\": [{\"key\": \"mlflow.user\", \"value\": \"ana\"}, {\"key\": \"mlflow.source.type\", \"value\": \"LOCAL\"}]}");
        String run = created.getString("run.info.run_id");
        assertEquals(32, run.length());
        assertEquals(run, created.getString("run.info.run_uuid"));
        assertEquals("0", created.getString("run.info.experiment_id"));
        assertEquals("RUNNING", created.getString("run.info.status"));
        assertEquals("active", created.getString("run.info.lifecycle_stage"));
        assertEquals(start, created.getLong("run.info.start_time"));

        post("runs/log-inputs", "{\"run_id\": \"" + run + "\", \"datasets\": [{\"tags\": [{\"key\": \"mlflow.data.context\", \"value\": \"eval\"}], "
                + "\"dataset\": {\"name\": \"dataset\", \"digest\": \"3c0f2a\", \"source_type\": \"code\", \"source\": \"{}\"}}]}");
        post("runs/set-tag", "{\"run_id\": \"" + run + "\", \"run_uuid\": \"" + run + "\", \"key\": \"mlflow.run.isEval\", \"value\": \"True\"}");

        // one trace per row, made by the harness's tracing, each scored by a scorer in the client
        List<String> traces = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = "tr-" + HexFormat.of().formatHex(UUID.randomUUID().toString().replace("-", "").getBytes(), 0, 16);
            traces.add(id);
            client().body("""
                    {"trace": {"trace_info": {"trace_id": "%s", "trace_location": {"type": "MLFLOW_EXPERIMENT",
                      "mlflow_experiment": {"experiment_id": "0"}}, "request_preview": "{\\"question\\": \\"q%d\\"}",
                      "response_preview": "\\"a%d\\"", "request_time": "2026-12-03T10:00:0%dZ", "execution_duration": "0.010s", "state": "OK",
                      "trace_metadata": {"mlflow.sourceRun": "%s", "mlflow.trace_schema.version": "3"},
                      "tags": {"mlflow.eval.requestId": "req-%d"}}}}""".formatted(id, i, i, i, run, i))
                    .post("/api/3.0/mlflow/traces").then().statusCode(200);
            client().body("{\"assessment\": {\"assessment_name\": \"is_concise\", \"trace_id\": \"" + id + "\", \"source\": {\"source_type\": "
                    + "\"CODE\", \"source_id\": \"is_concise\"}, \"feedback\": {\"value\": " + (i != 1) + "}, \"metadata\": "
                    + "{\"mlflow.assessment.sourceRunId\": \"" + run + "\"}, \"valid\": true}}")
                    .post("/api/3.0/mlflow/traces/" + id + "/assessments").then().statusCode(200);
        }
        post("traces/link-to-run", "{\"trace_ids\": " + dev.tribunal.run.RunTestSupport.jsonList(traces) + ", \"run_id\": \"" + run + "\"}");
        post("runs/log-batch", "{\"run_id\": \"" + run + "\", \"metrics\": [{\"key\": \"is_concise/mean\", \"value\": 0.6666666666666666, "
                + "\"timestamp\": " + (start + 5000) + ", \"step\": 0}, {\"key\": \"latency/p90\", \"value\": \"NaN\", \"timestamp\": "
                + (start + 5000) + ", \"step\": 0}], \"params\": [], \"tags\": []}");

        JsonPath got = client().queryParam("run_id", run).get("/api/2.0/mlflow/runs/get").then().statusCode(200).extract().jsonPath()
                .using(new io.restassured.path.json.config.JsonPathConfig(io.restassured.path.json.config.JsonPathConfig.NumberReturnType.DOUBLE));
        assertEquals(0.6666666666666666, got.getDouble("run.data.metrics.find { it.key == 'is_concise/mean' }.value"), 1e-12);
        assertEquals("NaN", got.getString("run.data.metrics.find { it.key == 'latency/p90' }.value"));
        assertEquals("True", got.getString("run.data.tags.find { it.key == 'mlflow.run.isEval' }.value"));
        assertEquals("eval-qa", got.getString("run.data.tags.find { it.key == 'mlflow.runName' }.value"));
        assertEquals("dataset", got.getString("run.inputs.dataset_inputs[0].dataset.name"));

        // the harness finds the run's traces, with their feedback
        JsonPath found = client().body("{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"0\"}}], "
                + "\"filter\": \"attribute.run_id = '" + run + "'\", \"max_results\": 100}").post("/api/3.0/mlflow/traces/search").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(new java.util.HashSet<Object>(traces), new java.util.HashSet<Object>(found.getList("traces.trace_id")));
        List<Map<String, Object>> infos = found.getList("traces");
        assertTrue(infos.stream().allMatch(t -> ((List<?>) t.get("assessments")).stream()
                .anyMatch(a -> "is_concise".equals(((Map<?, ?>) a).get("assessment_name")))));

        // MLflow's run and Tribunal's judge runs are apart: run_id filters judge runs, mlflow_run_id MLflow's
        assertEquals(0, client().queryParam("run_id", run).get("/api/assessments").then().statusCode(200).extract().jsonPath()
                .getList("assessments").size());
        List<Map<String, Object>> scored = client().queryParam("mlflow_run_id", run).get("/api/assessments").then().statusCode(200).extract()
                .jsonPath().getList("assessments");
        assertEquals(3, scored.size());
        assertTrue(scored.stream().allMatch(a -> run.equals(a.get("run_id"))), "MLflow reads its run back in run_id");

        // the meta-evaluation shows the run's scorer among the judges, and the run's metrics
        JsonPath report = client().queryParam("name", "is_concise").queryParam("human_feedback", "is_concise").queryParam("run_id", run)
                .get("/api/meta-evaluations").then().statusCode(200).extract().jsonPath()
                .using(new io.restassured.path.json.config.JsonPathConfig(io.restassured.path.json.config.JsonPathConfig.NumberReturnType.DOUBLE));
        assertEquals(3, report.getInt("judges.find { it.model == 'is_concise' }.coverage.judged"));
        assertEquals(0.6666666666666666, report.getDouble("evaluation_runs.find { it.run_id == '" + run + "' }.metrics.'is_concise/mean'"), 1e-12);
        assertEquals("eval-qa", report.getString("evaluation_runs.find { it.run_id == '" + run + "' }.run_name"));

        JsonPath ended = post("runs/update", "{\"run_id\": \"" + run + "\", \"run_uuid\": \"" + run + "\", \"status\": \"FINISHED\", "
                + "\"end_time\": " + (start + 9000) + "}");
        assertEquals("FINISHED", ended.getString("run_info.status"));
        assertEquals(start + 9000, ended.getLong("run_info.end_time"));

        // what is refused, in MLflow's error format
        client().body("{\"run_id\": \"" + run + "\", \"status\": \"DONE\"}").post("/api/2.0/mlflow/runs/update").then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        client().queryParam("run_id", "0123").get("/api/2.0/mlflow/runs/get").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        client().body("{\"run_id\": \"" + run + "\", \"metrics\": [{\"key\": \"m\", \"value\": \"high\"}]}").post("/api/2.0/mlflow/runs/log-batch")
                .then().statusCode(400);
        String reader = TestSecurity.key("mlflow-eval-reader", "read");
        given().header("Authorization", "Bearer " + reader).contentType(ContentType.JSON).body("{\"experiment_id\": \"0\"}")
                .post("/api/2.0/mlflow/runs/create").then().statusCode(403).body("error_code", equalTo("PERMISSION_DENIED"));
    }

    @Test
    void anEvaluationClientLogsExpectationsInTheNamesItsDataGives() {
        String trace = "tr-" + HexFormat.of().formatHex(UUID.randomUUID().toString().replace("-", "").getBytes(), 0, 16);
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + trace + "\", \"inputs\": \"q\", \"outputs\": \"a\"}]}")
                .post("/api/traces").then().statusCode(200);
        // evaluate logs each row's expectations as HUMAN under the operating-system user
        String expectation = "{\"assessment\": {\"assessment_name\": \"expected_response\", \"trace_id\": \"" + trace + "\", "
                + "\"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ana\"}, \"expectation\": {\"value\": \"a\"}}}";
        String person = TestSecurity.key("mlflow-person", "read", "ingest", "annotate", "judge");
        given().header("Authorization", "Bearer " + person).contentType(ContentType.JSON).body(expectation)
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(403).body("error_code", equalTo("PERMISSION_DENIED"));

        given().delete("/api/admin/keys/mlflow-ci");
        JsonPath created = given().contentType(ContentType.JSON).body("{\"name\": \"mlflow-ci\", \"roles\": [\"read\", \"ingest\", \"annotate\", "
                + "\"judge\"], \"client\": true}").post("/api/admin/keys").then().statusCode(201).extract().jsonPath();
        assertEquals(Boolean.TRUE, created.get("client"));
        JsonPath logged = given().header("Authorization", "Bearer " + created.getString("key")).contentType(ContentType.JSON).body(expectation)
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200).extract().jsonPath();
        assertEquals("ana", logged.getString("assessment.source.source_id"));
        assertEquals("mlflow-ci", logged.getString("assessment.metadata.'tribunal.logged_by'"), "the key stays on record");
        // a scorer's feedback without a source: CODE, "default"
        given().header("Authorization", "Bearer " + created.getString("key")).contentType(ContentType.JSON)
                .body("{\"assessment\": {\"assessment_name\": \"is_concise\", \"trace_id\": \"" + trace + "\", \"feedback\": {\"value\": true}}}")
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200)
                .body("assessment.source.source_type", equalTo("CODE"));
        assertEquals(Boolean.TRUE, given().get("/api/admin/keys").then().statusCode(200).extract().jsonPath()
                .get("keys.find { it.name == 'mlflow-ci' }.client"));
    }

    @Test
    void setExperimentFindsOrCreatesIt() {
        assertEquals("0", client().queryParam("experiment_name", "Default").get("/api/2.0/mlflow/experiments/get-by-name").then().statusCode(200)
                .extract().path("experiment.experiment_id"));
        String name = "qa-" + UUID.randomUUID();
        client().queryParam("experiment_name", name).get("/api/2.0/mlflow/experiments/get-by-name").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        String id = post("experiments/create", "{\"name\": \"" + name + "\"}").getString("experiment_id");
        client().body("{\"name\": \"" + name + "\"}").post("/api/2.0/mlflow/experiments/create").then().statusCode(409);
        JsonPath experiment = client().queryParam("experiment_id", id).get("/api/2.0/mlflow/experiments/get").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(name, experiment.getString("experiment.name"));
        assertEquals("active", experiment.getString("experiment.lifecycle_stage"));
        assertEquals(id, post("runs/create", "{\"experiment_id\": \"" + id + "\"}").getString("run.info.experiment_id"));
        client().body("{\"experiment_id\": \"99999\"}").post("/api/2.0/mlflow/runs/create").then().statusCode(404);
    }
}
