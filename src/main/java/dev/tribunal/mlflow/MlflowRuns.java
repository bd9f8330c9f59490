package dev.tribunal.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Json;
import dev.tribunal.system.ResourceNotFoundException;
import dev.tribunal.system.Times;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * MLflow's experiments and runs (tables {@code mlflow_experiment}, {@code mlflow_run}, {@code mlflow_metric}), kept
 * as MLflow's client writes and reads them, answered in its proto JSON: experiment "0" ("Default") always exists.
 */
@ApplicationScoped
public class MlflowRuns {

    static final Set<String> STATUSES = Set.of("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String EXPERIMENT_COLUMNS = "experiment_id, name, artifact_location, tags::text as tags, creation_time, last_update_time";
    private static final String RUN_COLUMNS = "run_id, experiment_id, run_name, user_id, status, start_time, end_time, tags::text as tags, "
            + "params::text as params, inputs::text as inputs";

    private final Pool pool;

    MlflowRuns(Pool pool) {
        this.pool = pool;
    }

    // --- experiments

    /** {@code {"experiment": {...}}} of the experiment with this name; 404 RESOURCE_DOES_NOT_EXIST when there is none. */
    Uni<ObjectNode> experimentByName(String name) {
        InvalidRequestException.require(name != null && !name.isBlank(), "experiment_name is required");
        return pool.preparedQuery("select " + EXPERIMENT_COLUMNS + " from mlflow_experiment where name = $1").execute(Tuple.of(name))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new ResourceNotFoundException("Could not find experiment with name '" + name + "'");
                    }
                    return wrap("experiment", experiment(rows.iterator().next()));
                });
    }

    Uni<ObjectNode> experiment(String id) {
        InvalidRequestException.require(id != null && !id.isBlank(), "experiment_id is required");
        return pool.preparedQuery("select " + EXPERIMENT_COLUMNS + " from mlflow_experiment where experiment_id = $1").execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new ResourceNotFoundException("No experiment with id '" + id + "'");
                    }
                    return wrap("experiment", experiment(rows.iterator().next()));
                });
    }

    /** {@code {"experiment_id": "..."}} of a new experiment; a name already taken is refused (409 RESOURCE_ALREADY_EXISTS). */
    Uni<ObjectNode> createExperiment(JsonNode body) {
        requireObject(body);
        String name = text(body, "name");
        InvalidRequestException.require(name != null && !name.isBlank() && name.length() <= 500, "name is required (at most 500 characters)");
        long now = Times.now().toEpochMilli();
        Map<String, String> tags = keyValues(body.path("tags"), "tags");
        return pool.preparedQuery("insert into mlflow_experiment (experiment_id, name, artifact_location, tags, creation_time, last_update_time) "
                        + "select nextval('mlflow_experiment_id')::text, $1, $2, $3::text::jsonb, $4, $4 where not exists "
                        + "(select 1 from mlflow_experiment where name = $1) returning experiment_id")
                .execute(Tuple.tuple(Arrays.asList(name, text(body, "artifact_location"), Json.write(tags), now)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new dev.tribunal.system.ConflictException("Experiment '" + name + "' already exists");
                    }
                    ObjectNode answer = NODES.objectNode();
                    answer.put("experiment_id", rows.iterator().next().getString("experiment_id"));
                    return answer;
                });
    }

    private static ObjectNode experiment(Row row) {
        ObjectNode e = NODES.objectNode();
        e.put("experiment_id", row.getString("experiment_id"));
        e.put("name", row.getString("name"));
        String location = row.getString("artifact_location");
        e.put("artifact_location", location == null ? "mlflow-artifacts:/" + row.getString("experiment_id") : location);
        e.put("lifecycle_stage", "active");
        e.put("creation_time", row.getLong("creation_time"));
        e.put("last_update_time", row.getLong("last_update_time"));
        e.set("tags", pairs(Json.readStringMap(row.getString("tags"))));
        return e;
    }

    // --- runs

    /** runs/create: {@code {"run": {...}}}; experiment "0" unless another (existing) is named. */
    Uni<ObjectNode> createRun(JsonNode body, String createdBy) {
        requireObject(body);
        String experiment = text(body, "experiment_id");
        String experimentId = experiment == null || experiment.isBlank() ? "0" : experiment;
        Map<String, String> tags = keyValues(body.path("tags"), "tags");
        String runName = text(body, "run_name");
        if (runName == null) {
            runName = tags.get("mlflow.runName");
        }
        if (runName != null) {
            tags.put("mlflow.runName", runName);
        }
        long start = body.hasNonNull("start_time") ? number(body.get("start_time"), "start_time") : Times.now().toEpochMilli();
        String runId = UUID.randomUUID().toString().replace("-", "");
        String user = text(body, "user_id");
        return pool.preparedQuery("insert into mlflow_run (run_id, experiment_id, run_name, user_id, status, start_time, tags, created_by) "
                        + "select $1, experiment_id, $3, $4, 'RUNNING', $5, $6::text::jsonb, $7 from mlflow_experiment where experiment_id = $2 "
                        + "returning run_id")
                .execute(Tuple.tuple(Arrays.asList(runId, experimentId, runName, user, start, Json.write(tags), createdBy)))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        throw new ResourceNotFoundException("No experiment with id '" + experimentId + "'");
                    }
                    return run(runId);
                });
    }

    /** runs/get: {@code {"run": {"info", "data", "inputs"}}}. */
    Uni<ObjectNode> run(String runId) {
        InvalidRequestException.require(runId != null && !runId.isBlank(), "run_id is required");
        return pool.preparedQuery("select " + RUN_COLUMNS + " from mlflow_run where run_id = $1").execute(Tuple.of(runId))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        throw new ResourceNotFoundException("Run '" + runId + "' not found");
                    }
                    Row row = rows.iterator().next();
                    return metrics(runId).map(metrics -> {
                        ObjectNode run = NODES.objectNode();
                        run.set("info", info(row));
                        ObjectNode data = run.putObject("data");
                        data.set("metrics", metrics);
                        data.set("params", pairs(Json.readStringMap(row.getString("params"))));
                        data.set("tags", pairs(Json.readStringMap(row.getString("tags"))));
                        run.putObject("inputs").set("dataset_inputs", Json.read(row.getString("inputs")));
                        return wrap("run", run);
                    });
                });
    }

    /** runs/update: status, end time, name; {@code {"run_info": {...}}}. */
    Uni<ObjectNode> updateRun(JsonNode body) {
        requireObject(body);
        String runId = runId(body);
        String status = text(body, "status");
        InvalidRequestException.require(status == null || STATUSES.contains(status), "status must be one of " + STATUSES + ", not '" + status + "'");
        Long end = body.hasNonNull("end_time") ? number(body.get("end_time"), "end_time") : null;
        String name = text(body, "run_name");
        return pool.preparedQuery("update mlflow_run set status = coalesce($2, status), end_time = coalesce($3, end_time), "
                        + "run_name = coalesce($4, run_name), tags = case when $4::text is null then tags "
                        + "else tags || jsonb_build_object('mlflow.runName', $4::text) end where run_id = $1 returning " + RUN_COLUMNS)
                .execute(Tuple.tuple(Arrays.asList(runId, status, end, name)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new ResourceNotFoundException("Run '" + runId + "' not found");
                    }
                    return wrap("run_info", info(rows.iterator().next()));
                });
    }

    /** runs/set-tag. */
    Uni<ObjectNode> setTag(JsonNode body) {
        requireObject(body);
        String key = text(body, "key");
        InvalidRequestException.require(key != null && !key.isBlank(), "key is required");
        return merge(runId(body), Map.of(key, textOr(body, "value", "")), Map.of(), List.of(), NODES.arrayNode());
    }

    /** runs/log-batch: metrics (the value may be "NaN" or "Infinity", as proto JSON writes them), params and tags. */
    Uni<ObjectNode> logBatch(JsonNode body) {
        requireObject(body);
        String runId = runId(body);
        List<Object[]> metrics = new ArrayList<>();
        for (JsonNode m : array(body.path("metrics"), "metrics")) {
            String key = text(m, "key");
            InvalidRequestException.require(key != null && !key.isBlank(), "each metric needs a key");
            metrics.add(new Object[] {key, metricValue(m.get("value"), key), m.hasNonNull("timestamp") ? number(m.get("timestamp"), "timestamp")
                    : Times.now().toEpochMilli(), m.hasNonNull("step") ? number(m.get("step"), "step") : 0L});
        }
        return merge(runId, keyValues(body.path("tags"), "tags"), keyValues(body.path("params"), "params"), metrics, NODES.arrayNode());
    }

    /** runs/log-inputs: datasets kept as sent. */
    Uni<ObjectNode> logInputs(JsonNode body) {
        requireObject(body);
        ArrayNode datasets = NODES.arrayNode();
        array(body.path("datasets"), "datasets").forEach(datasets::add);
        return merge(runId(body), Map.of(), Map.of(), List.of(), datasets);
    }

    /** The run's tags and params merged, its metrics and inputs appended, in one transaction; {@code {}}. */
    private Uni<ObjectNode> merge(String runId, Map<String, String> tags, Map<String, String> params, List<Object[]> metrics, ArrayNode inputs) {
        return pool.withTransaction(connection -> connection.preparedQuery("update mlflow_run set tags = tags || $2::text::jsonb, "
                        + "params = params || $3::text::jsonb, inputs = inputs || $4::text::jsonb where run_id = $1 returning run_id")
                .execute(Tuple.of(runId, Json.write(tags), Json.write(params), inputs.toString()))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        throw new ResourceNotFoundException("Run '" + runId + "' not found");
                    }
                    if (metrics.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    List<Tuple> batch = metrics.stream().map(m -> Tuple.of(runId, m[0], m[1], m[2], m[3])).toList();
                    return connection.preparedQuery("insert into mlflow_metric (run_id, key, value, timestamp, step) values ($1, $2, $3, $4, $5)")
                            .executeBatch(batch).replaceWithVoid();
                }))
                .map(ignored -> NODES.objectNode());
    }

    /** The latest value of each metric (by step, then time), as MLflow's run data shows them. */
    private Uni<ArrayNode> metrics(String runId) {
        return pool.preparedQuery("select distinct on (key) key, value, timestamp, step from mlflow_metric where run_id = $1 "
                        + "order by key, step desc, timestamp desc").execute(Tuple.of(runId))
                .map(rows -> {
                    ArrayNode list = NODES.arrayNode();
                    rows.forEach(row -> {
                        ObjectNode m = list.addObject();
                        m.put("key", row.getString("key"));
                        double value = row.getDouble("value");
                        if (Double.isNaN(value) || Double.isInfinite(value)) {
                            m.put("value", Double.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
                        } else {
                            m.put("value", value);
                        }
                        m.put("timestamp", row.getLong("timestamp"));
                        m.put("step", row.getLong("step"));
                    });
                    return list;
                });
    }

    private static ObjectNode info(Row row) {
        ObjectNode info = NODES.objectNode();
        info.put("run_id", row.getString("run_id"));
        info.put("run_uuid", row.getString("run_id"));
        info.put("experiment_id", row.getString("experiment_id"));
        if (row.getString("run_name") != null) {
            info.put("run_name", row.getString("run_name"));
        }
        if (row.getString("user_id") != null) {
            info.put("user_id", row.getString("user_id"));
        }
        info.put("status", row.getString("status"));
        info.put("start_time", row.getLong("start_time"));
        if (row.getLong("end_time") != null) {
            info.put("end_time", row.getLong("end_time"));
        }
        info.put("artifact_uri", "mlflow-artifacts:/" + row.getString("experiment_id") + "/" + row.getString("run_id") + "/artifacts");
        info.put("lifecycle_stage", "active");
        return info;
    }

    /** An MLflow run as the meta-evaluation lists it: its name, status and latest metrics whose key starts with a prefix. */
    public record RunSummary(String runId, String runName, String status, Map<String, Object> metrics) {
    }

    /** The summaries of these runs (those that exist), with the metrics named {@code <prefix>...}. */
    public Uni<List<RunSummary>> summaries(List<String> runIds, String prefix) {
        if (runIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return pool.preparedQuery("select r.run_id, r.run_name, r.status, (select jsonb_object_agg(m.key, m.value) from (select distinct on "
                        + "(key) key, case when value in ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8) then to_jsonb(value::text) "
                        + "else to_jsonb(value) end as value from mlflow_metric where run_id = r.run_id "
                        + "and left(key, length($2)) = $2 order by key, step desc, timestamp desc) m)::text as metrics "
                        + "from mlflow_run r where r.run_id = any($1) order by r.start_time desc")
                .execute(Tuple.of(runIds.toArray(String[]::new), prefix))
                .map(rows -> {
                    List<RunSummary> found = new ArrayList<>();
                    rows.forEach(row -> {
                        Map<String, Object> metrics = new java.util.TreeMap<>();
                        JsonNode m = Json.read(row.getString("metrics"));
                        if (m != null) {
                            m.fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().asDouble()));
                        }
                        found.add(new RunSummary(row.getString("run_id"), row.getString("run_name"), row.getString("status"), metrics));
                    });
                    return found;
                });
    }

    // --- reading MLflow's proto JSON

    private static void requireObject(JsonNode body) {
        InvalidRequestException.require(body != null && body.isObject(), "The body must be a JSON object (MLflow's request message)");
    }

    private static String runId(JsonNode body) {
        String id = text(body, "run_id");
        if (id == null || id.isBlank()) {
            id = text(body, "run_uuid");
        }
        InvalidRequestException.require(id != null && !id.isBlank(), "run_id is required");
        return id;
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body == null ? null : body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        InvalidRequestException.require(node.isValueNode(), field + " must be a string");
        return node.asText();
    }

    private static String textOr(JsonNode body, String field, String fallback) {
        String text = text(body, field);
        return text == null ? fallback : text;
    }

    /** An int64 as proto JSON writes it: a number or a string of digits. */
    private static long number(JsonNode node, String field) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.asLong();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.asText().trim());
            } catch (NumberFormatException e) {
                // refused below
            }
        }
        throw new InvalidRequestException(field + " must be a whole number, not " + node);
    }

    /** A double as proto JSON writes it: a number, or "NaN", "Infinity", "-Infinity". */
    private static double metricValue(JsonNode node, String key) {
        if (node != null && node.isNumber()) {
            return node.asDouble();
        }
        if (node != null && node.isTextual()) {
            switch (node.asText()) {
                case "NaN" -> {
                    return Double.NaN;
                }
                case "Infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-Infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                default -> {
                    try {
                        return Double.parseDouble(node.asText());
                    } catch (NumberFormatException e) {
                        // refused below
                    }
                }
            }
        }
        throw new InvalidRequestException("metric '" + key + "' must have a numeric value (or \"NaN\"), not " + node);
    }

    private static List<JsonNode> array(JsonNode node, String field) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        InvalidRequestException.require(node.isArray(), field + " must be a list");
        List<JsonNode> items = new ArrayList<>();
        node.forEach(items::add);
        return items;
    }

    /** MLflow's {@code [{"key", "value"}]} as a map. */
    private static Map<String, String> keyValues(JsonNode node, String field) {
        Map<String, String> map = new LinkedHashMap<>();
        for (JsonNode pair : array(node, field)) {
            String key = text(pair, "key");
            InvalidRequestException.require(key != null && !key.isBlank(), "each of " + field + " needs a key");
            map.put(key, textOr(pair, "value", ""));
        }
        return map;
    }

    private static ArrayNode pairs(Map<String, String> map) {
        ArrayNode list = NODES.arrayNode();
        map.forEach((k, v) -> list.addObject().put("key", k).put("value", v));
        return list;
    }

    private static ObjectNode wrap(String field, JsonNode value) {
        ObjectNode answer = NODES.objectNode();
        answer.set(field, value);
        return answer;
    }
}
