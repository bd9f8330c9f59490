package dev.tribunal.versions;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tribunal.assessment.AssessmentKind;
import dev.tribunal.assessment.AssessmentRepository;
import dev.tribunal.assessment.AssessmentRepository.Judgment;
import dev.tribunal.judge.JudgeChampions;
import dev.tribunal.judge.JudgeVersions;
import dev.tribunal.metaeval.Agreement;
import dev.tribunal.run.RunService;
import dev.tribunal.security.Roles;
import dev.tribunal.sweep.SweepCatalog;
import dev.tribunal.sweep.SweepDefinition;
import dev.tribunal.system.ResourceNotFoundException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A sweep's challengers against its champions: on the traces both judged, how often they agree (with Cohen's kappa and
 * 95 % intervals), where they differ, and who was right where people labelled those traces.
 */
@Path("/api/sweeps/{name}/challengers")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Sweeps")
@RolesAllowed(Roles.READ)
public class ChallengerResource {

    /** The sweep's newest runs read. */
    static final int RUNS = 1_000;
    /** Differing traces listed per challenger (all are counted). */
    static final int DIFFERENCES_SHOWN = 100;
    private static final int BOOTSTRAP_SAMPLES = 1_000;
    private static final long SEED = 42;

    private final SweepCatalog sweeps;
    private final RunService runs;
    private final AssessmentRepository assessments;
    private final JudgeVersions versions;
    private final JudgeChampions champions;

    ChallengerResource(SweepCatalog sweeps, RunService runs, AssessmentRepository assessments, JudgeVersions versions, JudgeChampions champions) {
        this.sweeps = sweeps;
        this.runs = runs;
        this.assessments = assessments;
        this.versions = versions;
        this.champions = champions;
    }

    /** {@code {"sweep", "challengers": [...]}}. */
    public record ChallengersView(String sweep, List<ChallengerView> challengers) {
    }

    /**
     * One challenger beside its judge's champion.
     *
     * @param compared    traces both judged with a value (errors apart)
     * @param agreement   the share of those where their verdicts are equal, with its 95 % Wilson interval
     * @param kappa       Cohen's kappa between them, with its 95 % bootstrap interval
     * @param labelled    differing traces a person labelled (the judge's gate reference, else people's feedback of the judge's name)
     * @param verdict     in words: who was right more often where they differ
     * @param status      the challenger version's gate status (pending, passed, failed, ungated); absent for a model challenger
     * @param promote     where to make it champion (admin), when it passed its gate or has none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChallengerView(String challenger, String judge, String version, String model, String championVersion, int judged,
                                 int errored, int compared, Double agreement, List<Double> agreementCi, Double kappa, List<Double> kappaCi,
                                 int differ, List<DifferenceView> differences, Map<String, String> reference, int labelled,
                                 int championRight, int challengerRight, String verdict, String status, String promote) {
    }

    /** A trace where the two differ, with a person's label when there is one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DifferenceView(String traceId, String champion, String challenger, String label, String link) {
    }

    @GET
    @Operation(summary = "Each challenger of a sweep against its judge's champion on the same traces: agreement and kappa with 95 % "
            + "intervals, the traces where they differ, and who was right more often where people labelled those")
    public Uni<ChallengersView> list(@RestPath("name") String name) {
        SweepDefinition sweep = sweeps.find(name)
                .orElseThrow(() -> new ResourceNotFoundException("No sweep named '" + name + "'"));
        return runs.sweepRuns(name, RUNS).chain(runIds -> {
            List<Uni<ChallengerView>> views = new ArrayList<>();
            for (SweepDefinition.Challenger c : sweep.challengers()) {
                views.add(view(sweep, c, runIds.toArray(String[]::new)));
            }
            return views.isEmpty() ? Uni.createFrom().item(List.<ChallengerView>of()) : Uni.join().all(views).andFailFast();
        }).map(list -> new ChallengersView(name, list));
    }

    private Uni<ChallengerView> view(SweepDefinition sweep, SweepDefinition.Challenger c, String[] runIds) {
        Optional<dev.tribunal.judge.JudgeDefinition> loaded = sweep.judges().stream().filter(j -> j.name().equals(c.judge())).findFirst();
        var gate = loaded.map(dev.tribunal.judge.JudgeDefinition::gate).orElse(null);
        String referenceName = gate != null && gate.reference().humanFeedback() != null ? gate.reference().humanFeedback()
                : gate != null ? gate.reference().expectation() : c.judge();
        AssessmentKind referenceKind = gate != null && gate.reference().expectation() != null ? AssessmentKind.EXPECTATION : AssessmentKind.FEEDBACK;
        Uni<Optional<JudgeVersions.Version>> stored = c.version() == null ? Uni.createFrom().item(Optional.empty())
                : versions.version(c.judge(), c.version());
        return assessments.judgments(c.judge(), runIds)
                .chain(judgments -> assessments.references(referenceName, referenceKind)
                        .chain(references -> stored.chain(version -> champions.of(c.judge())
                                .emitOn(Infrastructure.getDefaultWorkerPool())
                                .map(champion -> compare(c, judgments, references, version.orElse(null), champion.orElse(null),
                                        Map.of(referenceKind == AssessmentKind.EXPECTATION ? "expectation" : "human_feedback", referenceName))))));
    }

    /** The figures, from the stored assessments: the latest valid verdict of each side per trace. */
    static ChallengerView compare(SweepDefinition.Challenger c, List<Judgment> judgments, List<AssessmentRepository.Reference> references,
                                  JudgeVersions.Version version, JudgeChampions.Champion champion, Map<String, String> reference) {
        Map<String, Judgment> championByTrace = new LinkedHashMap<>();
        Map<String, Judgment> challengerByTrace = new LinkedHashMap<>();
        for (Judgment j : judgments) {
            if (!j.challenger()) {
                championByTrace.put(j.traceId(), j);
            } else if (c.version() != null ? c.version().equals(j.version()) : c.model().toString().equals(j.sourceId())) {
                challengerByTrace.put(j.traceId(), j);
            }
        }
        Map<String, String> labels = new HashMap<>();
        references.forEach(r -> labels.put(r.traceId(), label(r.value())));
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        List<DifferenceView> differences = new ArrayList<>();
        int errored = 0;
        int differ = 0;
        int labelled = 0;
        int championRight = 0;
        int challengerRight = 0;
        for (Map.Entry<String, Judgment> e : challengerByTrace.entrySet()) {
            Judgment mine = e.getValue();
            Judgment theirs = championByTrace.get(e.getKey());
            if (mine.errorCode() != null) {
                errored++;
                continue;
            }
            if (theirs == null || theirs.errorCode() != null) {
                continue;
            }
            String championValue = label(theirs.value());
            String challengerValue = label(mine.value());
            a.add(championValue);
            b.add(challengerValue);
            if (!championValue.equals(challengerValue)) {
                differ++;
                String label = labels.get(e.getKey());
                if (label != null) {
                    labelled++;
                    championRight += label.equals(championValue) ? 1 : 0;
                    challengerRight += label.equals(challengerValue) ? 1 : 0;
                }
                if (differences.size() < DIFFERENCES_SHOWN) {
                    differences.add(new DifferenceView(e.getKey(), championValue, challengerValue, label, "/traces/" + e.getKey()));
                }
            }
        }
        int n = a.size();
        Double agreement = n == 0 ? null : Agreement.accuracy(a, b);
        Double kappa = n == 0 ? null : defined(Agreement.cohensKappa(a, b));
        Agreement.Interval kappaCi = Agreement.bootstrap(n, BOOTSTRAP_SAMPLES, SEED, pick -> Agreement.cohensKappa(pick(a, pick), pick(b, pick)));
        String verdict = labelled == 0 ? (differ == 0 ? null : "no person labelled the traces where they differ")
                : challengerRight > championRight ? "the challenger was right more often (" + challengerRight + " against " + championRight + ")"
                : championRight > challengerRight ? "the champion was right more often (" + championRight + " against " + challengerRight + ")"
                : "both were right as often (" + championRight + ")";
        String status = version == null ? null : version.gateStatus() == null ? "ungated" : version.gateStatus();
        String promote = version != null && ("passed".equals(status) || "ungated".equals(status))
                && (champion == null || !champion.version().equals(version.version()))
                ? "/api/judges/" + c.judge() + "/versions/" + version.version() + "/promote" : null;
        return new ChallengerView(c.written(), c.judge(), c.version(), c.model() == null ? null : c.model().toString(),
                champion == null ? null : champion.version(), challengerByTrace.size(), errored, n, agreement,
                agreement == null ? null : Agreement.wilson(agreement, n), kappa,
                kappaCi.low() == null ? null : List.of(kappaCi.low(), kappaCi.high()), differ, differences, reference, labelled,
                championRight, challengerRight, verdict, status, promote);
    }

    private static List<String> pick(List<String> values, int[] pick) {
        List<String> picked = new ArrayList<>(pick.length);
        for (int i : pick) {
            picked.add(values.get(i));
        }
        return picked;
    }

    private static Double defined(double value) {
        return Double.isNaN(value) ? null : value;
    }

    /** A stored value (JSON text) as a label: text without its quotes, anything else as written. */
    private static String label(String value) {
        if (value == null) {
            return "null";
        }
        com.fasterxml.jackson.databind.JsonNode node = dev.tribunal.system.Json.read(value);
        return node == null ? "null" : node.isTextual() ? node.asText() : node.toString();
    }
}
