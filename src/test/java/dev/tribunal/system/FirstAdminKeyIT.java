package dev.tribunal.system;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A fresh Tribunal without TRIBUNAL_BOOTSTRAP_KEY writes a first admin key for its owner, once. */
class FirstAdminKeyIT {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path workDir;

    private TribunalProcess app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
            TribunalProcess.killPostmaster(workDir.resolve("data").resolve("postgres"));
        }
    }

    private int status(String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + "/api/judges"));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aFirstStartWritesAnAdminKeyReadableByItsOwnerOnly() throws Exception {
        app = TribunalProcess.start(workDir, Map.of("TRIBUNAL_BOOTSTRAP_KEY", "")).waitUntilReady();
        Path file = workDir.resolve("data").resolve("admin.key");
        assertTrue(Files.isRegularFile(file), "the first admin key is written to " + file + app.logTailMessage());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String key = Files.readString(file).strip();
        assertEquals(401, status(null));
        assertEquals(200, status(key), "the written key is an admin key");
        String log = app.log();
        assertTrue(log.contains("written to " + file), app.logTailMessage());
        assertFalse(log.contains(key), "the key itself is never logged");

        app.stop();
        app.close();
        app = TribunalProcess.start(workDir, Map.of("TRIBUNAL_BOOTSTRAP_KEY", "")).waitUntilReady();
        assertEquals(key, Files.readString(file).strip(), "a key exists: a second start writes none");
        assertEquals(200, status(key));
    }
}
