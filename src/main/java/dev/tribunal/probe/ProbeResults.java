package dev.tribunal.probe;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tribunal.probe.ProbeRequests.ProbeFigures;

import java.util.List;

/**
 * What a probe's {@code results} column holds: its traces and progress while it runs, and every probe's figures once
 * it has completed.
 *
 * @param done judge calls answered (a pair's two orders count two)
 * @param total judge calls to make
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ProbeResults(int traces, int done, int total, List<ProbeFigures> probes) {
}
