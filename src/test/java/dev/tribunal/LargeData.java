package dev.tribunal;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The profile of the tests at the documented limits (100,000 traces in a run, an export of 70,000 spans): an application
 * and database of their own, so that their hundreds of thousands of rows never slow the other tests' queries.
 */
public class LargeData implements QuarkusTestProfile {
}
