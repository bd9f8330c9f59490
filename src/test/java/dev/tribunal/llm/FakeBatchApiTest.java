package dev.tribunal.llm;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated provider's Batch API, spoken to as a client would: what tests of the batch path rely on. */
class FakeBatchApiTest {

    private final FakeOpenAiServer server = new FakeOpenAiServer();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        server.close();
    }

    private String call(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    private static String line(String customId, String model) {
        return new JsonObject().put("custom_id", customId).put("method", "POST").put("url", "/v1/chat/completions")
                .put("body", new JsonObject().put("model", model).put("messages", new io.vertx.core.json.JsonArray()
                        .add(new JsonObject().put("role", "user").put("content", "Is it so? " + customId)))).encode();
    }

    private JsonObject runBatch(List<String> lines) throws Exception {
        String boundary = "b0undary";
        String upload = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"
                + String.join("\n", lines) + "\n\r\n--" + boundary + "--\r\n";
        String file = new JsonObject(call("POST", "/files", "multipart/form-data; boundary=" + boundary, upload)).getString("id");
        JsonObject batch = new JsonObject(call("POST", "/batches", "application/json", new JsonObject().put("input_file_id", file)
                .put("endpoint", "/v1/chat/completions").put("completion_window", "24h").encode()));
        assertEquals("validating", batch.getString("status"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && List.of("validating", "in_progress").contains(batch.getString("status"))) {
            Thread.sleep(50);
            batch = new JsonObject(call("GET", "/batches/" + batch.getString("id"), null, null));
        }
        return batch;
    }

    @Test
    void aBatchAnswersEachLineAsTheChatEndpointWouldAndPutsFailuresInTheErrorFile() throws Exception {
        server.batchDelay(Duration.ofMillis(100));
        JsonObject batch = runBatch(List.of(line("a", "ok"), line("b", "error-500"), line("c", "always-429")));
        assertEquals("completed", batch.getString("status"));
        String output = call("GET", "/files/" + batch.getString("output_file_id") + "/content", null, null);
        JsonObject a = new JsonObject(output.strip());
        assertEquals("a", a.getString("custom_id"));
        assertEquals(200, a.getJsonObject("response").getInteger("status_code"));
        assertTrue(a.getJsonObject("response").getJsonObject("body").getJsonArray("choices").size() == 1);
        List<String> errors = call("GET", "/files/" + batch.getString("error_file_id") + "/content", null, null).lines().toList();
        assertEquals(500, new JsonObject(errors.get(0)).getJsonObject("response").getInteger("status_code"));
        assertEquals(429, new JsonObject(errors.get(1)).getJsonObject("response").getInteger("status_code"));
        assertEquals(List.of("a", "b", "c"), server.batchCustomIds());
        assertEquals(0, server.received().size(), "a batch's lines are not chat calls");
    }

    @Test
    void batchFailEndsFailedAndBatchExpireExpiresWithHalfItsLinesAnswered() throws Exception {
        server.batchDelay(Duration.ofMillis(100));
        JsonObject failed = runBatch(List.of(line("a", "batch-fail")));
        assertEquals("failed", failed.getString("status"));
        assertNull(failed.getString("output_file_id"));
        JsonObject expired = runBatch(List.of(line("a", "batch-expire"), line("b", "batch-expire"), line("c", "batch-expire")));
        assertEquals("expired", expired.getString("status"));
        assertEquals(2, call("GET", "/files/" + expired.getString("output_file_id") + "/content", null, null).lines().count());
        String error = call("GET", "/files/" + expired.getString("error_file_id") + "/content", null, null).strip();
        assertEquals("batch_expired", new JsonObject(error).getJsonObject("error").getString("code"));
        assertEquals(2, server.batches().size());
    }
}
