package dev.tribunal.system;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stops the embedded PostgreSQL after the application has stopped using it. A JVM shutdown hook
 * alone would race Quarkus' own hook and cut connections under in-flight work.
 */
@ApplicationScoped
class EmbeddedDatabaseShutdown {

    /** Longer than Quarkus' own graceful shutdown, so the ordered path normally wins. */
    private static final long HOOK_WAIT_SECONDS = 60;

    private static volatile EmbeddedDatabase database;
    private static final AtomicBoolean applicationStarted = new AtomicBoolean();
    private static final CountDownLatch stopped = new CountDownLatch(1);

    static void register(EmbeddedDatabase started) {
        database = started;
        Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedDatabaseShutdown::onJvmExit, "embedded-postgres-stop"));
    }

    void onStart(@Observes StartupEvent event) {
        applicationStarted.set(true);
    }

    /** Runs after every other shutdown observer (highest priority value is notified last). */
    void onStop(@Observes @Priority(Integer.MAX_VALUE) ShutdownEvent event) {
        stopDatabase();
    }

    private static void onJvmExit() {
        if (applicationStarted.get()) {
            try {
                stopped.await(HOOK_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stopDatabase();
    }

    private static synchronized void stopDatabase() {
        EmbeddedDatabase db = database;
        if (db != null) {
            database = null;
            db.close();
        }
        stopped.countDown();
    }
}
