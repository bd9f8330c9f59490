package dev.tribunal.run;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** The judges of src/test/resources/verdict-judges (samples, juries, a pairwise judge on simulated models), no sweeps. */
public class VerdictJudges implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("tribunal.judges.dir", "src/test/resources/verdict-judges", "tribunal.sweeps.dir", "target/no-sweeps");
    }
}
