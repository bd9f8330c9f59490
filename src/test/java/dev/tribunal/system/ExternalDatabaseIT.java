package dev.tribunal.system;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.tribunal.system.EmbeddedDatabaseIT.assertLogContains;
import static dev.tribunal.system.EmbeddedDatabaseIT.getTrace;
import static dev.tribunal.system.EmbeddedDatabaseIT.ingest;
import static dev.tribunal.system.EmbeddedDatabaseIT.logAssessment;
import static dev.tribunal.system.EmbeddedDatabaseIT.uniqueTraceId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built application pointed at an external PostgreSQL through the standard
 * {@code QUARKUS_DATASOURCE_*} variables: no embedded server, no data directory, the schema and the
 * data land on the external server.
 */
class ExternalDatabaseIT {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempDir;

    /** Stands in for the operator's PostgreSQL: a separate server owned by this test JVM. */
    private EmbeddedDatabase external;
    private final List<TribunalProcess> processes = new ArrayList<>();

    @BeforeEach
    void startExternalServer() {
        external = EmbeddedDatabase.start(tempDir.resolve("external-pg"), 0, false);
    }

    @AfterEach
    void stopEverything() {
        processes.forEach(TribunalProcess::close);
        if (external != null) {
            external.close();
        }
        // the application must never have started an embedded server of its own, but never leak one
        processes.forEach(p -> TribunalProcess.killPostmaster(p.workDir().resolve("data").resolve("postgres")));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void usesTheExternalServerNamedByTheDatasourceVariables() throws Exception {
        Path workDir = newWorkDir("both-urls");
        TribunalProcess app = start(workDir, Map.of(
                "QUARKUS_DATASOURCE_REACTIVE_URL", external.reactiveUrl(),
                "QUARKUS_DATASOURCE_JDBC_URL", external.jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", "postgres",
                "QUARKUS_DATASOURCE_PASSWORD", "postgres")).waitUntilReady();

        assertUsesExternalServer(app, workDir);

        String traceId = uniqueTraceId();
        ingest(app, traceId);
        logAssessment(app, traceId);
        assertEquals(traceId, getTrace(app, traceId).getString("trace_id"));
        assertTrue(externalHasTrace(traceId),
                "The trace " + traceId + " should be stored in the external server's table trace" + app.logTailMessage());
        assertEquals(1, countRows("select count(*) from assessment where trace_id = ?", traceId),
                "The assessment should be stored on the external server" + app.logTailMessage());

        int exitCode = app.stop();
        assertTrue(exitCode == 0 || exitCode == 143, "exit code after SIGTERM was " + exitCode + app.logTailMessage());
        assertTrue(externalHasTrace(traceId), "Stopping Tribunal must leave the external server (and its data) alone");
        assertFalse(Files.exists(workDir.resolve("data")), "No data directory after the stop either" + app.logTailMessage());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void reactiveUrlAloneIsEnough() throws Exception {
        Path workDir = newWorkDir("reactive-url-only");
        TribunalProcess app = start(workDir, Map.of(
                "QUARKUS_DATASOURCE_REACTIVE_URL", external.reactiveUrl(),
                "QUARKUS_DATASOURCE_USERNAME", "postgres",
                "QUARKUS_DATASOURCE_PASSWORD", "postgres")).waitUntilReady();

        assertUsesExternalServer(app, workDir);

        // Flyway runs over JDBC: the derived JDBC URL reached the external server
        assertTrue(countRows("select count(*) from flyway_schema_history where success and version is not null", null) >= 1,
                "Flyway should have migrated the external server" + app.logTailMessage());

        String traceId = uniqueTraceId();
        ingest(app, traceId);
        assertTrue(externalHasTrace(traceId),
                "The trace " + traceId + " should be stored in the external server's table trace" + app.logTailMessage());

        int exitCode = app.stop();
        assertTrue(exitCode == 0 || exitCode == 143, "exit code after SIGTERM was " + exitCode + app.logTailMessage());
    }

    /**
     * A separately installed, password-protected server (CI starts Debian's PostgreSQL 15 and names
     * it in {@code TRIBUNAL_IT_EXTERNAL_JDBC_URL}, {@code ..._USERNAME}, {@code ..._PASSWORD}).
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void worksWithAPasswordProtectedServerInstalledSeparately() throws Exception {
        String jdbcUrl = System.getenv("TRIBUNAL_IT_EXTERNAL_JDBC_URL");
        Assumptions.assumeTrue(jdbcUrl != null, "TRIBUNAL_IT_EXTERNAL_JDBC_URL is not set: no separately installed PostgreSQL to test against");
        String user = System.getenv("TRIBUNAL_IT_EXTERNAL_USERNAME");
        String password = System.getenv("TRIBUNAL_IT_EXTERNAL_PASSWORD");
        Path workDir = newWorkDir("installed-server");
        TribunalProcess app = start(workDir, Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL", jdbcUrl,
                "QUARKUS_DATASOURCE_USERNAME", user,
                "QUARKUS_DATASOURCE_PASSWORD", password)).waitUntilReady();

        assertLogContains(app, "Using the external PostgreSQL at " + jdbcUrl + " (no embedded server started)");
        assertFalse(Files.exists(workDir.resolve("data")), "No data directory" + app.logTailMessage());
        assertFalse(app.log().contains(password), "The database password must never be logged");

        String traceId = uniqueTraceId();
        ingest(app, traceId);
        logAssessment(app, traceId);
        try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password);
             PreparedStatement statement = connection.prepareStatement(
                     "select count(*) from assessment a join trace t using (trace_id) where t.trace_id = ?")) {
            statement.setString(1, traceId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                assertEquals(1, rows.getLong(1), "trace and assessment stored on the installed server" + app.logTailMessage());
            }
        }
        int exitCode = app.stop();
        assertTrue(exitCode == 0 || exitCode == 143, "exit code after SIGTERM was " + exitCode + app.logTailMessage());
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private void assertUsesExternalServer(TribunalProcess app, Path workDir) {
        assertLogContains(app, "Using the external PostgreSQL at " + external.jdbcUrl() + " (no embedded server started)");
        assertFalse(app.log().contains("Starting the embedded PostgreSQL"),
                "No embedded PostgreSQL should start when an external one is configured" + app.logTailMessage());
        assertFalse(Files.exists(workDir.resolve("data")),
                "No data directory should be created in " + workDir + app.logTailMessage());
    }

    private Path newWorkDir(String name) throws IOException {
        return Files.createDirectories(tempDir.resolve(name)).toRealPath();
    }

    private TribunalProcess start(Path workDir, Map<String, String> env) {
        TribunalProcess process = TribunalProcess.start(workDir, env);
        processes.add(process);
        return process;
    }

    private boolean externalHasTrace(String traceId) throws SQLException {
        return countRows("select count(*) from trace where trace_id = ?", traceId) == 1;
    }

    private long countRows(String sql, String parameter) throws SQLException {
        try (Connection connection = DriverManager.getConnection(external.jdbcUrl(), external.username(), "postgres");
             PreparedStatement statement = connection.prepareStatement(sql)) {
            if (parameter != null) {
                statement.setString(1, parameter);
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
