package dev.tribunal.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The built Tribunal application ({@code java -jar quarkus-run.jar}) running as a real OS process in
 * its own working directory, its stdout and stderr going to a log file in that directory.
 * <p>
 * Closing it kills the process if it is still alive, so a failing test never leaks a JVM; orphaned
 * PostgreSQL servers are cleaned up with {@link #killPostmaster(Path)}.
 */
final class TribunalProcess implements AutoCloseable {

    static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final int LOG_TAIL_LINES = 60;

    /** The admin key every started process takes from TRIBUNAL_BOOTSTRAP_KEY, and that this class's requests carry. */
    static final String ADMIN_KEY = "it-bootstrap-admin-key-8d2f4a";

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private final Path workDir;
    private final Path logFile;
    private final int httpPort;
    private final Process process;
    /** Whether the application runs in a child process (dev mode: Maven, then the application's JVM). */
    private final boolean tree;

    private TribunalProcess(Path workDir, Path logFile, int httpPort, Process process, boolean tree) {
        this.workDir = workDir;
        this.logFile = logFile;
        this.httpPort = httpPort;
        this.process = process;
        this.tree = tree;
    }

    /**
     * Starts the application on a free HTTP port.
     *
     * @param workDir its working directory (the embedded database then lives in {@code workDir/data/postgres})
     * @param extraEnv environment variables to add; any {@code QUARKUS_*} / {@code TRIBUNAL_*} variable
     *                 inherited from the build is removed first, so the test decides alone
     * @param extraJvmArgs more JVM arguments, e.g. {@code -Dname=value}
     */
    static TribunalProcess start(Path workDir, Map<String, String> extraEnv, String... extraJvmArgs) {
        int port = anyFreePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-Dquarkus.http.port=" + port);
        command.addAll(List.of(extraJvmArgs));
        command.add("-jar");
        command.add(appJar().toString());
        return launch(workDir, port, command, extraEnv, false);
    }

    /**
     * Starts {@code ./mvnw quarkus:dev} in {@code project} (a copy of the project: dev mode compiles into its own
     * {@code target}), with this JDK, on a free port; {@link #close()} stops the whole process tree.
     *
     * @param mavenArgs more arguments, e.g. {@code -Dname=value} (passed on to the application)
     */
    /**
     * A replica: a process on a database it shares with others (an embedded server the test started), with the shipped
     * judges and these JVM arguments.
     */
    static TribunalProcess replica(Path workDir, dev.tribunal.system.EmbeddedDatabase database, String... extraJvmArgs) {
        return start(workDir, Map.of(
                "QUARKUS_DATASOURCE_REACTIVE_URL", database.reactiveUrl(),
                "QUARKUS_DATASOURCE_JDBC_URL", database.jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", "postgres",
                "QUARKUS_DATASOURCE_PASSWORD", "postgres",
                "TRIBUNAL_JUDGES_DIR", Path.of("judges").toAbsolutePath().toString()), extraJvmArgs);
    }

    static TribunalProcess startDevMode(Path project, Map<String, String> extraEnv, String... mavenArgs) {
        int port = anyFreePort();
        List<String> command = new ArrayList<>(List.of(project.resolve("mvnw").toString(), "-B", "-ntp", "quarkus:dev",
                "-Dquarkus.http.port=" + port, "-Dquarkus.console.enabled=false", "-Ddebug=false",
                "-Dquarkus.analytics.disabled=true"));
        command.addAll(List.of(mavenArgs));
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return launch(project, port, command, env, true);
    }

    private static TribunalProcess launch(Path workDir, int port, List<String> command, Map<String, String> extraEnv, boolean tree) {
        try {
            Files.createDirectories(workDir);
            Path log = nextLogFile(workDir);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(name -> name.startsWith("QUARKUS_") || name.startsWith("TRIBUNAL_"));
            env.put("TRIBUNAL_BOOTSTRAP_KEY", ADMIN_KEY);
            env.putAll(extraEnv);
            Files.writeString(log, "");
            return new TribunalProcess(workDir, log, port, builder.start(), tree);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start Tribunal in " + workDir, e);
        }
    }

    /** The jar built by {@code mvn package}, passed by failsafe as {@code tribunal.app.jar}. */
    static Path appJar() {
        String jar = System.getProperty("tribunal.app.jar");
        if (jar == null || jar.isBlank()) {
            jar = "target/quarkus-app/quarkus-run.jar";
        }
        Path path = Path.of(jar).toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            fail("The application jar " + path + " does not exist: build it first with ./mvnw -B -ntp package -DskipTests");
        }
        return path;
    }

    /** Polls {@code /q/health/ready} until it answers 200; fails with the log tail if the process dies or times out. */
    TribunalProcess waitUntilReady() {
        return waitUntilReady(READY_TIMEOUT);
    }

    TribunalProcess waitUntilReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("Tribunal (pid " + process.pid() + ") exited with code " + process.exitValue()
                        + " before it was ready" + logTailMessage());
            }
            try {
                HttpResponse<String> response = get("/q/health/ready");
                if (response.statusCode() == 200) {
                    return this;
                }
                last = "HTTP " + response.statusCode() + ": " + response.body();
            } catch (ConnectException | HttpTimeoutException e) {
                last = e.toString();
            } catch (IOException e) {
                last = e.toString();
            }
            sleep(250);
        }
        fail("Tribunal (pid " + process.pid() + ") was not ready within " + timeout.toSeconds()
                + " s (last readiness answer: " + last + ")" + logTailMessage());
        return this;
    }

    HttpResponse<String> get(String path) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    HttpResponse<String> postJson(String path, String json) throws IOException {
        return postJson(path, json, Duration.ofSeconds(30));
    }

    /** A POST that may take longer than the usual 30 s to be answered, e.g. a benchmark's large request. */
    HttpResponse<String> postJson(String path, String json, Duration timeout) throws IOException {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)), timeout);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        return send(request, Duration.ofSeconds(30));
    }

    private HttpResponse<String> send(HttpRequest.Builder request, Duration timeout) throws IOException {
        try {
            return HTTP.send(request.timeout(timeout).header("Authorization", "Bearer " + ADMIN_KEY).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted", e);
        }
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + httpPort + path);
    }

    /** Sends SIGTERM and waits up to 60 s for the process to exit; returns its exit code. */
    int stop() {
        process.destroy();
        if (!waitForExit(STOP_TIMEOUT)) {
            String tail = logTailMessage();
            process.destroyForcibly();
            fail("Tribunal (pid " + process.pid() + ") did not exit within " + STOP_TIMEOUT.toSeconds()
                    + " s of SIGTERM" + tail);
        }
        return process.exitValue();
    }

    /** SIGKILL (kill -9): no shutdown hook runs. Waits until the process is gone. */
    void kill9() {
        process.destroyForcibly();
        if (!waitForExit(Duration.ofSeconds(30))) {
            fail("Tribunal (pid " + process.pid() + ") survived SIGKILL for 30 s");
        }
    }

    boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int exitValue() {
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    int httpPort() {
        return httpPort;
    }

    Path workDir() {
        return workDir;
    }

    Path logFile() {
        return logFile;
    }

    /** Everything the process has written so far (stdout and stderr). */
    String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<could not read " + logFile + ": " + e + ">";
        }
    }

    String logTail() {
        String[] lines = log().split("\n", -1);
        int from = Math.max(0, lines.length - LOG_TAIL_LINES);
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }

    /** For assertion messages. */
    String logTailMessage() {
        return "\n---- last lines of " + logFile + " ----\n" + logTail() + "\n---- end of log ----";
    }

    /** Waits until the log contains {@code text} (log lines are written asynchronously to the file). */
    boolean awaitLog(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            if (log().contains(text)) {
                return true;
            }
            sleep(100);
        } while (System.nanoTime() < deadline);
        return log().contains(text);
    }

    /** Kills the process if a test left it running. */
    @Override
    public void close() {
        if (tree) {
            // the application first (SIGTERM: it stops its embedded PostgreSQL), then Maven
            List<ProcessHandle> children = process.children().toList();
            children.forEach(ProcessHandle::destroy);
            children.forEach(child -> child.onExit().completeOnTimeout(child, 60, TimeUnit.SECONDS).join());
            process.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        if (process.isAlive()) {
            process.destroyForcibly();
            waitForExit(Duration.ofSeconds(30));
        }
    }

    // ---- the embedded PostgreSQL's postmaster -----------------------------------------------------

    /** The postmaster pid recorded in {@code pgDir/postmaster.pid} (line 1), if that file exists. */
    static Optional<Long> postmasterPid(Path pgDir) {
        Path pidFile = pgDir.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code pid} runs; a zombie (exited, not yet reaped by init) counts as dead. */
    static boolean isAlive(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            String afterName = stat.substring(stat.lastIndexOf(')') + 1).trim();
            return !afterName.startsWith("Z") && !afterName.startsWith("X");
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    /** Whether {@code pid} is a live postgres server process started on {@code pgDir} (guards against pid reuse). */
    static boolean isPostmasterOf(long pid, Path pgDir) {
        if (!isAlive(pid)) {
            return false;
        }
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
            return cmdline.contains("postgres") && cmdline.contains(pgDir.toString());
        } catch (IOException e) {
            return false;
        }
    }

    /** Asserts that no PostgreSQL server is left running on {@code pgDir}. */
    static void assertNoPostmasterRunning(Path pgDir, String context) {
        Optional<Long> pid = postmasterPid(pgDir);
        pid.ifPresent(p -> assertFalse(isAlive(p),
                context + ": a PostgreSQL server (pid " + p + ") is still running on " + pgDir));
    }

    /**
     * Test clean-up: SIGKILLs a postmaster left running on {@code pgDir} (and its backends), if any.
     * Only a live process whose command line names {@code pgDir} is touched.
     */
    static void killPostmaster(Path pgDir) {
        postmasterPid(pgDir).filter(pid -> isPostmasterOf(pid, pgDir)).flatMap(ProcessHandle::of).ifPresent(postmaster -> {
            List<ProcessHandle> children = postmaster.descendants().toList();
            postmaster.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            try {
                postmaster.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort
            }
        });
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static int anyFreePort() {
        try {
            return freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ports this JVM handed out already: two calls never return the same port, even before either is bound. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A port nothing listens on, below the kernel's range for outgoing connections' local ports: a port from that range
     * (what binding port 0 gives) may be taken by any outgoing connection in the seconds before a slow server binds it.
     */
    static int freePort() throws IOException {
        int below = ephemeralRangeStart();
        int from = Math.max(1024, below - 12_000);
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = from + random.nextInt(below - from);
            if (HANDED_OUT.contains(candidate)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(candidate)) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(candidate)) {
                    return candidate;
                }
            } catch (IOException inUse) {
                // taken; try another
            }
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static int ephemeralRangeStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int start = Integer.parseInt(range.split("\\s+")[0]);
            return start > 3_000 ? start : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }

    private static Path nextLogFile(Path workDir) {
        for (int i = 1; ; i++) {
            Path candidate = workDir.resolve("tribunal-" + i + ".log");
            if (!Files.exists(candidate)) {
                return candidate;
            }
        }
    }

    /** Thread.sleep for tests, an interrupt turned into a failure. */
    static void pause(long millis) {
        sleep(millis);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
