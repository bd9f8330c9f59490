package dev.tribunal.security;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What an API key may do. {@code admin} may do everything. */
public final class Roles {

    /** Read traces, assessments, runs, judges, sweeps, meta-evaluations and the page. */
    public static final String READ = "read";
    /** Send traces (REST and OTLP). */
    public static final String INGEST = "ingest";
    /** Log, change and delete assessments (HUMAN labels and overrides among them). */
    public static final String ANNOTATE = "annotate";
    /** Start, cancel and retry judge runs; trigger sweeps. */
    public static final String JUDGE = "judge";
    /** Manage API keys, and every other role. */
    public static final String ADMIN = "admin";

    public static final List<String> ALL = List.of(READ, INGEST, ANNOTATE, JUDGE, ADMIN);

    private Roles() {
    }

    /** The roles a holder of these roles has: admin has them all. */
    static Set<String> effective(Iterable<String> roles) {
        Set<String> result = new LinkedHashSet<>();
        roles.forEach(result::add);
        if (result.contains(ADMIN)) {
            result.addAll(ALL);
        }
        return result;
    }
}
