package dev.tribunal.run;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * The judges of src/test/resources/verdict-judges (samples, juries, a pairwise judge, a gated judge on simulated models)
 * and the sweeps of src/test/resources/verdict-sweeps; gates checked every second.
 */
public class VerdictJudges implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("tribunal.judges.dir", "src/test/resources/verdict-judges", "tribunal.sweeps.dir", "src/test/resources/verdict-sweeps",
                "tribunal.gates.check-every", "1s");
    }
}
