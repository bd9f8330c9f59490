package dev.tribunal.system;

import io.vertx.pgclient.PgException;
import org.hibernate.JDBCException;

import java.util.Optional;

/**
 * PostgreSQL's SQLSTATE of a failure, however it reached Tribunal (the reactive SQL client's {@link PgException},
 * Hibernate's {@link JDBCException}), and the states Tribunal answers differently.
 */
public final class SqlStates {

    /** A row with the same key exists already. */
    public static final String UNIQUE_VIOLATION = "23505";
    /** Two transactions waited for each other; this one was rolled back and may be tried again. */
    public static final String DEADLOCK_DETECTED = "40P01";
    /** The class of data exceptions: a value PostgreSQL cannot store (the NUL character in text, say). */
    public static final String DATA_EXCEPTION = "22";
    /** The class of integrity constraint violations: a key, a reference or a check refused a row. */
    public static final String INTEGRITY_CONSTRAINT_VIOLATION = "23";

    private SqlStates() {
    }

    /** The SQLSTATE the failure itself (not its causes) carries, or null when it is not the database's. */
    public static String of(Throwable failure) {
        if (failure instanceof PgException pg) {
            return pg.getSqlState();
        }
        if (failure instanceof JDBCException jdbc) {
            return jdbc.getSQLState();
        }
        return null;
    }

    /** Whether the failure itself is the database's, with this SQLSTATE. */
    public static boolean is(Throwable failure, String state) {
        return state.equals(of(failure));
    }

    /** Whether the failure itself is the database's, with a SQLSTATE of this class (its first two characters). */
    public static boolean inClass(Throwable failure, String stateClass) {
        String state = of(failure);
        return state != null && state.startsWith(stateClass);
    }

    /** Whether the failure or one of its causes is the database's, with this SQLSTATE. */
    public static boolean causedBy(Throwable failure, String state) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (is(t, state)) {
                return true;
            }
        }
        return false;
    }

    /** The failure, or the first of its causes, that is the database's with a SQLSTATE of this class. */
    public static Optional<Throwable> causeInClass(Throwable failure, String stateClass) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (inClass(t, stateClass)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
