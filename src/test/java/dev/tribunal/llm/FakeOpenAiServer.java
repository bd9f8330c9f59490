package dev.tribunal.llm;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible chat-completions server for tests. What it does is chosen by the model name
 * of each request, so one server plays every provider behaviour:
 * <ul>
 *   <li>{@code ok}: a valid verdict at once; {@code slow}: the same after 200 ms (or {@code slow-<ms>})</li>
 *   <li>{@code rate-limited}: each distinct prompt first gets 429 with Retry-After: 1, then a verdict;
 *       {@code reset-limited}: the same with OpenAI's {@code x-ratelimit-reset-requests: 1s} instead of Retry-After</li>
 *   <li>{@code once-429}: the model's very first request gets 429 with Retry-After: 1, every other a verdict after 300 ms</li>
 *   <li>{@code switchable}: 500 until {@link #switchableUp(boolean)}, then verdicts</li>
 *   <li>{@code always-429}: 429 with Retry-After: 0; {@code error-500}: 500; {@code flaky-500}: 500 once per prompt, then a verdict;
 *       {@code fail-first-<n>}: 500 to the first n requests of each prompt, then verdicts</li>
 *   <li>{@code limited-<n>}: a verdict after 50 ms, within a limit of n requests per sliding minute; over it,
 *       429 with the Retry-After that the limit implies</li>
 *   <li>{@code hang}: never answers; {@code unauthorized}: 401; {@code bad-request}: 400 (context too long)</li>
 *   <li>{@code invalid-json}: a reply that is not JSON; {@code out-of-range}: a result outside the declared choices or range;
 *       {@code malformed}: an HTTP 200 body that is not a chat completion</li>
 *   <li>{@code acc-<percent>}: a judge right that often: the prompt carries the true verdict as {@code truth=<value>}; the
 *       answer is it with that probability, else a wrong one. At temperature 0 (or none) a prompt always gets the same
 *       answer; above 0 each request draws anew (seeded by the prompt and its count, so a test's numbers repeat)</li>
 *   <li>{@code slow-acc-<ms>-<percent>}: {@code acc-<percent>} answering after {@code <ms>} milliseconds, e.g. a judge
 *       that is right and slow enough to be interrupted midway</li>
 *   <li>{@code first-<percent>}: a pairwise judge that prefers the response shown first that often, and otherwise answers
 *       rightly: each response carries its quality as {@code quality=<n>}, the higher one is better, equal ones tie. The
 *       draw is fixed per prompt, as at temperature 0</li>
 *   <li>{@code flip-<percent>}: a judge that answers the prompt's {@code truth=<value>}, but each request independently
 *       gives a wrong answer with that probability, whatever the temperature (seeded by the prompt and how many times it
 *       was asked, so a test's numbers repeat): a judge with a set flip rate</li>
 *   <li>{@code verbose-<percent>}: a judge that answers the prompt's {@code truth=<value>}, except that when the response it
 *       is shown is long it gives the top verdict ({@code true}, the first choice, the maximum) with that probability
 *       (seeded like {@code flip}). Long means padded: the prompt holds at least {@link #LONG_SENTENCES} sentence breaks
 *       (a lower-case letter, a full stop, a space and a capital), which short test responses and judge instructions do
 *       not, and a paragraph of padding does</li>
 *   <li>like a careless gateway, the key it was sent echoed back in every form of {@link #echoes}: {@code echo-key} in a
 *       valid verdict's rationale, {@code echo-key-value} as the verdict's result (which no judge accepts),
 *       {@code echo-key-error} in a 400's error message</li>
 * </ul>
 * It also speaks OpenAI's Batch API ({@code /v1/files}, {@code /v1/batches}), each line of a batch answered as above; see
 * {@link #batches()}. It records every request (model, time, authorization) and the highest number in flight per model;
 * a batch's lines are not counted as requests.
 * <p>
 * Its answers' {@code usage} counts a prompt (system and user message) as its characters / 4 tokens, as Tribunal's own
 * budgets do, when that makes at least {@link #CACHEABLE_TOKENS}; a shorter prompt counts as 120 tokens, the round
 * figure that tests of costs reckon with. Like OpenAI's prompt caching, a prompt of at least {@link #CACHEABLE_TOKENS}
 * tokens that starts like a recent one (sent to the same model within {@link #CACHE_TTL_MINUTES} minutes) reports the
 * shared prefix as {@code usage.prompt_tokens_details.cached_tokens}, in steps of {@link #CACHE_STEP} tokens and only
 * when it is {@link #CACHEABLE_TOKENS} tokens or more; else 0. Load tests (prompts not recorded) get 120 and no cache.
 */
public final class FakeOpenAiServer implements AutoCloseable {

    /** One request as received. */
    public record Received(String model, long atNanos, String authorization, String systemMessage, String userMessage,
                           Integer maxTokens, JsonObject responseFormat, String body) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> maxInFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> attemptsByPrompt = new ConcurrentHashMap<>();
    private final Map<String, java.util.ArrayDeque<Long>> acceptedByModel = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> throttledByModel = new ConcurrentHashMap<>();
    private final boolean recordPrompts;
    private static final java.util.regex.Pattern MODEL = java.util.regex.Pattern.compile("\"model\"\\s*:\\s*\"([^\"]+)\"");
    private final Map<String, JsonObject> parsedByShape = new ConcurrentHashMap<>();
    private final Map<JsonObject, String> repliesByShape = Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private final Map<String, AtomicInteger> requestsByModel = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> drawsByPrompt = new ConcurrentHashMap<>();
    private static final java.util.regex.Pattern QUALITY = java.util.regex.Pattern.compile("quality=([0-9]+)");
    private static final java.util.regex.Pattern SENTENCE_BREAK = java.util.regex.Pattern.compile("[a-z]\\. [A-Z]");
    /** Sentence breaks in a prompt from which {@code verbose-<percent>} takes the response as long. */
    public static final int LONG_SENTENCES = 3;
    private static final java.util.regex.Pattern TRUTH = java.util.regex.Pattern.compile("truth=([A-Za-z0-9_.-]+)");

    /** The shortest prompt, and the shortest prefix, that the simulated prompt cache serves. */
    public static final int CACHEABLE_TOKENS = 1024;
    /** The simulated prompt cache serves prefixes in steps of this many tokens. */
    public static final int CACHE_STEP = 128;
    /** How long a prompt stays in the simulated prompt cache. */
    public static final int CACHE_TTL_MINUTES = 5;
    /** Prompts kept per model by the simulated prompt cache: a test's few are enough, and memory stays bounded. */
    private static final int CACHED_PROMPTS_PER_MODEL = 64;
    private final Map<String, java.util.ArrayDeque<CachedPrompt>> promptCache = new ConcurrentHashMap<>();
    private final Map<Reply, JsonObject> usageByRequest = new ConcurrentHashMap<>();

    private record CachedPrompt(long atNanos, String text) {
    }

    private volatile boolean down = true;

    /** Model {@code switchable} answers 500 while down (the start), verdicts once up. */
    public void switchableUp(boolean up) {
        down = !up;
    }

    /** A server that records every request. */
    public FakeOpenAiServer() {
        this(true);
    }

    /** @param recordPrompts false for load tests: requests are counted, not kept */
    public FakeOpenAiServer(boolean recordPrompts) {
        this.recordPrompts = recordPrompts;
        server = vertx.createHttpServer().requestHandler(this::handle);
        CountDownLatch started = new CountDownLatch(1);
        server.listen(0, "127.0.0.1").onComplete(r -> started.countDown());
        try {
            if (!started.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("fake provider did not start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/v1";
    }

    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    public List<Received> received(String model) {
        return received().stream().filter(r -> r.model().equals(model)).toList();
    }

    public int maxInFlight(String model) {
        AtomicInteger max = maxInFlight.get(model);
        return max == null ? 0 : max.get();
    }

    private void handle(HttpServerRequest request) {
        if (request.path().startsWith("/v1/files") || request.path().startsWith("/v1/batches")) {
            request.body().onSuccess(buffer -> batchApi(request, buffer.toString()));
            return;
        }
        if (request.path().startsWith("/stats/")) {
            // a benchmark reads the counts of a server in another process
            String model = request.path().substring("/stats/".length());
            request.response().putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("requests", requestCount(model)).put("throttled", throttled(model)).encode());
            return;
        }
        request.body().onSuccess(buffer -> {
            JsonObject body;
            if (recordPrompts) {
                body = buffer.toJsonObject();
            } else {
                // load tests: the full request is read once per model and output schema, as a provider's cost is not ours
                String text = buffer.toString();
                java.util.regex.Matcher m = MODEL.matcher(text);
                int format = text.indexOf("\"response_format\"");
                String key = (m.find() ? m.group(1) : "") + (format < 0 ? "" : text.substring(format));
                body = parsedByShape.computeIfAbsent(key, k -> buffer.toJsonObject());
            }
            String model = body.getString("model");
            JsonArray messages = body.getJsonArray("messages", new JsonArray());
            String user = messages.isEmpty() ? "" : String.valueOf(messages.getJsonObject(messages.size() - 1).getValue("content"));
            String system = messages.size() < 2 ? "" : String.valueOf(messages.getJsonObject(0).getValue("content"));
            Integer maxTokens = body.getInteger("max_completion_tokens", body.getInteger("max_tokens"));
            if (recordPrompts) {
                received.add(new Received(model, System.nanoTime(), request.getHeader("Authorization"), system, user, maxTokens,
                        body.getJsonObject("response_format"), buffer.toString()));
            }
            requestsByModel.computeIfAbsent(model, m -> new AtomicInteger()).incrementAndGet();
            int now = inFlight.computeIfAbsent(model, m -> new AtomicInteger()).incrementAndGet();
            maxInFlight.computeIfAbsent(model, m -> new AtomicInteger()).accumulateAndGet(now, Math::max);
            int attempt = recordPrompts ? attemptsByPrompt.computeIfAbsent(model + "|" + user, k -> new AtomicInteger()).incrementAndGet() : 1;
            Reply reply = http(request);
            if (recordPrompts) {
                usageByRequest.put(reply, usage(model, system + user));
            }
            respond(reply, model, body, attempt, user);
        });
    }

    /** A prompt's usage: its tokens, and those the simulated prompt cache holds from an earlier prompt to the model. */
    private JsonObject usage(String model, String prompt) {
        int tokens = prompt.length() / 4;
        if (tokens < CACHEABLE_TOKENS) {
            return new JsonObject().put("prompt_tokens", 120).put("completion_tokens", 30).put("total_tokens", 150)
                    .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 0));
        }
        java.util.ArrayDeque<CachedPrompt> recent = promptCache.computeIfAbsent(model, m -> new java.util.ArrayDeque<>());
        int shared = 0;
        synchronized (recent) {
            long now = System.nanoTime();
            while (!recent.isEmpty() && (now - recent.peekFirst().atNanos() > TimeUnit.MINUTES.toNanos(CACHE_TTL_MINUTES)
                    || recent.size() >= CACHED_PROMPTS_PER_MODEL)) {
                recent.pollFirst();
            }
            for (CachedPrompt earlier : recent) {
                shared = Math.max(shared, commonPrefix(earlier.text(), prompt));
            }
            recent.addLast(new CachedPrompt(now, prompt));
        }
        int sharedTokens = shared / 4;
        int cached = sharedTokens < CACHEABLE_TOKENS ? 0 : sharedTokens / CACHE_STEP * CACHE_STEP;
        return new JsonObject().put("prompt_tokens", tokens).put("completion_tokens", 30).put("total_tokens", tokens + 30)
                .put("prompt_tokens_details", new JsonObject().put("cached_tokens", cached));
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private void respond(Reply request, String model, JsonObject body, int attempt, String user) {
        Runnable finish = () -> {
            inFlight.get(model).decrementAndGet();
            usageByRequest.remove(request);
        };
        switch (model.startsWith("slow-acc-") ? "slow-acc" : model.startsWith("slow") ? "slow" : model.startsWith("limited-") ? "limited"
                : model.startsWith("fail-first-") ? "fail-first"
                : model.startsWith("acc-") ? "acc" : model.startsWith("first-") ? "first" : model.startsWith("flip-") ? "flip"
                : model.startsWith("verbose-") ? "verbose" : model) {
            case "first" -> {
                double bias = Integer.parseInt(model.substring("first-".length())) / 100.0;
                java.util.regex.Matcher quality = QUALITY.matcher(user);
                int a = quality.find() ? Integer.parseInt(quality.group(1)) : 0;
                int b = quality.find() ? Integer.parseInt(quality.group(1)) : 0;
                boolean first = new java.util.SplittableRandom((model + "|" + user).hashCode()).nextDouble() < bias;
                String result = first ? "A" : a > b ? "A" : b > a ? "B" : "tie";
                send(request, 200, completion(model, new JsonObject().put("rationale", first ? "The first one reads better." : "Compared "
                        + a + " with " + b + ".").put("result", result).encode()), null, finish);
            }
            case "flip" -> {
                double flip = Integer.parseInt(model.substring("flip-".length())) / 100.0;
                boolean right = draw(model, user) >= flip;
                send(request, 200, completion(model, new JsonObject().put("rationale", right ? "Matches the reference." : "Looks off to me.")
                        .put("result", answer(body, truth(user), right)).encode()), null, finish);
            }
            case "verbose" -> {
                double bias = Integer.parseInt(model.substring("verbose-".length())) / 100.0;
                boolean swayed = sentenceBreaks(user) >= LONG_SENTENCES && draw(model, user) < bias;
                send(request, 200, completion(model, new JsonObject().put("rationale", swayed ? "Thorough and detailed." : "Matches the reference.")
                        .put("result", swayed ? top(body) : answer(body, truth(user), true)).encode()), null, finish);
            }
            case "acc" -> send(request, 200, accurate(model, body, user, Integer.parseInt(model.substring("acc-".length()))), null, finish);
            case "slow-acc" -> {
                String[] parts = model.substring("slow-acc-".length()).split("-");
                String reply = accurate(model, body, user, Integer.parseInt(parts[1]));
                vertx.setTimer(Long.parseLong(parts[0]), id -> send(request, 200, reply, null, finish));
            }
            case "limited" -> {
                long retryAfterMs = admit(model, Integer.parseInt(model.substring("limited-".length())));
                if (retryAfterMs > 0) {
                    throttledByModel.computeIfAbsent(model, m -> new AtomicInteger()).incrementAndGet();
                    send(request, 429, error("Rate limit reached for requests"), Long.toString((retryAfterMs + 999) / 1000), finish);
                } else {
                    vertx.setTimer(50, id -> send(request, 200, verdict(model, body), null, finish));
                }
            }
            case "slow" -> {
                long delay = model.startsWith("slow-") ? Long.parseLong(model.substring(5)) : 200;
                vertx.setTimer(delay, id -> send(request, 200, verdict(model, body), null, finish));
            }
            case "rate-limited" -> {
                if (attempt == 1) {
                    send(request, 429, error("Rate limit reached"), "1", finish);
                } else {
                    send(request, 200, verdict(model, body), null, finish);
                }
            }
            case "reset-limited" -> {
                if (attempt == 1) {
                    request.header("x-ratelimit-reset-requests", "1s");
                    send(request, 429, error("Rate limit reached for requests"), null, finish);
                } else {
                    send(request, 200, verdict(model, body), null, finish);
                }
            }
            case "once-429" -> {
                if (requestCount(model) == 1) {
                    send(request, 429, error("Rate limit reached"), "1", finish);
                } else {
                    vertx.setTimer(300, id -> send(request, 200, verdict(model, body), null, finish));
                }
            }
            case "switchable" -> {
                if (down) {
                    send(request, 500, error("The server had an error"), null, finish);
                } else {
                    send(request, 200, verdict(model, body), null, finish);
                }
            }
            case "always-429" -> send(request, 429, error("Rate limit reached"), "0", finish);
            case "error-500" -> send(request, 500, error("The server had an error"), null, finish);
            case "fail-first" -> {
                if (attempt <= Integer.parseInt(model.substring("fail-first-".length()))) {
                    send(request, 500, error("The server had an error"), null, finish);
                } else {
                    send(request, 200, verdict(model, body), null, finish);
                }
            }
            case "flaky-500" -> {
                if (attempt == 1) {
                    send(request, 500, error("The server had an error"), null, finish);
                } else {
                    send(request, 200, verdict(model, body), null, finish);
                }
            }
            case "hang" -> request.onClose(finish);
            // like a careless gateway, it echoes the key it was given
            case "unauthorized" -> send(request, 401, error("Incorrect API key provided: " + request.authorization()), null, finish);
            case "bad-request" -> send(request, 400, error("This model's maximum context length is 8192 tokens"), null, finish);
            case "invalid-json" -> send(request, 200, completion(model, "I think the answer is yes."), null, finish);
            case "out-of-range" -> send(request, 200, completion(model, content(body, true)), null, finish);
            case "malformed" -> send(request, 200, "<html>gateway</html>", null, finish);
            case "echo-key" -> send(request, 200, completion(model, new JsonObject().put("rationale", "Checked; the gateway saw "
                    + String.join(" ", echoes(bearer(request)))).put("result", content(body, false, "result")).encode()), null, finish);
            case "echo-key-value" -> send(request, 200, completion(model, new JsonObject().put("rationale", "as asked")
                    .put("result", String.join(" ", echoes(bearer(request)))).encode()), null, finish);
            case "echo-key-error" -> send(request, 400, error("Key rejected: " + String.join(" ", echoes(bearer(request)))), null, finish);
            default -> send(request, 200, verdict(model, body), null, finish);
        }
    }

    // ---- the Batch API -------------------------------------------------------------------------------------------

    /**
     * A batch as the provider keeps it.
     *
     * @param lines the input file's requests
     */
    public record FakeBatch(String id, String model, int lines, String status, boolean cancelRequested) {
    }

    private final Map<String, String> files = new ConcurrentHashMap<>();
    private final Map<String, JsonObject> batches = Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    private final List<String> batchCustomIds = Collections.synchronizedList(new ArrayList<>());
    private final List<JsonObject> batchBodies = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger ids = new AtomicInteger();
    private volatile long batchDelayMs = 300;

    /** How long a batch takes from its creation to its end (default 300 ms). */
    public void batchDelay(java.time.Duration delay) {
        batchDelayMs = delay.toMillis();
    }

    private volatile long batchCreateAnswerMs;
    private volatile boolean batchListing = true;

    /** Whether {@code GET /v1/batches} lists the batches (default) or answers 404, as a provider without the list does. */
    public void batchListing(boolean lists) {
        batchListing = lists;
    }

    /** How long the answer to a batch's create waits; the batch itself is made at once (default: no wait). */
    public void batchCreateAnswerDelay(java.time.Duration delay) {
        batchCreateAnswerMs = delay.toMillis();
    }

    /** Every batch created, oldest first. */
    public List<FakeBatch> batches() {
        synchronized (batches) {
            return batches.values().stream().map(b -> new FakeBatch(b.getString("id"), b.getString("x_model"), b.getInteger("x_lines"),
                    b.getString("status"), b.getBoolean("x_cancel_requested", false))).toList();
        }
    }

    /** The id of the input file a batch was made of. */
    public String batchInputFile(String batchId) {
        return batches.get(batchId).getString("input_file_id");
    }

    /** The batches whose requests name this model. */
    public List<FakeBatch> batches(String model) {
        return batches().stream().filter(b -> model.equals(b.model())).toList();
    }

    /** The custom_id of every request received in a batch file. */
    public List<String> batchCustomIds() {
        synchronized (batchCustomIds) {
            return List.copyOf(batchCustomIds);
        }
    }

    /** The chat-completion body of every request received in a batch file. */
    public List<JsonObject> batchBodies() {
        synchronized (batchBodies) {
            return List.copyOf(batchBodies);
        }
    }

    /**
     * OpenAI's Batch API: files uploaded and read back, batches created, read and cancelled. A batch ends
     * {@link #batchDelay} after its creation, each line answered as the chat endpoint answers that body (a non-200 answer
     * goes to the error file). By the model of its requests: {@code batch-fail} ends {@code failed} with no output;
     * {@code batch-expire} ends {@code expired}, its first half of lines answered and the rest in the error file as
     * {@code batch_expired}; {@code batch-hold} never ends on its own (for cancelling);
     * {@code batch-slow-create} is made at once but its create is answered only after 5 s.
     */
    private void batchApi(HttpServerRequest request, String body) {
        String path = request.path().substring("/v1".length());
        String[] parts = path.split("/");
        if (request.method().name().equals("POST") && path.equals("/files")) {
            String content = multipartFile(request.getHeader("Content-Type"), body);
            if (content == null) {
                request.response().setStatusCode(400).end(error("no file part"));
                return;
            }
            String id = "file-" + ids.incrementAndGet();
            files.put(id, content);
            json(request, 200, new JsonObject().put("id", id).put("object", "file").put("purpose", "batch").put("bytes", content.length()));
        } else if (request.method().name().equals("GET") && parts.length == 4 && parts[1].equals("files") && parts[3].equals("content")) {
            String content = files.get(parts[2]);
            if (content == null) {
                request.response().setStatusCode(404).end(error("No such file"));
            } else {
                request.response().putHeader("Content-Type", "application/octet-stream").end(content);
            }
        } else if (request.method().name().equals("POST") && path.equals("/batches")) {
            JsonObject asked = new JsonObject(body);
            String input = files.get(asked.getString("input_file_id"));
            if (input == null || !"/v1/chat/completions".equals(asked.getString("endpoint"))) {
                request.response().setStatusCode(400).end(error("unknown input file or endpoint"));
                return;
            }
            List<JsonObject> lines = input.lines().filter(l -> !l.isBlank()).map(JsonObject::new).toList();
            lines.forEach(l -> batchCustomIds.add(l.getString("custom_id")));
            lines.forEach(l -> batchBodies.add(l.getJsonObject("body")));
            String model = lines.isEmpty() ? "" : lines.get(0).getJsonObject("body").getString("model");
            String id = "batch_" + ids.incrementAndGet();
            JsonObject batch = new JsonObject().put("id", id).put("object", "batch").put("endpoint", "/v1/chat/completions")
                    .put("input_file_id", asked.getString("input_file_id")).put("completion_window", asked.getString("completion_window"))
                    .put("status", "validating").putNull("output_file_id").putNull("error_file_id")
                    .put("request_counts", counts(lines.size(), 0, 0)).put("created_at", System.currentTimeMillis() / 1000)
                    .put("x_model", model).put("x_lines", lines.size());
            batches.put(id, batch);
            vertx.setTimer(Math.max(1, batchDelayMs / 2), t -> {
                if ("validating".equals(batch.getString("status"))) {
                    batch.put("status", "in_progress");
                }
            });
            if (!"batch-hold".equals(model)) {
                vertx.setTimer(Math.max(1, batchDelayMs), t -> finish(batch, lines));
            }
            long answerAfter = "batch-slow-create".equals(model) ? 5000 : batchCreateAnswerMs;
            if (answerAfter > 0) {
                // the batch is made, but its answer comes later (after the client gave up waiting, or died)
                vertx.setTimer(answerAfter, t -> json(request, 200, visible(batch)));
                return;
            }
            json(request, 200, visible(batch));
        } else if (request.method().name().equals("GET") && path.equals("/batches") && batchListing) {
            listBatches(request);
        } else if (request.method().name().equals("GET") && parts.length == 3 && parts[1].equals("batches")) {
            JsonObject batch = batches.get(parts[2]);
            if (batch == null) {
                request.response().setStatusCode(404).end(error("No such batch"));
            } else {
                json(request, 200, visible(batch));
            }
        } else if (request.method().name().equals("POST") && parts.length == 4 && parts[1].equals("batches") && parts[3].equals("cancel")) {
            JsonObject batch = batches.get(parts[2]);
            if (batch == null) {
                request.response().setStatusCode(404).end(error("No such batch"));
                return;
            }
            batch.put("x_cancel_requested", true);
            if (Set.of("validating", "in_progress", "finalizing").contains(batch.getString("status"))) {
                batch.put("status", "cancelling");
                vertx.setTimer(100, t -> batch.put("status", "cancelled"));
            }
            json(request, 200, visible(batch));
        } else {
            request.response().setStatusCode(404).end(error("Unknown Batch API path " + path));
        }
    }

    /** The list of batches, newest first, {@code limit} (default 20, at most 100) after the batch named by {@code after}. */
    private void listBatches(HttpServerRequest request) {
        int limit = Math.max(1, Math.min(100, Integer.parseInt(java.util.Objects.requireNonNullElse(request.getParam("limit"), "20"))));
        String after = request.getParam("after");
        List<JsonObject> newestFirst;
        synchronized (batches) {
            newestFirst = new ArrayList<>(batches.values());
        }
        java.util.Collections.reverse(newestFirst);
        int from = 0;
        if (after != null) {
            from = newestFirst.size();
            for (int i = 0; i < newestFirst.size(); i++) {
                if (newestFirst.get(i).getString("id").equals(after)) {
                    from = i + 1;
                }
            }
        }
        List<JsonObject> page = newestFirst.subList(Math.min(from, newestFirst.size()), Math.min(from + limit, newestFirst.size()));
        JsonArray data = new JsonArray();
        page.forEach(b -> data.add(visible(b)));
        json(request, 200, new JsonObject().put("object", "list").put("data", data)
                .put("first_id", page.isEmpty() ? null : page.get(0).getString("id"))
                .put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).getString("id"))
                .put("has_more", from + limit < newestFirst.size()));
    }

    /** A batch ends: its lines answered (or not, as its model says), its output and error files written. */
    private void finish(JsonObject batch, List<JsonObject> lines) {
        if (!Set.of("validating", "in_progress").contains(batch.getString("status"))) {
            return;
        }
        String model = batch.getString("x_model");
        if ("batch-fail".equals(model)) {
            batch.put("status", "failed").put("errors", new JsonObject().put("object", "list").put("data", new JsonArray()
                    .add(new JsonObject().put("code", "invalid_request").put("message", "The batch could not be run"))));
            return;
        }
        int answered = "batch-expire".equals(model) ? (lines.size() + 1) / 2 : lines.size();
        List<java.util.concurrent.CompletableFuture<String[]>> replies = new ArrayList<>();
        for (int i = 0; i < answered; i++) {
            JsonObject line = lines.get(i);
            JsonObject body = line.getJsonObject("body");
            String lineModel = body.getString("model");
            JsonArray messages = body.getJsonArray("messages", new JsonArray());
            String user = messages.isEmpty() ? "" : String.valueOf(messages.getJsonObject(messages.size() - 1).getValue("content"));
            java.util.concurrent.CompletableFuture<String[]> reply = new java.util.concurrent.CompletableFuture<>();
            replies.add(reply);
            int attempt = attemptsByPrompt.computeIfAbsent("batch|" + lineModel + "|" + user, k -> new AtomicInteger()).incrementAndGet();
            inFlight.computeIfAbsent(lineModel, m -> new AtomicInteger()).incrementAndGet();
            respond(new Reply() {
                @Override
                public void send(int status, String text, String retryAfter) {
                    reply.complete(new String[] {Integer.toString(status), text});
                }

                @Override
                public void header(String name, String value) {
                }

                @Override
                public String authorization() {
                    return null;
                }

                @Override
                public void onClose(Runnable closed) {
                    reply.complete(new String[] {"500", error("The model did not answer")});
                    closed.run();
                }
            }, lineModel, body, attempt, user);
        }
        java.util.concurrent.CompletableFuture.allOf(replies.toArray(java.util.concurrent.CompletableFuture[]::new)).thenRun(() -> {
            StringBuilder output = new StringBuilder();
            StringBuilder errors = new StringBuilder();
            int failed = 0;
            for (int i = 0; i < lines.size(); i++) {
                String customId = lines.get(i).getString("custom_id");
                JsonObject out = new JsonObject().put("id", "batch_req_" + ids.incrementAndGet()).put("custom_id", customId);
                if (i >= answered) {
                    errors.append(out.putNull("response").put("error", new JsonObject().put("code", "batch_expired")
                            .put("message", "This request could not be executed before the completion window expired.")).encode()).append('\n');
                    failed++;
                    continue;
                }
                String[] reply = replies.get(i).join();
                int status = Integer.parseInt(reply[0]);
                Object parsed;
                try {
                    parsed = new JsonObject(reply[1]);
                } catch (RuntimeException e) {
                    parsed = reply[1];
                }
                out.put("response", new JsonObject().put("status_code", status).put("request_id", "req_" + i).put("body", parsed)).putNull("error");
                if (status == 200) {
                    output.append(out.encode()).append('\n');
                } else {
                    errors.append(out.encode()).append('\n');
                    failed++;
                }
            }
            if (!output.isEmpty()) {
                String id = "file-" + ids.incrementAndGet();
                files.put(id, output.toString());
                batch.put("output_file_id", id);
            }
            if (!errors.isEmpty()) {
                String id = "file-" + ids.incrementAndGet();
                files.put(id, errors.toString());
                batch.put("error_file_id", id);
            }
            batch.put("request_counts", counts(lines.size(), lines.size() - failed, failed));
            batch.put("status", "batch-expire".equals(model) ? "expired" : "completed");
        });
    }

    private static JsonObject counts(int total, int completed, int failed) {
        return new JsonObject().put("total", total).put("completed", completed).put("failed", failed);
    }

    /** A batch as the API shows it, without this server's own fields. */
    private static JsonObject visible(JsonObject batch) {
        JsonObject shown = batch.copy();
        shown.fieldNames().removeIf(name -> name.startsWith("x_"));
        return shown;
    }

    private static void json(HttpServerRequest request, int status, JsonObject body) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    /** The content of the part named {@code file} of a multipart/form-data body, when {@code purpose} is batch. */
    private static String multipartFile(String contentType, String body) {
        if (contentType == null || !contentType.startsWith("multipart/form-data") || !contentType.contains("boundary=")) {
            return null;
        }
        String boundary = "--" + contentType.substring(contentType.indexOf("boundary=") + "boundary=".length()).replace("\"", "").trim();
        String file = null;
        boolean batchPurpose = false;
        for (String part : body.split(java.util.regex.Pattern.quote(boundary))) {
            int blank = part.indexOf("\r\n\r\n");
            if (blank < 0) {
                continue;
            }
            String headers = part.substring(0, blank);
            String content = part.substring(blank + 4);
            content = content.endsWith("\r\n") ? content.substring(0, content.length() - 2) : content;
            if (headers.contains("name=\"file\"")) {
                file = content;
            } else if (headers.contains("name=\"purpose\"")) {
                batchPurpose = "batch".equals(content.trim());
            }
        }
        return batchPurpose ? file : null;
    }

    /**
     * The completion of a judge right {@code percent} % of the time about the prompt's {@code truth=<value>}: at temperature 0
     * (or none) the same for every request of a prompt, above 0 drawn anew for each.
     */
    private String accurate(String model, JsonObject body, String user, int percent) {
        double accuracy = percent / 100.0;
        Double temperature = body.getDouble("temperature");
        long draw = temperature == null || temperature == 0 ? 0
                : drawsByPrompt.computeIfAbsent(model + "|" + user, k -> new AtomicInteger()).incrementAndGet();
        boolean right = new java.util.SplittableRandom((model + "|" + user).hashCode() * 1_000_003L + draw).nextDouble() < accuracy;
        return completion(model, new JsonObject().put("rationale", right ? "Matches the reference." : "Looks off to me.")
                .put("result", answer(body, truth(user), right)).encode());
    }

    /** A draw in [0, 1) for the n-th request of a prompt to a model: independent per request, the same in every test run. */
    private double draw(String model, String user) {
        long count = drawsByPrompt.computeIfAbsent(model + "|" + user, k -> new AtomicInteger()).incrementAndGet();
        return new java.util.SplittableRandom((model + "|" + user).hashCode() * 1_000_003L + count).nextDouble();
    }

    private static int sentenceBreaks(String text) {
        java.util.regex.Matcher m = SENTENCE_BREAK.matcher(text);
        int count = 0;
        while (m.find()) {
            count++;
        }
        return count;
    }

    /** The top verdict the request's schema allows: true, the first choice, or the maximum. */
    private static Object top(JsonObject body) {
        JsonObject result = body.getJsonObject("response_format", new JsonObject()).getJsonObject("json_schema", new JsonObject())
                .getJsonObject("schema", new JsonObject()).getJsonObject("properties", new JsonObject())
                .getJsonObject("result", new JsonObject());
        if (result.containsKey("enum")) {
            return result.getJsonArray("enum").getValue(0);
        }
        if ("boolean".equals(result.getString("type"))) {
            return true;
        }
        java.util.regex.Matcher range = java.util.regex.Pattern.compile("to (-?[0-9.]+)").matcher(result.getString("description", ""));
        double max = range.find() ? Double.parseDouble(range.group(1)) : 1;
        return "integer".equals(result.getString("type")) ? (Object) (long) max : (Object) max;
    }

    /** The true verdict a prompt carries as {@code truth=<value>}. */
    private static String truth(String user) {
        java.util.regex.Matcher m = TRUTH.matcher(user);
        if (!m.find()) {
            throw new IllegalStateException("an acc-<percent> model needs truth=<value> in the prompt");
        }
        return m.group(1);
    }

    /** The truth as the request's schema types it, or (not right) another value the schema allows. */
    private static Object answer(JsonObject body, String truth, boolean right) {
        JsonObject result = body.getJsonObject("response_format", new JsonObject()).getJsonObject("json_schema", new JsonObject())
                .getJsonObject("schema", new JsonObject()).getJsonObject("properties", new JsonObject())
                .getJsonObject("result", new JsonObject());
        if (result.containsKey("enum")) {
            List<Object> choices = result.getJsonArray("enum").getList();
            int at = choices.indexOf(truth);
            return right ? truth : choices.get((at + 1) % choices.size());
        }
        if ("boolean".equals(result.getString("type"))) {
            boolean value = Boolean.parseBoolean(truth);
            return right == value;
        }
        double value = Double.parseDouble(truth);
        // the judge's range is in the schema's description: "From 1.0 to 5.0"
        java.util.regex.Matcher range = java.util.regex.Pattern.compile("to (-?[0-9.]+)").matcher(result.getString("description", ""));
        double max = range.find() ? Double.parseDouble(range.group(1)) : Double.MAX_VALUE;
        double wrong = value + 1 <= max ? value + 1 : value - 1;
        double answer = right ? value : wrong;
        return "integer".equals(result.getString("type")) ? (Object) (long) answer : (Object) answer;
    }

    /** The key a request was sent with (its Authorization header without {@code Bearer }). */
    private static String bearer(Reply request) {
        String header = request.authorization();
        return header == null ? "" : header.replaceFirst("^Bearer ", "");
    }

    /**
     * The ways a careless provider or gateway shows a key back: as it is, in upper case, base64 and base64url (with and
     * without padding) of the key alone and of {@code Bearer <key>} and {@code user:<key>}, URL-encoded (every byte),
     * hex, its first 16 characters, its last 12, and masked as OpenAI shows keys ({@code sk-...wxyz}).
     */
    public static java.util.List<String> echoes(String key) {
        java.util.Base64.Encoder base64 = java.util.Base64.getEncoder();
        java.util.Base64.Encoder url = java.util.Base64.getUrlEncoder().withoutPadding();
        byte[] bytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder percent = new StringBuilder();
        for (byte b : bytes) {
            percent.append('%').append(java.util.HexFormat.of().withUpperCase().toHexDigits(b));
        }
        return java.util.List.of(key,
                key.toUpperCase(java.util.Locale.ROOT),
                base64.encodeToString(bytes),
                url.encodeToString(bytes),
                base64.encodeToString(("Bearer " + key).getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                base64.encodeToString(("user:" + key).getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                url.encodeToString(("api:" + key).getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                percent.toString(),
                java.util.HexFormat.of().formatHex(bytes),
                key.substring(0, Math.min(16, key.length())),
                key.substring(Math.max(0, key.length() - 12)),
                key.substring(0, Math.min(3, key.length())) + "..." + key.substring(Math.max(0, key.length() - 4)));
    }

    /**
     * A provider's requests-per-minute limit over a sliding minute: 0 when the request is admitted,
     * else how many milliseconds until it would be.
     */
    private long admit(String model, int perMinute) {
        java.util.ArrayDeque<Long> accepted = acceptedByModel.computeIfAbsent(model, m -> new java.util.ArrayDeque<>());
        synchronized (accepted) {
            long now = System.nanoTime();
            long windowStart = now - TimeUnit.MINUTES.toNanos(1);
            while (!accepted.isEmpty() && accepted.peekFirst() <= windowStart) {
                accepted.pollFirst();
            }
            if (accepted.size() >= perMinute) {
                return Math.max(1, TimeUnit.NANOSECONDS.toMillis(accepted.peekFirst() - windowStart));
            }
            accepted.addLast(now);
            return 0;
        }
    }

    /** 429s answered to a model by its requests-per-minute limit. */
    public int throttled(String model) {
        AtomicInteger count = throttledByModel.get(model);
        return count == null ? 0 : count.get();
    }

    /** Requests received for a model, counted even when prompts are not recorded. */
    public int requestCount(String model) {
        AtomicInteger count = requestsByModel.get(model);
        return count == null ? 0 : count.get();
    }

    private void send(Reply request, int status, String body, String retryAfter, Runnable finish) {
        JsonObject usage = usageByRequest.get(request);
        if (status == 200 && usage != null && body.startsWith("{") && body.contains("\"usage\"")) {
            // the completion's usage as this request's prompt makes it
            body = new JsonObject(body).put("usage", usage).encode();
        }
        finish.run();
        request.send(status, body, retryAfter);
    }

    /** Where an answer goes: the HTTP exchange of an online call, or a line of a batch's output. */
    private interface Reply {
        void send(int status, String body, String retryAfter);

        void header(String name, String value);

        String authorization();

        /** For a call that never answers: run when the caller gives up. */
        void onClose(Runnable closed);
    }

    /** The answer to an online call. */
    private static Reply http(HttpServerRequest request) {
        return new Reply() {
            @Override
            public void send(int status, String body, String retryAfter) {
                var response = request.response().setStatusCode(status).putHeader("Content-Type", "application/json");
                if (retryAfter != null) {
                    response.putHeader("Retry-After", retryAfter);
                }
                response.end(body);
            }

            @Override
            public void header(String name, String value) {
                request.response().putHeader(name, value);
            }

            @Override
            public String authorization() {
                return request.getHeader("Authorization");
            }

            @Override
            public void onClose(Runnable closed) {
                request.connection().closeHandler(v -> closed.run());
            }
        };
    }

    /** The result of a verdict that fits the schema of the request's response_format. */
    private static Object content(JsonObject body, boolean outOfRange, String field) {
        return new JsonObject(content(body, outOfRange)).getValue(field);
    }

    /** A verdict that fits (or, when asked, breaks) the schema of the request's response_format. */
    static String content(JsonObject body, boolean outOfRange) {
        JsonObject result = body.getJsonObject("response_format", new JsonObject())
                .getJsonObject("json_schema", new JsonObject())
                .getJsonObject("schema", new JsonObject())
                .getJsonObject("properties", new JsonObject())
                .getJsonObject("result", new JsonObject());
        Object value;
        if (result.containsKey("enum")) {
            value = outOfRange ? "maybe" : result.getJsonArray("enum").getValue(0);
        } else if ("boolean".equals(result.getString("type"))) {
            value = outOfRange ? "perhaps" : Boolean.TRUE;
        } else if ("integer".equals(result.getString("type")) || "number".equals(result.getString("type"))) {
            value = outOfRange ? 1_000_000 : 1;
        } else {
            value = outOfRange ? "maybe" : "yes";
        }
        return new JsonObject().put("rationale", "Checked against the request.").put("result", value).encode();
    }

    /** A valid verdict for the request; in load tests the same text is served again for the same request shape. */
    private String verdict(String model, JsonObject body) {
        if (recordPrompts) {
            return completion(model, content(body, false));
        }
        return repliesByShape.computeIfAbsent(body, b -> completion(model, content(b, false)));
    }

    private static String completion(String model, String content) {
        return new JsonObject()
                .put("id", "chatcmpl-test")
                .put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", model)
                .put("choices", new JsonArray().add(new JsonObject()
                        .put("index", 0)
                        .put("message", new JsonObject().put("role", "assistant").put("content", content))
                        .put("finish_reason", "stop")))
                .put("usage", new JsonObject().put("prompt_tokens", 120).put("completion_tokens", 30).put("total_tokens", 150))
                .encode();
    }

    private static String error(String message) {
        return new JsonObject().put("error", new JsonObject().put("message", message).put("type", "error")).encode();
    }

    @Override
    public void close() {
        vertx.close();
    }

    /**
     * The server as a process of its own, for benchmarks (its CPU then counts apart from the benchmark's): prints
     * {@code listening <base url>} and serves until killed; {@code GET /stats/<model>} gives a model's request and
     * 429 counts. Requests are counted, not kept.
     */
    public static void main(String[] args) throws InterruptedException {
        FakeOpenAiServer server = new FakeOpenAiServer(false);
        System.out.println("listening " + server.baseUrl());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
