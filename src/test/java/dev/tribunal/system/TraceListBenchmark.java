package dev.tribunal.system;

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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tribunal.system.ProcessFigures.cpuMs;
import static dev.tribunal.system.ProcessFigures.percentile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The traces page ({@code GET /traces}) over a million stored traces, on the built application run as a real process
 * ({@code -Xmx512m}, its embedded PostgreSQL). Times each page over HTTP with the bootstrap admin key as a bearer key
 * and prints the median and p95 milliseconds and the CPU each page took in Tribunal's JVM and in PostgreSQL.
 * <p>
 * The traces and their assessments are written straight into the database with {@code generate_series} (a benchmark's
 * shortcut: through the API a million traces would take most of an hour here): 1,000,000 traces two seconds apart,
 * tags {@code env} (prod 70 %, staging 25 %, dev 5 %) and {@code app} (10 values); 90 % judged on correctness
 * (yes / no, 1 in 1,000 {@code partially}), relevance (1 to 5) and safety (yes, 2 % no), 2 % of the judgments errors;
 * 1 % of the judged traces labelled by a person on correctness, overriding the judge (which is then no longer valid).
 * <p>
 * Run with {@code ./mvnw -B -ntp verify -Pbenchmark -Dit.test=TraceListBenchmark} (tests are skipped; the jar is built
 * first). {@code -Dbench.traces=1000000}, {@code -Dbench.traces.repeats=20}; {@code -Dbench.traces.without-indexes=true}
 * drops the indexes the list's filters added (V26) to show what they change; the plans of the filtered queries are
 * printed ({@code EXPLAIN ANALYZE}). The working directory is deleted at the end unless {@code -Dbench.keep-data=true}.
 */
class TraceListBenchmark {

    private static TribunalProcess app;
    private static Path workDir;
    private static HttpClient http;
    private static Connection db;

    @BeforeAll
    static void start() throws Exception {
        workDir = Files.createTempDirectory("tribunal-traces-bench").toRealPath();
        String extra = System.getProperty("bench.jvm-args", "").trim();
        app = TribunalProcess.start(workDir, Map.of(), extra.isEmpty() ? new String[0] : extra.split("\\s+")).waitUntilReady();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        List<String> pid = Files.readAllLines(pgDir().resolve("postmaster.pid"));
        db = DriverManager.getConnection("jdbc:postgresql://localhost:" + pid.get(3).trim() + "/postgres", "postgres", "postgres");
    }

    @AfterAll
    static void stop() throws SQLException {
        if (db != null) {
            db.close();
        }
        if (app != null) {
            app.stop();
            app.close();
            TribunalProcess.killPostmaster(pgDir());
        }
        if (workDir != null && !Boolean.getBoolean("bench.keep-data")) {
            try (var paths = Files.walk(workDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.out.println("Could not delete " + workDir + ": " + e);
            }
        }
    }

    private static Path pgDir() {
        return workDir.resolve("data").resolve("postgres");
    }

    @Test
    void pagesOfAMillionTraces() throws Exception {
        int traces = Integer.getInteger("bench.traces", 1_000_000);
        int repeats = Integer.getInteger("bench.traces.repeats", 20);
        long seedStart = System.nanoTime();
        seed(traces);
        System.out.printf("%nSeeded %,d traces and %,d assessments in %.0f s%n", count("trace"), count("assessment"),
                (System.nanoTime() - seedStart) / 1e9);
        if (Boolean.getBoolean("bench.traces.without-indexes")) {
            execute("drop index assessment_valid_value_idx", "drop index assessment_valid_error_idx",
                    "drop index assessment_valid_unjudged_idx",
                    "drop statistics assessment_value_stats", "analyze assessment");
            System.out.println("Without what V26 adds: assessment_valid_value_idx, assessment_valid_error_idx, assessment_valid_unjudged_idx, assessment_value_stats");
        }

        Map<String, String> pages = new LinkedHashMap<>();
        pages.put("first page", "/traces");
        pages.put("page 2 (next link)", nextLink("/traces"));
        pages.put("correctness=no + env=prod", "/traces?tag=env=prod&assessment=correctness=no");
        pages.put("correctness=no + env=prod, page 2", nextLink("/traces?tag=env=prod&assessment=correctness=no"));
        pages.put("rare value (correctness=partially)", "/traces?assessment=correctness=partially");
        pages.put("value matching nothing", "/traces?assessment=correctness=never-given");
        pages.put("errored=safety", "/traces?errored=safety");
        pages.put("source=HUMAN + correctness=no", "/traces?source=HUMAN&assessment=correctness=no");
        pages.put("source=HUMAN", "/traces?source=HUMAN");
        pages.put("state=ERROR + app=app-7", "/traces?state=ERROR&tag=app=app-7");

        System.out.printf("%n%-38s %6s %9s %9s %12s %12s%n", "GET /traces", "rows", "median ms", "p95 ms", "app CPU ms/page",
                "pg CPU ms/page");
        for (Map.Entry<String, String> page : pages.entrySet()) {
            measure(page.getKey(), page.getValue(), repeats);
        }
        // MLflow's trace search (SearchTracesV3) over the same traces: a common tag value first, then a rare one and one
        // that matches nothing with the same statement text (where a cached generic plan would read every trace)
        System.out.printf("%n%-38s %6s %9s %9s %12s %12s%n", "POST traces/search (MLflow)", "rows", "median ms", "p95 ms",
                "app CPU ms/page", "pg CPU ms/page");
        for (String filter : List.of("tags.env = 'prod'", "tags.env = 'dev'", "tags.env = 'nowhere'", "tags.app = 'app-7' AND status = 'ERROR'",
                "tags.env != 'prod'")) {
            measureSearch(filter, repeats);
        }
        // quality over time over the same verdicts (seeded over January 2026; rows: the days' rows of its tables)
        System.out.printf("%n%-38s %6s %9s %9s %12s %12s%n", "GET /dashboard", "rows", "median ms", "p95 ms", "app CPU ms/page",
                "pg CPU ms/page");
        for (String path : List.of("/dashboard?from=2026-01-01&to=2026-01-31", "/dashboard?from=2026-01-01&to=2026-01-31&tag=env=prod",
                "/dashboard?from=2026-01-10&to=2026-01-16&name=correctness")) {
            measure(path, path, Math.min(repeats, 5));
        }
        System.out.println();
        explain("assessment=correctness=no + tag env=prod", "t.tags @> cast('{\"env\":\"prod\"}'::text as jsonb) and "
                + "exists (select 1 from assessment a where a.trace_id = t.trace_id and a.valid and a.name = 'correctness' "
                + "and left(a.value #>> '{}', 200) = 'no' and (a.value #>> '{}') = 'no')");
        explain("assessment=correctness=never-given", "exists (select 1 from assessment a where a.trace_id = t.trace_id and a.valid "
                + "and a.name = 'correctness' and left(a.value #>> '{}', 200) = 'never-given' and (a.value #>> '{}') = 'never-given')");
        explain("assessment=correctness=partially (rare)", "exists (select 1 from assessment a where a.trace_id = t.trace_id and a.valid "
                + "and a.name = 'correctness' and left(a.value #>> '{}', 200) = 'partially' and (a.value #>> '{}') = 'partially')");
        explain("source=HUMAN + assessment=correctness=no", "exists (select 1 from assessment a where a.trace_id = t.trace_id and a.valid "
                + "and a.name = 'correctness' and left(a.value #>> '{}', 200) = 'no' and (a.value #>> '{}') = 'no' and a.source_type = any('{HUMAN}'::text[]))");
        explain("source=HUMAN", "exists (select 1 from assessment a where a.trace_id = t.trace_id and a.valid "
                + "and a.source_type = any('{HUMAN}'::text[]))");
        explain("errored=safety", "exists (select 1 from assessment a where a.trace_id = t.trace_id and a.valid "
                + "and a.error_code is not null and a.name = 'safety')");
    }

    private static void measure(String label, String path, int repeats) throws Exception {
        measure(label, () -> get(path), body -> path.startsWith("/traces") ? count(body, "<tr data-trace=") : count(body, "<tr data-day="),
                repeats);
    }

    private static void measureSearch(String filter, int repeats) throws Exception {
        String body = "{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"0\"}}], "
                + "\"filter\": \"" + filter + "\", \"max_results\": 50}";
        measure(filter, () -> search(body), answer -> count(answer, "\"request_time\""), repeats);
    }

    /** Three warm-up calls, then {@code repeats} timed ones: rows of the last answer, median and p95 time, CPU per call. */
    private static void measure(String label, java.util.concurrent.Callable<String> call, java.util.function.ToIntFunction<String> rows,
                                int repeats) throws Exception {
        for (int i = 0; i < 3; i++) {
            call.call();
        }
        List<Long> millis = new ArrayList<>();
        long appBefore = cpuMs(app.pid());
        long pgBefore = pgCpuMs();
        String answer = "";
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            answer = call.call();
            millis.add((System.nanoTime() - start) / 1_000_000);
        }
        long appCpu = cpuMs(app.pid()) - appBefore;
        long pgCpu = pgCpuMs() - pgBefore;
        Collections.sort(millis);
        System.out.printf("%-38s %6d %9d %9d %12.1f %12.1f%n", label, rows.applyAsInt(answer), percentile(millis, 0.5),
                percentile(millis, 0.95), appCpu / (double) repeats, pgCpu / (double) repeats);
    }

    private static String search(String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + "/api/3.0/mlflow/traces/search"))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TribunalProcess.ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), body + ": " + response.body());
        return response.body();
    }

    private static String get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Accept", "text/html")
                .header("Authorization", "Bearer " + TribunalProcess.ADMIN_KEY)
                .GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return response.body();
    }

    private static String nextLink(String path) throws Exception {
        Matcher next = Pattern.compile("href=\"([^\"]+)\" id=\"next-page\"").matcher(get(path));
        assertTrue(next.find(), "a next link on " + path);
        return next.group(1).replace("&amp;", "&");
    }

    /** The server and its backends, live ones and those that exited (parallel workers), which the postmaster's children times hold. */
    private static long pgCpuMs() {
        long exited = TribunalProcess.postmasterPid(pgDir())
                .map(pid -> cpuMs(pid, ProcessFigures.CHILDREN_UTIME) + cpuMs(pid, ProcessFigures.CHILDREN_STIME)).orElse(0L);
        return exited + ProcessFigures.postgresPids(pgDir()).stream().mapToLong(ProcessFigures::cpuMs).sum();
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** The plan of the page's first query (as TraceRepository writes it, a page of 50 and one more) with this filter. */
    private static void explain(String label, String where) throws SQLException {
        System.out.println("EXPLAIN ANALYZE, " + label + ":");
        try (Statement s = db.createStatement();
             ResultSet plan = s.executeQuery("explain (analyze, buffers, costs off) select t.trace_id, t.request_time, t.answer_bytes "
                     + "from trace t where " + where + " order by t.request_time desc, t.trace_id desc limit 51")) {
            while (plan.next()) {
                System.out.println("  " + plan.getString(1));
            }
        }
    }

    private static long count(String table) throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rows = s.executeQuery("select count(*) from " + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static void execute(String... statements) throws SQLException {
        try (Statement s = db.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** Traces and assessments written straight into the tables, in slices of 100,000 traces. */
    private static void seed(int traces) throws SQLException {
        execute("set synchronous_commit = off");
        int slice = 100_000;
        for (int from = 1; from <= traces; from += slice) {
            int to = Math.min(traces, from + slice - 1);
            String range = "generate_series(" + from + ", " + to + ") g";
            execute("insert into trace (trace_id, request_time, execution_duration_ms, state, inputs, outputs, tags, metadata, created_at) "
                    + "select 'tr-' || md5(g::text), timestamptz '2026-01-01 00:00:00+00' + g * interval '2 seconds', 200 + g % 1800, "
                    + "case when g % 50 = 7 then 'ERROR' when g % 100 = 13 then 'IN_PROGRESS' else 'OK' end, "
                    + "jsonb_build_object('question', 'Question ' || g || ': what does the contract say about renewal terms?', "
                    + "'context', repeat('Some retrieved passage. ', 10)), "
                    + "to_jsonb('The contract renews every ' || (g % 12 + 1) || ' months unless cancelled in writing.' || chr(10) || 'Second line.'), "
                    + "jsonb_build_object('env', case when g % 20 = 0 then 'dev' when g % 4 = 1 then 'staging' else 'prod' end, "
                    + "'app', 'app-' || (g % 10)), '{}'::jsonb, timestamptz '2026-01-01 00:00:00+00' + g * interval '2 seconds' "
                    + "from " + range);
            // 90 % judged on three names; 2 % of the judgments errors; correctness: no 24 %, partially 1 in 1,000
            execute("insert into assessment (assessment_id, trace_id, name, kind, value, error_code, error_message, source_type, source_id, "
                    + "create_time, last_update_time, valid) "
                    + "select 'a-' || md5(g::text || n.name), 'tr-' || md5(g::text), n.name, 'FEEDBACK', "
                    + "case when (g + n.k) % 50 = 3 then null "
                    + "when n.name = 'correctness' then case when g % 1000 = 500 then '\"partially\"'::jsonb when g % 25 < 6 then '\"no\"'::jsonb "
                    + "else '\"yes\"'::jsonb end "
                    + "when n.name = 'relevance' then to_jsonb(1 + g % 5) "
                    + "else case when g % 50 = 11 then '\"no\"'::jsonb else '\"yes\"'::jsonb end end, "
                    + "case when (g + n.k) % 50 = 3 then 'RATE_LIMIT_EXCEEDED' end, case when (g + n.k) % 50 = 3 then '429 after 3 retries' end, "
                    + "'LLM_JUDGE', 'openai:/gpt-4o-mini', timestamptz '2026-01-01 00:00:01+00' + g * interval '2 seconds', "
                    + "timestamptz '2026-01-01 00:00:01+00' + g * interval '2 seconds', not (g % 100 = 42 and n.name = 'correctness') "
                    + "from " + range + ", (values ('correctness', 0), ('relevance', 1), ('safety', 2)) n(name, k) where g % 10 <> 9");
            // a person's correctness label on 1 % of the judged traces, overriding the judge's
            execute("insert into assessment (assessment_id, trace_id, name, kind, value, source_type, source_id, create_time, "
                    + "last_update_time, overrides, valid) "
                    + "select 'h-' || md5(g::text), 'tr-' || md5(g::text), 'correctness', 'FEEDBACK', "
                    + "case when g % 200 = 42 then '\"no\"'::jsonb else '\"yes\"'::jsonb end, 'HUMAN', 'reviewer@example.com', "
                    + "timestamptz '2026-01-02 00:00:00+00' + g * interval '2 seconds', timestamptz '2026-01-02 00:00:00+00' + g * interval '2 seconds', "
                    + "'a-' || md5(g::text || 'correctness'), true from " + range + " where g % 100 = 42");
        }
        execute("vacuum analyze trace", "vacuum analyze assessment");
    }
}
