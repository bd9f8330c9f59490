package dev.tribunal.system;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server that Tribunal starts itself, keeping its files in a directory that survives
 * restarts. A postmaster left running by a killed Tribunal process is shut down before the new
 * server starts, so a crash never blocks the next start.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class);
    /** zonky's own lock file: held by the process that owns the server. */
    private static final String OWNER_LOCK = "epg-lock";
    /** Fast shutdown of an orphan: a crashed owner left no client that deserves a smart shutdown. */
    private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(30);
    /** Generous: the first start runs initdb, and a server recovering after a crash replays its WAL. */
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDirectory) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
    }

    /**
     * Starts a server on the given data directory (created and initialised when empty).
     *
     * @param dataDirectory where PostgreSQL keeps its files
     * @param port the port to listen on on loopback, or 0 for any free port
     * @param durable whether commits are flushed to disk (off only for throw-away test databases)
     */
    public static EmbeddedDatabase start(Path dataDirectory, int port, boolean durable) {
        Path dir = dataDirectory.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
            ensureNotOwnedByALiveProcess(dir);
            stopOrphanedPostmaster(dir);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dir.toFile())
                    .setCleanDataDirectory(false)
                    // Shutdown is ordered by Tribunal: after the application has released its connections.
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(STARTUP_WAIT)
                    .setServerConfig("listen_addresses", "localhost")
                    // zonky's test-oriented defaults turn fsync off; stored assessments must survive a power cut
                    .setServerConfig("fsync", durable ? "on" : "off")
                    .setServerConfig("synchronous_commit", durable ? "on" : "off");
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder.start();
            return new EmbeddedDatabase(postgres, dir);
        } catch (IOException e) {
            throw new IllegalStateException("Could not start the embedded PostgreSQL in " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/postgres";
    }

    public String reactiveUrl() {
        return "postgresql://localhost:" + port() + "/postgres";
    }

    public String username() {
        return "postgres";
    }

    /** Quarkus datasource settings that point at this server. */
    public Map<String, String> datasourceProperties() {
        return Map.of(
                "quarkus.datasource.reactive.url", reactiveUrl(),
                "quarkus.datasource.jdbc.url", jdbcUrl(),
                "quarkus.datasource.username", username(),
                // trust authentication on loopback: any password is accepted
                "quarkus.datasource.password", "postgres");
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            LOG.warnf("Stopping the embedded PostgreSQL failed: %s", e.getMessage());
        }
    }

    private static void ensureNotOwnedByALiveProcess(Path dir) throws IOException {
        Path lockFile = dir.resolve(OWNER_LOCK);
        if (!Files.exists(lockFile)) {
            return;
        }
        try (RandomAccessFile file = new RandomAccessFile(lockFile.toFile(), "rw");
             FileChannel channel = file.getChannel()) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new IllegalStateException("The data directory " + dir
                        + " is in use by another running Tribunal process; stop it or set TRIBUNAL_DATA_DIR to another directory");
            }
            lock.release();
        }
    }

    /**
     * After a kill -9 the postmaster outlives its owner and keeps the data directory and its port.
     * Nobody holds the owner lock any more (checked before), so the server is an orphan: stop it.
     */
    private static void stopOrphanedPostmaster(Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        Optional<Long> pid = readPid(pidFile);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid.get()).filter(EmbeddedDatabase::isPostgres);
        if (process.isEmpty()) {
            // A stale file whose pid now belongs to some other process would make PostgreSQL refuse to start.
            LOG.infof("Removing the stale %s left by a stopped PostgreSQL (pid %d)", pidFile, pid.get());
            Files.deleteIfExists(pidFile);
            return;
        }
        LOG.warnf("Found a PostgreSQL server (pid %d) left running on %s by a Tribunal process that ended abruptly; stopping it",
                pid.get(), dir);
        ProcessHandle postmaster = process.get();
        List<ProcessHandle> children = postmaster.descendants().toList();
        signal(pid.get(), "INT");
        if (!waitForExit(postmaster, ORPHAN_STOP_WAIT)) {
            LOG.warnf("PostgreSQL (pid %d) did not stop within %s; killing it", pid.get(), ORPHAN_STOP_WAIT);
            postmaster.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            waitForExit(postmaster, Duration.ofSeconds(10));
            for (ProcessHandle child : children) {
                waitForExit(child, Duration.ofSeconds(10));
            }
            Files.deleteIfExists(pidFile);
        }
    }

    private static Optional<Long> readPid(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean isPostgres(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).contains("postgres");
        } catch (IOException e) {
            return process.info().command().map(c -> c.contains("postgres")).orElse(false);
        }
    }

    private static void signal(long pid, String signal) throws IOException {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while stopping PostgreSQL", e);
        }
    }

    private static boolean waitForExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return !process.isAlive();
        }
    }
}
