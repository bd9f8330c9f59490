package dev.tribunal.probe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Bodies and answers of the probe endpoints. */
public final class ProbeRequests {

    private ProbeRequests() {
    }

    /**
     * A probe of a judge: controlled perturbations of its prompts over traces, verdicts compared.
     *
     * @param version the judge version to probe (none: the judge's champion)
     * @param model the model to ask, {@code provider:/model} (none: the judge's own)
     * @param probes each a type ({@code "repeat"}) or an object ({@code {"type": "repeat", "k": 5}})
     */
    public record ProbeRequest(String version, String model, TraceSelector traces, List<JsonNode> probes) {
    }

    /** Traces by id, or those with all these tags. */
    public record TraceSelector(List<String> traceIds, Map<String, String> tags) {
    }

    /** Judge calls made and to make. */
    public record Progress(int done, int total) {
    }

    /**
     * A probe: what was asked, how far it has come and, once completed, every probe's figures.
     *
     * @param status {@code running}, {@code completed}, {@code failed}, or {@code interrupted} (still marked running,
     *               but no progress recorded for a while: the process that ran it stopped)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProbeView(String id, String judge, String version, String model, String status, JsonNode request, int traces,
                            Progress progress, List<ProbeFigures> probes, String problem, Instant createdAt, String createdBy,
                            Instant finishedAt, Instant updatedAt) {
    }

    /** {@code {"probes": [...]}}, newest first. */
    public record ProbeListView(List<ProbeView> probes) {
    }

    /**
     * One probe's figures. Shares come with their 95 % Wilson score interval ({@code *_ci}).
     *
     * @param compared traces (pairs, for {@code position}) whose calls all answered
     * @param changed of those, the ones whose verdict changed: not all k equal ({@code repeat}), another verdict on the
     *                padded response ({@code verbosity}), position-inconsistent ({@code position}); none for {@code self_preference}
     * @param errored traces (pairs) left out because a call failed
     * @param meanAgreement {@code repeat}: the mean share of a trace's k verdicts equal to its most frequent one
     * @param directionBasis {@code verbosity}: how verdicts are ordered to tell raised from lowered
     * @param net {@code verbosity}: (raised - lowered) / compared, with an interval (Newcombe's square-and-add of the two
     *            shares' intervals, corrected for their negative correlation)
     * @param firstPositionPreferred {@code position}: inconsistent pairs where both orders chose the response shown first
     * @param firstPositionPreference {@code position}: their share of the inconsistent pairs
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProbeFigures(String type, Integer k, int compared, Integer changed, int errored, Double changedShare,
                               List<Double> changedShareCi, Map<String, Integer> erroredByCode, Double meanAgreement,
                               String directionBasis, Integer raised, Integer lowered, Double raisedShare, List<Double> raisedShareCi,
                               Double loweredShare, List<Double> loweredShareCi, Double net, List<Double> netCi,
                               Integer firstPositionPreferred, Double firstPositionPreference, List<Double> firstPositionPreferenceCi,
                               SelfPreference selfPreference) {
    }

    /**
     * {@code self_preference}: the judge's verdicts on responses written by its own model family against those by others.
     *
     * @param judgeFamily the family of the model that judged
     * @param unattributed traces without a {@code tribunal.model} tag, not judged
     * @param passRateDifference own minus others, with an interval (Newcombe's square-and-add)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SelfPreference(String judgeFamily, String topVerdict, Group own, Group others, int unattributed,
                                 Double passRateDifference, List<Double> passRateDifferenceCi) {
    }

    /**
     * One side of a self-preference probe.
     *
     * @param traces traces on this side
     * @param compared those judged without error
     * @param passed verdicts equal to the top verdict
     * @param humanCompared judged traces with a person's valid feedback under the judge's name (the latest counts)
     * @param humanAgreed of those, the ones where judge and person gave the same verdict
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Group(int traces, int compared, int errored, int passed, Double passRate, List<Double> passRateCi,
                        int humanCompared, int humanAgreed, Double humanAgreement, List<Double> humanAgreementCi) {
    }
}
