package dev.tribunal.versions;

import dev.tribunal.system.PageText;
import dev.tribunal.system.Urls;
import dev.tribunal.assessment.AssessmentKind;
import dev.tribunal.assessment.AssessmentTrends;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeChampions;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeVersions;
import dev.tribunal.judge.OutputSpec;
import dev.tribunal.metaeval.Agreement;
import dev.tribunal.metaeval.MetaEvalService;
import dev.tribunal.system.Json;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The loaded judges as the list at {@code /judges} shows them: kind, model, output, the version runs use, and how
 * often that version agrees with its reference (people's labels of the same name, or the reference its gate names),
 * counted for every judge in one statement.
 */
@ApplicationScoped
public class JudgeList {

    /** Resamples of the kappa's bootstrap interval: enough for two decimals of a list's figure. */
    private static final int SAMPLES = 200;
    /** Above this many compared traces the kappa is shown without an interval: the list must stay quick. */
    private static final int MAX_BOOTSTRAP_ITEMS = 5_000;
    /** Above this many compared traces of a numeric judge, no Spearman: ranking them would hold the list up. */
    private static final int MAX_SPEARMAN_ITEMS = 100_000;

    private final JudgeCatalog catalog;
    private final JudgeChampions champions;
    private final AssessmentTrends trends;

    JudgeList(JudgeCatalog catalog, JudgeChampions champions, AssessmentTrends trends) {
        this.catalog = catalog;
        this.champions = champions;
        this.trends = trends;
    }

    /** A judge as a row of the list; every figure as text. */
    public record Row(String name, String description, String kind, String model, String output, String version, String versionNote,
                      String reference, long compared, String accuracy, String figureName, String figure, String link, String metaEvalLink) {

        /** The version as the list shows it: a hash's first 8 characters tell versions apart. */
        public String shortVersion() {
            return JudgeVersions.shortForm(version);
        }
    }

    Uni<List<Row>> rows() {
        List<JudgeDefinition> judges = List.copyOf(catalog.all());
        return champions.of(judges.stream().map(JudgeDefinition::name).toList()).chain(found -> {
            Map<String, String> champion = found.stream().collect(Collectors.toMap(JudgeChampions.Champion::name, JudgeChampions.Champion::version));
            List<AssessmentTrends.Compared> compared = judges.stream().map(j -> compared(j, champion.getOrDefault(j.name(), j.version()))).toList();
            return trends.pairings(compared).map(pairings -> {
                Map<String, List<AssessmentTrends.Pairing>> byName = pairings.stream()
                        .collect(Collectors.groupingBy(AssessmentTrends.Pairing::name));
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < judges.size(); i++) {
                    rows.add(row(judges.get(i), compared.get(i), champion.containsKey(judges.get(i).name()),
                            byName.getOrDefault(judges.get(i).name(), List.of())));
                }
                return rows;
            });
        });
    }

    /** The judge's verdicts at the version runs use, as its own source writes them, against its reference. */
    private static AssessmentTrends.Compared compared(JudgeDefinition judge, String version) {
        String source = switch (judge.kind()) {
            case LLM -> judge.model().toString();
            case JURY -> judge.jurySourceId();
            case CODE -> judge.name();
        };
        JudgeDefinition.Gate.Reference reference = judge.gate() == null ? null : judge.gate().reference();
        if (reference != null && reference.expectation() != null) {
            return new AssessmentTrends.Compared(judge.name(), version, source, reference.expectation(), AssessmentKind.EXPECTATION);
        }
        return new AssessmentTrends.Compared(judge.name(), version, source, reference != null ? reference.humanFeedback() : judge.name(),
                AssessmentKind.FEEDBACK);
    }

    private static Row row(JudgeDefinition judge, AssessmentTrends.Compared compared, boolean isChampion, List<AssessmentTrends.Pairing> pairings) {
        Map<String, String> labels = new HashMap<>();
        Function<String, String> label = json -> labels.computeIfAbsent(json, text -> java.util.Objects.requireNonNullElse(MetaEvalService.label(Json.read(text)), ""));
        long total = pairings.stream().mapToLong(AssessmentTrends.Pairing::count).sum();
        boolean numeric = judge.output() instanceof OutputSpec.NumericOutput;
        String accuracy = "–";
        String figure = "–";
        if (total > 0) {
            long same = pairings.stream().filter(p -> label.apply(p.judged()).equals(label.apply(p.reference())))
                    .mapToLong(AssessmentTrends.Pairing::count).sum();
            double share = (double) same / total;
            List<Double> ci = Agreement.wilson(share, (int) Math.min(Integer.MAX_VALUE, total));
            accuracy = PageText.figure(share) + " (" + PageText.figure(ci.get(0)) + " – " + PageText.figure(ci.get(1)) + ")";
            figure = numeric ? spearman(pairings, total) : kappa(pairings, label, total);
        }
        String versionNote = isChampion ? (compared.version().equals(judge.version()) ? "champion, loaded" : "champion; loaded " + judge.version())
                : "loaded; no champion yet";
        String referenceText = compared.referenceKind() == AssessmentKind.EXPECTATION ? "expectation " + compared.referenceName()
                : "people's " + compared.referenceName();
        String metaEval = "/meta-evaluation?name=" + Urls.encode(judge.name())
                + (compared.referenceKind() == AssessmentKind.EXPECTATION ? "&expectation=" + Urls.encode(compared.referenceName()) : "");
        return new Row(judge.name(), judge.description(), kind(judge), model(judge), output(judge.output()), compared.version(), versionNote,
                referenceText, total, accuracy, numeric ? "Spearman" : "kappa", figure, "/judges/" + Urls.encode(judge.name()), metaEval);
    }

    /** Cohen's kappa from the counts of each pair of labels; with a bootstrap interval when there are few enough traces to resample. */
    private static String kappa(List<AssessmentTrends.Pairing> pairings, Function<String, String> label, long total) {
        Map<Agreement.LabelPair, Long> counts = new LinkedHashMap<>();
        pairings.forEach(p -> counts.merge(new Agreement.LabelPair(label.apply(p.judged()), label.apply(p.reference())), p.count(), Long::sum));
        double kappa = Agreement.cohensKappa(counts);
        if (Double.isNaN(kappa)) {
            return "–";
        }
        if (total > MAX_BOOTSTRAP_ITEMS) {
            return PageText.figure(kappa);
        }
        List<String> judged = new ArrayList<>();
        List<String> reference = new ArrayList<>();
        for (AssessmentTrends.Pairing p : pairings) {
            for (long n = 0; n < p.count(); n++) {
                judged.add(label.apply(p.judged()));
                reference.add(label.apply(p.reference()));
            }
        }
        Agreement.Interval ci = Agreement.bootstrap(judged.size(), SAMPLES, 42, pick -> {
            List<String> a = new ArrayList<>(pick.length);
            List<String> b = new ArrayList<>(pick.length);
            for (int i : pick) {
                a.add(judged.get(i));
                b.add(reference.get(i));
            }
            return Agreement.cohensKappa(a, b);
        });
        return PageText.figure(kappa) + (ci.low() == null ? "" : " (" + PageText.figure(ci.low()) + " – " + PageText.figure(ci.high()) + ")");
    }

    /** Spearman's rank correlation of the numeric pairs, when there are few enough traces to rank here. */
    private static String spearman(List<AssessmentTrends.Pairing> pairings, long total) {
        if (total > MAX_SPEARMAN_ITEMS) {
            return "–";
        }
        List<double[]> both = new ArrayList<>();
        for (AssessmentTrends.Pairing p : pairings) {
            Double a = number(p.judged());
            Double b = number(p.reference());
            for (long n = 0; a != null && b != null && n < p.count(); n++) {
                both.add(new double[] {a, b});
            }
        }
        if (both.size() < 2) {
            return "–";
        }
        double rho = Agreement.spearman(both.stream().mapToDouble(x -> x[0]).toArray(), both.stream().mapToDouble(x -> x[1]).toArray());
        return Double.isNaN(rho) ? "–" : PageText.figure(rho);
    }

    private static Double number(String json) {
        com.fasterxml.jackson.databind.JsonNode node = Json.read(json);
        return node != null && node.isNumber() ? node.asDouble() : null;
    }

    static String kind(JudgeDefinition judge) {
        return switch (judge.kind()) {
            case CODE -> "code";
            case JURY -> "jury of " + judge.jury().members().size() + " (" + judge.jury().aggregate().name().toLowerCase(Locale.ROOT) + ")";
            case LLM -> (judge.output() instanceof OutputSpec.PairwiseOutput ? "pairwise" : "single")
                    + (judge.samples() > 1 ? ", " + judge.samples() + " samples" : "");
        };
    }

    private static String model(JudgeDefinition judge) {
        return switch (judge.kind()) {
            case CODE -> "scorer " + judge.scorer().scorer();
            case JURY -> judge.jury().members().stream().map(Object::toString).collect(Collectors.joining(", "));
            case LLM -> judge.model().toString();
        };
    }

    static String output(OutputSpec output) {
        if (output instanceof OutputSpec.CategoricalOutput c) {
            return "categorical: " + String.join(", ", c.choices());
        }
        if (output instanceof OutputSpec.PairwiseOutput) {
            return "pairwise: " + String.join(", ", OutputSpec.PairwiseOutput.STORED.choices());
        }
        if (output instanceof OutputSpec.NumericOutput n) {
            return "numeric: " + PageText.figure(n.min()).replace(".00", "") + " to " + PageText.figure(n.max()).replace(".00", "")
                    + (n.integer() ? ", whole numbers" : "");
        }
        return output.type() + ": true, false";
    }
}
