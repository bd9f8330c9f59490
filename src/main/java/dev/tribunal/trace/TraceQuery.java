package dev.tribunal.trace;

import dev.tribunal.system.PageToken;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Filters of {@code GET /api/traces}: request time in [from, to), every tag equal, an assessment of
 * each {@code hasAssessment} name present and of each {@code lacksAssessment} name absent.
 */
record TraceQuery(
        Instant from,
        Instant to,
        Map<String, String> tags,
        List<String> hasAssessment,
        List<String> lacksAssessment,
        PageToken pageToken) {
}
