package dev.tribunal.run;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Guards on judge runs started over the API. */
@ConfigMapping(prefix = "tribunal.runs")
public interface RunsConfig {

    /**
     * A run whose estimated cost (as its dry run computes it, from the providers' prices) is above this many
     * currency units is refused unless the request says {@code "confirm_cost": true}: a mistaken run over a
     * year of traces should cost a second request, not a month's budget. Runs on providers without prices have
     * no estimate and are not held.
     */
    @WithDefault("25")
    double confirmCostAbove();
}
