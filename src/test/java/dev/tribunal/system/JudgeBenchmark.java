package dev.tribunal.system;

import dev.tribunal.llm.FakeOpenAiServer;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.tribunal.system.ProcessFigures.cpuMs;
import static dev.tribunal.system.ProcessFigures.percentile;
import static dev.tribunal.system.ProcessFigures.statusKb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Judge throughput of the built application, run as a real process against an OpenAI-compatible
 * provider simulated in this JVM. Prints figures; asserts only that nothing is lost.
 * <p>
 * Run with {@code ./mvnw -B -ntp verify -Pbenchmark} (tests are skipped; the jar is built first).
 * Sizes: {@code -Dbench.judgments=10000} (measured {@code -Dbench.repeats=3} times, the median printed),
 * {@code -Dbench.limited.judgments=1200}; one scenario only:
 * {@code -Dit.test='JudgeBenchmark#throughputAt*'}; Tribunal's JVM arguments: {@code -Dbench.jvm-args="..."}.
 * <p>
 * The run of a million judgments (one run: 100,000 traces x 2 judges x 5 models, with Tribunal's RSS and live heap
 * recorded every {@code -Dbench.million.sample-every=100000} judgments) takes about a quarter of an hour on two cores:
 * it runs only with {@code -Dbench.million=true}, e.g. {@code -Dit.test='JudgeBenchmark#million*' -Dbench.million=true};
 * {@code -Dbench.million.judgments=100000} makes it smaller.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JudgeBenchmark {

    private static final int CONCURRENCY = 64;
    private static final int WIDE_CONCURRENCY = 256;
    private static final int LATENCY_MS = 50;
    private static final int LIMIT_PER_MINUTE = 600;
    private static final List<String> JUDGES = List.of("relevance", "safety");

    private static ProviderProcess provider;
    private static TribunalProcess app;
    private static Path workDir;

    @BeforeAll
    static void start() throws IOException {
        provider = ProviderProcess.start();
        workDir = Files.createTempDirectory("tribunal-bench").toRealPath();
        String url = provider.baseUrl();
        List<String> args = new ArrayList<>(List.of(
                "-Dtribunal.providers.bench.base-url=" + url,
                "-Dtribunal.providers.bench.api-key=sk-bench",
                "-Dtribunal.providers.bench.max-concurrency=" + CONCURRENCY,
                "-Dtribunal.providers.bench.timeout=10s",
                "-Dtribunal.providers.bench-wide.base-url=" + url,
                "-Dtribunal.providers.bench-wide.api-key=sk-bench",
                "-Dtribunal.providers.bench-wide.max-concurrency=" + WIDE_CONCURRENCY,
                "-Dtribunal.providers.bench-wide.timeout=10s",
                "-Dtribunal.providers.bench-limited.base-url=" + url,
                "-Dtribunal.providers.bench-limited.api-key=sk-bench",
                "-Dtribunal.providers.bench-limited.requests-per-minute=" + LIMIT_PER_MINUTE,
                "-Dtribunal.providers.bench-limited.timeout=10s",
                // the figures are those of judgments that call the provider, not of answers from the judgment cache
                "-Dtribunal.providers.bench.cache=false",
                "-Dtribunal.providers.bench-wide.cache=false",
                "-Dtribunal.providers.bench-limited.cache=false"));
        // more JVM arguments for Tribunal, e.g. -Dbench.jvm-args="-Dtribunal.worker.max-in-flight=1024"
        String extra = System.getProperty("bench.jvm-args", "").trim();
        if (!extra.isEmpty()) {
            args.addAll(List.of(extra.split("\\s+")));
        }
        app = TribunalProcess.start(workDir, Map.of("TRIBUNAL_JUDGES_DIR", Path.of("judges").toAbsolutePath().toString()),
                args.toArray(String[]::new)).waitUntilReady();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.stop();
            app.close();
            TribunalProcess.killPostmaster(workDir.resolve("data").resolve("postgres"));
        }
        if (provider != null) {
            provider.close();
        }
    }

    @Test
    @Order(1)
    void throughputAtFiftyMillisecondsAndConcurrency64() throws IOException {
        int judgments = Integer.getInteger("bench.judgments", 10_000);
        int repeats = Integer.getInteger("bench.repeats", 3);
        String model = "bench:/slow-" + LATENCY_MS;
        // warm-up, not measured: the JIT compiles the hot paths, the pools fill
        run(model, ingest(5_000));
        List<Measured> all = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            Measured m = run(model, ingest(judgments / JUDGES.size()));
            System.out.printf("  run %d of %d: %.0f judgments/s%n", i + 1, repeats, m.perSecond());
            all.add(m);
            assertEquals(m.total(), m.succeeded(), "every judgment succeeds");
            assertEquals(m.total(), m.persisted(), "every judgment is persisted");
        }
        all.sort(java.util.Comparator.comparingDouble(Measured::perSecond));
        Measured median = all.get(all.size() / 2);
        double ideal = CONCURRENCY * 1000.0 / LATENCY_MS;
        print("1. " + judgments + " judgments, provider latency " + LATENCY_MS + " ms, max-concurrency " + CONCURRENCY
                + " (median of " + repeats + " runs)", median, List.of(
                row("ideal (concurrency / latency)", "%.0f judgments/s", ideal),
                row("% of ideal", "%.1f %% (runs: %s)", 100 * median.perSecond() / ideal,
                        all.stream().map(m -> String.format("%.1f %%", 100 * m.perSecond() / ideal)).collect(Collectors.joining(", ")))));
    }

    @Test
    @Order(2)
    void throughputAtFiftyMillisecondsAndConcurrency256() throws IOException {
        int judgments = Integer.getInteger("bench.wide.judgments", 20_000);
        String model = "bench-wide:/slow-" + LATENCY_MS;
        run(model, ingest(5_000));
        Measured m = run(model, ingest(judgments / JUDGES.size()));
        assertEquals(m.total(), m.succeeded(), "every judgment succeeds");
        assertEquals(m.total(), m.persisted(), "every judgment is persisted");
        double ideal = WIDE_CONCURRENCY * 1000.0 / LATENCY_MS;
        print("1b. " + judgments + " judgments, provider latency " + LATENCY_MS + " ms, max-concurrency " + WIDE_CONCURRENCY, m, List.of(
                row("ideal (concurrency / latency)", "%.0f judgments/s", ideal),
                row("% of ideal", "%.1f %%", 100 * m.perSecond() / ideal),
                row("CPU of all three per judgment", "%.2f ms (the cores give %.2f ms per judgment at the ideal)",
                        m.cpuMsPerJudgment() + m.pgCpuMsPerJudgment() + m.providerCpuMsPerJudgment(),
                        Runtime.getRuntime().availableProcessors() * 1000.0 / ideal)));
    }

    @Test
    @Order(3)
    void throughputAgainstAProviderLimitedTo600RequestsPerMinute() throws IOException {
        int judgments = Integer.getInteger("bench.limited.judgments", 1_200);
        String model = "limited-" + LIMIT_PER_MINUTE;
        Measured m = run("bench-limited:/" + model, ingest(judgments / JUDGES.size()));
        double limit = LIMIT_PER_MINUTE / 60.0;
        int requests = provider.requestCount(model);
        int throttled = provider.throttled(model);
        print("2. " + judgments + " judgments, provider limited to " + LIMIT_PER_MINUTE + " requests/minute, Tribunal configured to "
                + LIMIT_PER_MINUTE, m, List.of(
                row("limit", "%.1f requests/s", limit),
                row("% of the limit used", "%.1f %%", 100 * m.perSecond() / limit),
                row("requests answered 429", "%d of %d (%.2f %%)", throttled, requests, 100.0 * throttled / Math.max(1, requests))));
        assertEquals(m.total(), m.succeeded(), "every judgment succeeds, none is lost to 429s");
    }

    @Test
    @Order(4)
    void millionJudgmentsInOneRun() throws IOException {
        assumeTrue(Boolean.getBoolean("bench.million"), "the run of a million judgments runs with -Dbench.million=true");
        int judgments = Integer.getInteger("bench.million.judgments", 1_000_000);
        int sampleEvery = Integer.getInteger("bench.million.sample-every", 100_000);
        // each judge on each of five models (latencies 50 to 54 ms): ten judgments per trace
        List<String> models = java.util.stream.IntStream.range(0, 5).mapToObj(i -> "bench-wide:/slow-" + (LATENCY_MS + i)).toList();
        int perTrace = JUDGES.size() * models.size();
        // warm-up, not measured: the JIT compiles the hot paths of creating and judging a run
        run(models, ingest(2_000), Duration.ofMinutes(30), progress -> {
        });
        List<String> traceIds = ingest(judgments / perTrace);
        List<Sample> samples = new ArrayList<>(List.of(Sample.of(0, System.nanoTime())));
        Measured m = run(models, traceIds, Duration.ofHours(3), progress -> {
            int completed = progress.getInt("completed");
            if (completed >= samples.size() * (long) sampleEvery || "COMPLETED".equals(progress.getString("status"))) {
                samples.add(Sample.of(completed, System.nanoTime()));
            }
        });
        assertEquals(traceIds.size() * perTrace, m.total(), "the run holds a judgment per trace, judge and model");
        assertEquals(m.total(), m.succeeded(), "every judgment succeeds");
        assertEquals(m.total(), m.persisted(), "every judgment is persisted");
        double ideal = WIDE_CONCURRENCY * 1000.0 / LATENCY_MS;
        print("4. one run of " + m.total() + " judgments (" + traceIds.size() + " traces x " + JUDGES.size() + " judges x " + models.size()
                + " models), provider latency " + LATENCY_MS + "-" + (LATENCY_MS + models.size() - 1) + " ms, max-concurrency "
                + WIDE_CONCURRENCY, m, List.of(
                row("% of ideal (" + (int) ideal + "/s)", "%.1f %%", 100 * m.perSecond() / ideal)));
        printMemory(samples);
    }

    /**
     * Tribunal's live heap (after a full GC, which pauses it for a moment) and RSS once {@code completed} judgments of
     * the run were done; the first sample is taken before the run is created.
     */
    record Sample(int completed, long atNanos, long liveHeapBytes, long rssKb) {
        static Sample of(int completed, long atNanos) throws IOException {
            try {
                return new Sample(completed, atNanos, ProcessFigures.liveObjectBytes(app.pid()), statusKb(app.pid(), "VmRSS:"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static void printMemory(List<Sample> samples) {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("=== 4. Tribunal JVM memory while the run progresses (-Xmx512m unless -Dbench.jvm-args says otherwise; live heap after a full GC)");
        lines.add(String.format("  %12s %16s %10s %26s", "judgments", "live heap (MB)", "RSS (MB)", "judgments/s (since last)"));
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            String rate = "";
            if (i > 0) {
                Sample previous = samples.get(i - 1);
                rate = String.format("%.0f", (s.completed() - previous.completed()) / ((s.atNanos() - previous.atNanos()) / 1e9));
            }
            lines.add(String.format("  %12s %16.1f %10.1f %26s", i == 0 ? "before run" : Integer.toString(s.completed()),
                    s.liveHeapBytes() / 1048576.0, s.rssKb() / 1024.0, rate));
        }
        Sample first = samples.get(Math.min(1, samples.size() - 1));
        Sample last = samples.get(samples.size() - 1);
        lines.add(row("growth from " + first.completed() + " to " + last.completed(), "live heap %+.1f MB, RSS %+.1f MB",
                (last.liveHeapBytes() - first.liveHeapBytes()) / 1048576.0, (last.rssKb() - first.rssKb()) / 1024.0));
        System.out.println(String.join("\n", lines));
    }

    // ---- one measured run -----------------------------------------------------------------------

    record Measured(int total, int succeeded, int persisted, double seconds, double perSecond, double createSeconds,
                    double judgingPerSecond, long p50, long p99,
                    double cpuMsPerJudgment, double pgCpuMsPerJudgment, double providerCpuMsPerJudgment, long peakRssMb, long pgRssMb) {
    }

    private Measured run(String model, List<String> traceIds) throws IOException {
        return run(List.of(model), traceIds, Duration.ofMinutes(30), progress -> {
        });
    }

    /** What a scenario does with each poll of its run's progress (the run's JSON), e.g. sample memory. */
    interface Progress {
        void seen(JsonPath run) throws IOException;
    }

    /**
     * One run of the judges on each model over the traces, from the request to the run's finish; {@code progress} sees
     * every poll of the run's progress, and time it takes is counted in the run's.
     */
    private Measured run(List<String> models, List<String> traceIds, Duration timeout, Progress progress) throws IOException {
        Cpu before = Cpu.of(app.pid(), postmaster());
        long providerBefore = cpuMs(provider.pid());
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        // the creation's time is a figure to print, not a limit: a slow one is waited for
        HttpResponse<String> created = app.postJson("/api/judge-runs", "{\"judges\": " + json(JUDGES) + ", \"models\": " + json(models)
                + ", \"trace_ids\": " + json(traceIds) + "}", timeout);
        assertEquals(202, created.statusCode(), created.body());
        double createSeconds = (System.nanoTime() - start) / 1e9;
        String runId = JsonPath.from(created.body()).getString("run_id");
        System.out.printf("  run of %d traces x %d targets created in %.2f s%n", traceIds.size(), JUDGES.size() * models.size(), createSeconds);
        JsonPath run = awaitCompleted(runId, timeout, progress);
        // from the request to the run's own finish time (same machine, same clock): no polling delay counted
        double seconds = (java.time.Instant.parse(run.getString("finished_at")).toEpochMilli() - startMillis) / 1000.0;
        Cpu after = Cpu.of(app.pid(), postmaster());
        long providerAfter = cpuMs(provider.pid());
        int total = run.getInt("total");
        List<Long> latencies = latencies(runId);
        Collections.sort(latencies);
        return new Measured(total, run.getInt("succeeded"), latencies.size(), seconds, total / seconds, createSeconds,
                run.getDouble("judgments_per_second"),
                percentile(latencies, 0.50), percentile(latencies, 0.99),
                (after.appMs() - before.appMs()) / (double) total, (after.pgMs() - before.pgMs()) / (double) total,
                (providerAfter - providerBefore) / (double) total,
                peakRssMb(app.pid()), after.pgRssMb());
    }

    private JsonPath awaitCompleted(String runId, Duration timeout, Progress progress) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextSample = 0;
        while (System.nanoTime() < deadline) {
            JsonPath run = JsonPath.from(app.get("/api/judge-runs/" + runId).body());
            progress.seen(run);
            if ("COMPLETED".equals(run.getString("status"))) {
                return run;
            }
            if (Boolean.getBoolean("bench.verbose") && System.nanoTime() > nextSample) {
                nextSample = System.nanoTime() + 1_000_000_000L;
                System.out.println("  " + run.getInt("completed") + " done; " + app.get("/q/metrics").body().lines()
                        .filter(l -> l.startsWith("tribunal_worker_tasks") || l.startsWith("tribunal_provider_in_flight")
                                || l.startsWith("tribunal_provider_queued"))
                        .map(l -> l.replaceAll("tribunal_|\\{|}|\"", "")).collect(Collectors.joining("; ")));
            }
            // a client polling often would cost the server more than it tells
            TribunalProcess.pause(500);
        }
        fail("run " + runId + " did not complete in " + timeout + app.logTailMessage());
        return null;
    }

    /** tribunal.latency_ms of every judgment of the run: provider time including waits and retries. */
    private List<Long> latencies(String runId) throws IOException {
        List<Long> all = new ArrayList<>();
        String token = null;
        do {
            JsonPath page = JsonPath.from(app.get("/api/assessments?max_results=1000&run_id=" + runId
                    + (token == null ? "" : "&page_token=" + token)).body());
            for (Map<String, Object> metadata : page.<Map<String, Object>>getList("assessments.metadata")) {
                all.add(Long.parseLong((String) metadata.get("tribunal.latency_ms")));
            }
            token = page.getString("next_page_token");
        } while (token != null);
        return all;
    }

    private List<String> ingest(int count) throws IOException {
        List<String> ids = new ArrayList<>();
        for (int from = 0; from < count; from += 1000) {
            StringBuilder body = new StringBuilder("{\"traces\": [");
            for (int i = from; i < Math.min(count, from + 1000); i++) {
                String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
                ids.add(id);
                body.append(i == from ? "" : ",").append("{\"trace_id\": \"").append(id)
                        .append("\", \"inputs\": {\"question\": \"How do I reset my password? (").append(i).append(")\"},")
                        .append("\"outputs\": \"Open Settings, choose Security, then Reset password and follow the e-mail link.\"}");
            }
            HttpResponse<String> response = app.postJson("/api/traces", body.append("]}").toString());
            assertEquals(200, response.statusCode(), response.body());
        }
        return ids;
    }

    // ---- printing -------------------------------------------------------------------------------

    private static String row(String name, String format, Object... values) {
        return String.format("  %-32s ", name) + String.format(format, values);
    }

    private static void print(String title, Measured m, List<String> extra) {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("=== " + title);
        lines.add(row("judgments persisted", "%d of %d (%d succeeded)", m.persisted(), m.total(), m.succeeded()));
        lines.add(row("wall time (request to finish)", "%.2f s", m.seconds()));
        lines.add(row("throughput", "%.0f judgments/s", m.perSecond()));
        lines.add(row("  of which: creating the run", "%.2f s (POST to 202, tasks stored)", m.createSeconds()));
        lines.add(row("  judging (started to finished)", "%.0f judgments/s", m.judgingPerSecond()));
        lines.addAll(extra);
        lines.add(row("judgment latency p50 / p99", "%d / %d ms", m.p50(), m.p99()));
        lines.add(row("CPU per judgment, Tribunal JVM", "%.2f ms", m.cpuMsPerJudgment()));
        lines.add(row("CPU per judgment, PostgreSQL", "%.2f ms", m.pgCpuMsPerJudgment()));
        lines.add(row("CPU per judgment, simulated provider", "%.2f ms (same machine, a JVM of its own)", m.providerCpuMsPerJudgment()));
        lines.add(row("peak RSS, Tribunal JVM", "%d MB", m.peakRssMb()));
        lines.add(row("RSS, PostgreSQL processes", "%d MB", m.pgRssMb()));
        lines.add(row("machine", "%d cores, %s", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        System.out.println(String.join("\n", lines));
    }

    // ---- process figures from /proc ---------------------------------------------------------------

    private static Path postmaster() {
        return workDir.resolve("data").resolve("postgres");
    }

    /**
     * CPU time (user + system) of the JVM and of the PostgreSQL server with its backends (the live ones, and those that
     * have exited, autovacuum's workers among them, which the postmaster's children times hold), and their RSS.
     */
    record Cpu(long appMs, long pgMs, long pgRssMb) {
        static Cpu of(long appPid, Path pgDir) {
            long pgMs = TribunalProcess.postmasterPid(pgDir)
                    .map(pid -> cpuMs(pid, ProcessFigures.CHILDREN_UTIME) + cpuMs(pid, ProcessFigures.CHILDREN_STIME)).orElse(0L);
            long pgRssKb = 0;
            for (long pid : ProcessFigures.postgresPids(pgDir)) {
                pgMs += cpuMs(pid);
                pgRssKb += statusKb(pid, "VmRSS:");
            }
            return new Cpu(cpuMs(appPid), pgMs, pgRssKb / 1024);
        }
    }

    private static long peakRssMb(long pid) {
        return statusKb(pid, "VmHWM:") / 1024;
    }

    /** The simulated provider ({@link FakeOpenAiServer}) in a JVM of its own, so that its CPU is counted apart. */
    record ProviderProcess(Process process, String baseUrl) implements AutoCloseable {
        static ProviderProcess start() throws IOException {
            String javaCommand = ProcessHandle.current().info().command().orElse("java");
            Process process = new ProcessBuilder(javaCommand, "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    FakeOpenAiServer.class.getName()).redirectErrorStream(true).start();
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            String line = out.readLine();
            while (line != null && !line.startsWith("listening ")) {
                System.out.println("  provider: " + line);
                line = out.readLine();
            }
            if (line == null) {
                throw new IllegalStateException("the simulated provider did not start");
            }
            Thread drain = new Thread(() -> out.lines().forEach(l -> System.out.println("  provider: " + l)), "provider-output");
            drain.setDaemon(true);
            drain.start();
            return new ProviderProcess(process, line.substring("listening ".length()).trim());
        }

        long pid() {
            return process.pid();
        }

        private JsonPath stats(String model) {
            try {
                java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
                String root = baseUrl.substring(0, baseUrl.length() - "/v1".length());
                return JsonPath.from(client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(root + "/stats/" + model)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        int requestCount(String model) {
            return stats(model).getInt("requests");
        }

        int throttled(String model) {
            return stats(model).getInt("throttled");
        }

        @Override
        public void close() {
            process.destroy();
        }
    }

    private static String json(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(",", "[", "]"));
    }

}
