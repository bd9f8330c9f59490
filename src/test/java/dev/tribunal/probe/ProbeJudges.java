package dev.tribunal.probe;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** The judges of src/test/resources/probe-judges (simulated models with set biases, a pairwise and a code judge), no sweeps. */
public class ProbeJudges implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("tribunal.judges.dir", "src/test/resources/probe-judges", "tribunal.sweeps.dir", "target/no-sweeps");
    }
}
