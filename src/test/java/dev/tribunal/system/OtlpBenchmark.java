package dev.tribunal.system;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tribunal.system.ProcessFigures.cpuMs;
import static dev.tribunal.system.ProcessFigures.percentile;
import static dev.tribunal.system.ProcessFigures.statusKb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * OTLP/HTTP ingest throughput and memory of the built application, run as a real process ({@code -Xmx512m}, its
 * embedded PostgreSQL with durable commits). Eight client threads each send protobuf exports of 512 LLM-app spans
 * to {@code /v1/traces}, the next when the previous is answered (as an SDK's BatchSpanProcessor does). Prints
 * figures; asserts only that nothing is lost: every span sent is counted as stored, none as a duplicate, every
 * answer is 200.
 * <p>
 * Run with {@code ./mvnw -B -ntp verify -Pbenchmark -Dit.test=OtlpBenchmark} (tests are skipped; the jar is built
 * first). Sizes: {@code -Dbench.otlp.spans=1000000} measured after {@code -Dbench.otlp.warmup=50000} not measured;
 * the heap and RSS are sampled every {@code -Dbench.otlp.sample-every=100000} spans. Tribunal's JVM arguments:
 * {@code -Dbench.jvm-args="..."}; its working directory (database, log) is deleted at the end unless
 * {@code -Dbench.keep-data=true}.
 * <p>
 * The measured spans are sent in segments of {@code sample-every} spans; between two segments the clients wait
 * while the heap is measured (a full GC via {@code jcmd}), and that pause is counted neither in the time nor in
 * the CPU figures.
 */
class OtlpBenchmark {

    private static final int CLIENTS = 8;
    private static final int BATCH_SPANS = 512;
    private static final int SPANS_PER_TRACE = 16;
    private static final double TARGET_PER_SECOND = 20_000;

    private static TribunalProcess app;
    private static Path workDir;
    private static HttpClient http;
    private static URI endpoint;

    @BeforeAll
    static void start() throws IOException {
        workDir = Files.createTempDirectory("tribunal-otlp-bench").toRealPath();
        // more JVM arguments for Tribunal, e.g. -Dbench.jvm-args="-XX:+UseParallelGC"
        String extra = System.getProperty("bench.jvm-args", "").trim();
        String[] args = extra.isEmpty() ? new String[0] : extra.split("\\s+");
        // no judges directory in the working directory: no judges, no sweeps, ingest alone is measured
        app = TribunalProcess.start(workDir, Map.of(), args).waitUntilReady();
        endpoint = URI.create("http://localhost:" + app.httpPort() + "/v1/traces");
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.stop();
            app.close();
            TribunalProcess.killPostmaster(workDir.resolve("data").resolve("postgres"));
        }
        // a million spans take some 2.5 GB (tables and WAL); -Dbench.keep-data=true keeps them and the app's log
        if (workDir != null && !Boolean.getBoolean("bench.keep-data")) {
            try (var paths = Files.walk(workDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.out.println("Could not delete " + workDir + ": " + e);
            }
        }
    }

    @Test
    void sustainedIngestOfBatchesOf512Spans() throws Exception {
        int spans = Integer.getInteger("bench.otlp.spans", 1_000_000);
        int warmup = Integer.getInteger("bench.otlp.warmup", 50_000);
        int sampleEvery = Integer.getInteger("bench.otlp.sample-every", 100_000);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            // warm-up, not measured: the JIT compiles the hot paths, the pools fill
            Segment warm = send(clients, warmup);
            List<Sample> samples = new ArrayList<>(List.of(Sample.of(0)));
            List<Segment> segments = new ArrayList<>();
            for (int done = 0; done < spans; ) {
                int size = Math.min(sampleEvery, spans - done);
                segments.add(send(clients, size));
                done += size;
                samples.add(Sample.of(done));
            }
            Segment all = Segment.sum(segments);
            printThroughput(spans, all);
            printMemory(samples, segments);

            Segment everything = Segment.sum(List.of(warm, all));
            assertEquals(List.of(), everything.failures(), "every export is answered 200 with no rejected span");
            Map<String, Double> counters = spanCounters();
            assertEquals(everything.spans(), counters.getOrDefault("stored", -1.0).longValue(),
                    "every span sent (warm-up included) is stored");
            assertEquals(0L, counters.getOrDefault("duplicate", 0.0).longValue(), "no span is counted as a duplicate");
        } finally {
            clients.shutdownNow();
        }
    }

    // ---- sending ----------------------------------------------------------------------------------

    /** What one segment of spans cost: its wall time, the CPU of each process, every request's latency. */
    record Segment(long spans, long bytes, int requests, double seconds, long appCpuMs, long pgCpuMs, long clientCpuMs,
                   List<Long> latenciesNanos, List<String> failures) {
        static Segment sum(List<Segment> parts) {
            List<Long> latencies = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            long spans = 0, bytes = 0, app = 0, pg = 0, client = 0;
            int requests = 0;
            double seconds = 0;
            for (Segment s : parts) {
                spans += s.spans;
                bytes += s.bytes;
                requests += s.requests;
                seconds += s.seconds;
                app += s.appCpuMs;
                pg += s.pgCpuMs;
                client += s.clientCpuMs;
                latencies.addAll(s.latenciesNanos);
                failures.addAll(s.failures);
            }
            return new Segment(spans, bytes, requests, seconds, app, pg, client, latencies, failures);
        }
    }

    /**
     * Sends {@code spans} spans in exports of 512 from {@link #CLIENTS} threads, each building its next export when
     * the previous one is answered; returns when every export is answered.
     */
    private static Segment send(ExecutorService clients, int spans) throws Exception {
        int batches = (spans + BATCH_SPANS - 1) / BATCH_SPANS;
        AtomicInteger next = new AtomicInteger();
        AtomicLong sent = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        Cpu before = Cpu.now();
        long start = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            running.add(clients.submit(() -> {
                for (int b; (b = next.getAndIncrement()) < batches; ) {
                    int size = Math.min(BATCH_SPANS, spans - b * BATCH_SPANS);
                    byte[] body = Spans.export(size).toByteArray();
                    HttpRequest request = HttpRequest.newBuilder(endpoint)
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/x-protobuf")
                            .header("Authorization", "Bearer " + TribunalProcess.ADMIN_KEY)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build();
                    long sentAt = System.nanoTime();
                    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                    latencies.add(System.nanoTime() - sentAt);
                    sent.addAndGet(size);
                    bytes.addAndGet(body.length);
                    if (response.statusCode() != 200) {
                        failures.add("HTTP " + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8));
                    } else if (ExportTraceServiceResponse.parseFrom(response.body()).getPartialSuccess().getRejectedSpans() != 0) {
                        failures.add("partial success: " + ExportTraceServiceResponse.parseFrom(response.body()).getPartialSuccess());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get(30, TimeUnit.MINUTES);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Cpu after = Cpu.now();
        return new Segment(sent.get(), bytes.get(), batches, seconds, after.appMs - before.appMs, after.pgMs - before.pgMs,
                after.clientMs - before.clientMs, new ArrayList<>(latencies), new ArrayList<>(failures));
    }

    /**
     * Exports as an LLM application instrumented with OpenInference sends them: traces of 16 spans (a root CHAIN, a
     * RETRIEVER with two documents, thirteen LLM calls, a TOOL), children before their root as they end, every trace
     * id fresh and random.
     */
    static final class Spans {
        private static final Resource RESOURCE = Resource.newBuilder()
                .addAttributes(kv("service.name", "support-bot"))
                .addAttributes(kv("service.version", "1.4.2"))
                .addAttributes(kv("deployment.environment", "benchmark"))
                .addAttributes(kv("telemetry.sdk.language", "python"))
                .build();
        private static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder()
                .setName("openinference.instrumentation.langchain").setVersion("0.1.28").build();
        private static final String[] QUESTIONS = texts(32, 200,
                "How do I reset my password when the e-mail with the link never arrives and I no longer have access to the old phone number?");
        private static final String[] ANSWERS = texts(32, 200,
                "Open Settings, choose Security, then Reset password. If the e-mail does not arrive, check the spam folder or ask support to verify you by your last invoice.");
        private static final String[] DOCUMENTS = texts(64, 300,
                "Password resets: a reset link is valid for 30 minutes and can be used once. Accounts with two-factor authentication need the second factor as well; without it, support verifies the owner by a recent invoice number and the billing address.");
        private static final String[] MODELS = {"gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet", "llama-3.1-70b"};

        private Spans() {
        }

        static ExportTraceServiceRequest export(int spans) {
            ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(SCOPE);
            long now = System.currentTimeMillis() * 1_000_000L;
            for (int from = 0; from < spans; from += SPANS_PER_TRACE) {
                addTrace(scope, Math.min(SPANS_PER_TRACE, spans - from), now);
            }
            return ExportTraceServiceRequest.newBuilder()
                    .addResourceSpans(ResourceSpans.newBuilder().setResource(RESOURCE).addScopeSpans(scope))
                    .build();
        }

        /** One trace of {@code count} spans (16, fewer only for a segment's last trace), the root last. */
        private static void addTrace(ScopeSpans.Builder scope, int count, long endNanos) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            ByteString traceId = randomId(16);
            ByteString rootId = randomId(8);
            long ms = 1_000_000L;
            long start = endNanos - 9_000 * ms;
            String question = pick(QUESTIONS) + " #" + random.nextInt(1_000_000);
            for (int i = 1; i < count; i++) {
                long childStart = start + i * 500 * ms;
                Span.Builder span = Span.newBuilder().setTraceId(traceId).setSpanId(randomId(8)).setParentSpanId(rootId)
                        .setStartTimeUnixNano(childStart).setEndTimeUnixNano(childStart + (200 + random.nextInt(300)) * ms)
                        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK));
                if (i == 1) {
                    span.setName("retrieve_documents").setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
                            .addAttributes(kv("openinference.span.kind", "RETRIEVER"))
                            .addAttributes(kv("input.value", question))
                            .addAttributes(kv("retrieval.documents.0.document.id", "kb-" + random.nextInt(10_000)))
                            .addAttributes(kv("retrieval.documents.0.document.score", random.nextDouble()))
                            .addAttributes(kv("retrieval.documents.0.document.content", pick(DOCUMENTS)))
                            .addAttributes(kv("retrieval.documents.1.document.id", "kb-" + random.nextInt(10_000)))
                            .addAttributes(kv("retrieval.documents.1.document.score", random.nextDouble()))
                            .addAttributes(kv("retrieval.documents.1.document.content", pick(DOCUMENTS)));
                } else if (i == count - 1 && count == SPANS_PER_TRACE) {
                    span.setName("lookup_account").setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
                            .addAttributes(kv("openinference.span.kind", "TOOL"))
                            .addAttributes(kv("tool.name", "lookup_account"))
                            .addAttributes(kv("input.value", "{\"customer_id\": \"c-" + random.nextInt(1_000_000) + "\", \"fields\": [\"email\", \"phone\"]}"))
                            .addAttributes(kv("input.mime_type", "application/json"))
                            .addAttributes(kv("output.value", "{\"email\": \"user" + random.nextInt(1_000_000) + "@example.com\", \"phone_verified\": false}"))
                            .addAttributes(kv("output.mime_type", "application/json"));
                } else {
                    int prompt = 300 + random.nextInt(1500);
                    int completion = 20 + random.nextInt(300);
                    span.setName("ChatOpenAI").setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                            .addAttributes(kv("openinference.span.kind", "LLM"))
                            .addAttributes(kv("llm.model_name", MODELS[random.nextInt(MODELS.length)]))
                            .addAttributes(kv("llm.provider", "openai"))
                            .addAttributes(kv("llm.invocation_parameters", "{\"temperature\": 0.2, \"max_tokens\": 512}"))
                            .addAttributes(kv("llm.token_count.prompt", prompt))
                            .addAttributes(kv("llm.token_count.completion", completion))
                            .addAttributes(kv("llm.token_count.total", prompt + completion))
                            .addAttributes(kv("input.value", pick(QUESTIONS)))
                            .addAttributes(kv("output.value", pick(ANSWERS)));
                }
                scope.addSpans(span);
            }
            scope.addSpans(Span.newBuilder().setTraceId(traceId).setSpanId(rootId).setName("support_chain")
                    .setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(start).setEndTimeUnixNano(endNanos)
                    .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
                    .addAttributes(kv("openinference.span.kind", "CHAIN"))
                    .addAttributes(kv("session.id", "s-" + random.nextInt(100_000)))
                    .addAttributes(kv("user.id", "u-" + random.nextInt(100_000)))
                    .addAttributes(kv("input.value", question))
                    .addAttributes(kv("input.mime_type", "text/plain"))
                    .addAttributes(kv("output.value", pick(ANSWERS)))
                    .addAttributes(kv("output.mime_type", "text/plain")));
        }

        private static ByteString randomId(int length) {
            byte[] id = new byte[length];
            ThreadLocalRandom.current().nextBytes(id);
            id[0] |= 1; // never all zeros
            return ByteString.copyFrom(id);
        }

        /** {@code count} texts of {@code length} characters: {@code base} with a distinct tail, so rows differ. */
        private static String[] texts(int count, int length, String base) {
            String[] texts = new String[count];
            for (int i = 0; i < count; i++) {
                StringBuilder text = new StringBuilder(base).append(" (variant ").append(i).append(") ");
                while (text.length() < length) {
                    text.append((char) ('a' + ThreadLocalRandom.current().nextInt(26)));
                }
                texts[i] = text.substring(0, length);
            }
            return texts;
        }

        private static String pick(String[] texts) {
            return texts[ThreadLocalRandom.current().nextInt(texts.length)];
        }

        private static KeyValue kv(String key, String value) {
            return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
        }

        private static KeyValue kv(String key, long value) {
            return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
        }

        private static KeyValue kv(String key, double value) {
            return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
        }
    }

    /** The app's {@code tribunal_otlp_spans_total} counter by outcome. */
    private static Map<String, Double> spanCounters() throws IOException {
        Pattern line = Pattern.compile("^tribunal_otlp_spans_total\\{.*outcome=\"(\\w+)\".*}\\s+(\\S+)$");
        Map<String, Double> counters = new java.util.HashMap<>();
        app.get("/q/metrics").body().lines().map(line::matcher).filter(Matcher::matches)
                .forEach(m -> counters.put(m.group(1), Double.parseDouble(m.group(2))));
        return counters;
    }

    // ---- memory -----------------------------------------------------------------------------------

    /** The Tribunal JVM's live heap (after a full GC) and RSS, after {@code spans} measured spans. */
    record Sample(int spans, long liveHeapBytes, long rssKb) {
        static Sample of(int spans) throws IOException, InterruptedException {
            return new Sample(spans, ProcessFigures.liveObjectBytes(app.pid()), statusKb(app.pid(), "VmRSS:"));
        }
    }

    // ---- printing -----------------------------------------------------------------------------------

    private static String row(String name, String format, Object... values) {
        return String.format("  %-36s ", name) + String.format(format, values);
    }

    private static void printThroughput(int spans, Segment m) {
        List<Long> latencies = new ArrayList<>(m.latenciesNanos());
        Collections.sort(latencies);
        double perSecond = m.spans() / m.seconds();
        double thousands = m.spans() / 1000.0;
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("=== 1. OTLP/HTTP ingest: " + spans + " spans, protobuf exports of " + BATCH_SPANS + " spans, " + CLIENTS
                + " clients each waiting for its answer");
        lines.add(row("spans sent / requests", "%d / %d (%.0f bytes per span on the wire)", m.spans(), m.requests(),
                m.bytes() / (double) m.spans()));
        lines.add(row("wall time", "%.2f s", m.seconds()));
        lines.add(row("throughput", "%.0f spans/s (%.0f requests/s)", perSecond, m.requests() / m.seconds()));
        lines.add(row("% of target " + (int) TARGET_PER_SECOND + " spans/s", "%.1f %%", 100 * perSecond / TARGET_PER_SECOND));
        lines.add(row("request latency p50 / p99", "%.1f / %.1f ms", percentile(latencies, 0.50) / 1e6, percentile(latencies, 0.99) / 1e6));
        lines.add(row("CPU per 1000 spans, Tribunal JVM", "%.1f ms", m.appCpuMs() / thousands));
        lines.add(row("CPU per 1000 spans, PostgreSQL", "%.1f ms", m.pgCpuMs() / thousands));
        lines.add(row("CPU per 1000 spans, clients", "%.1f ms (the benchmark's own JVM, same machine)", m.clientCpuMs() / thousands));
        lines.add(row("machine", "%d cores, %s", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        System.out.println(String.join("\n", lines));
    }

    /** The samples, each with the throughput of the segment that ended there (the first sample is taken after the warm-up). */
    private static void printMemory(List<Sample> samples, List<Segment> segments) {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("=== 2. Tribunal JVM memory over the measured spans (-Xmx512m; live heap after a full GC)");
        lines.add(String.format("  %12s %16s %10s %22s", "spans", "live heap (MB)", "RSS (MB)", "spans/s (last segment)"));
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            lines.add(String.format("  %12s %16.1f %10.1f %22s", i == 0 ? "warm-up" : Integer.toString(s.spans()),
                    s.liveHeapBytes() / 1048576.0, s.rssKb() / 1024.0,
                    i == 0 ? "" : String.format("%.0f", segments.get(i - 1).spans() / segments.get(i - 1).seconds())));
        }
        Sample first = samples.size() > 2 ? samples.get(1) : samples.get(0);
        Sample last = samples.get(samples.size() - 1);
        lines.add(row("growth from " + first.spans() + " to " + last.spans(), "live heap %+.1f MB, RSS %+.1f MB",
                (last.liveHeapBytes() - first.liveHeapBytes()) / 1048576.0, (last.rssKb() - first.rssKb()) / 1024.0));
        System.out.println(String.join("\n", lines));
    }

    // ---- process figures from /proc -----------------------------------------------------------------

    /**
     * CPU time (user + system) of the Tribunal JVM, of PostgreSQL (postmaster and live backends, plus the backends that
     * have exited, which the postmaster's children times hold), of this JVM.
     */
    record Cpu(long appMs, long pgMs, long clientMs) {
        static Cpu now() {
            Path pgDir = workDir.resolve("data").resolve("postgres");
            long pg = TribunalProcess.postmasterPid(pgDir)
                    .map(pid -> cpuMs(pid, ProcessFigures.CHILDREN_UTIME) + cpuMs(pid, ProcessFigures.CHILDREN_STIME)).orElse(0L);
            for (long pid : ProcessFigures.postgresPids(pgDir)) {
                pg += cpuMs(pid);
            }
            return new Cpu(cpuMs(app.pid()), pg, cpuMs(ProcessHandle.current().pid()));
        }
    }
}
