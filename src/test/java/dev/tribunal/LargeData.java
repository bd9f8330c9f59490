package dev.tribunal;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The profile of the tests at the documented limits (100,000 traces in a run, an export of 70,000 spans): an application
 * and database of their own, so that their hundreds of thousands of rows never slow the other tests' queries.
 */
public class LargeData implements QuarkusTestProfile {

    /** A request over 100,000 rows may take a minute on a busy two-core machine: the client waits up to five. */
    @Override
    public java.util.Map<String, String> getConfigOverrides() {
        return java.util.Map.of("quarkus.http.test-timeout", "300s");
    }
}
