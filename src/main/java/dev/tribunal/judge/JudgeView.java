package dev.tribunal.judge;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/** A loaded judge as {@code GET /api/judges} shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JudgeView(
        String name,
        String description,
        String kind,
        String model,
        OutputView output,
        String version,
        String file,
        String target,
        Map<String, String> span,
        String timeout,
        Map<String, Object> inference,
        List<String> variables,
        String scorer,
        Map<String, Object> params,
        Integer samples,
        JuryView jury) {

    /** A jury's members and how their verdicts are combined. */
    public record JuryView(List<String> members, String aggregate) {
    }

    /** The output spec: type, and choices or range. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutputView(String type, List<String> choices, List<Double> range, Boolean integer) {
    }

    static JudgeView of(JudgeDefinition j) {
        OutputView output;
        if (j.output() instanceof OutputSpec.CategoricalOutput c) {
            output = new OutputView(c.type(), c.choices(), null, null);
        } else if (j.output() instanceof OutputSpec.PairwiseOutput p) {
            output = new OutputView(p.type(), OutputSpec.PairwiseOutput.STORED.choices(), null, null);
        } else if (j.output() instanceof OutputSpec.NumericOutput n) {
            output = new OutputView(n.type(), null, List.of(n.min(), n.max()), n.integer());
        } else {
            output = new OutputView(j.output().type(), null, null, null);
        }
        Map<String, String> span = null;
        if (j.spanTarget() != null) {
            span = j.spanTarget().type() != null ? Map.of("type", j.spanTarget().type()) : Map.of("name", j.spanTarget().name());
        }
        Map<String, Object> inference = null;
        if (j.inference() != null && (j.inference().temperature() != null || j.inference().maxTokens() != null)) {
            inference = new java.util.LinkedHashMap<>();
            if (j.inference().temperature() != null) {
                inference.put("temperature", j.inference().temperature());
            }
            if (j.inference().maxTokens() != null) {
                inference.put("max_tokens", j.inference().maxTokens());
            }
        }
        return new JudgeView(j.name(), j.description(), j.kind().name().toLowerCase(java.util.Locale.ROOT),
                j.model() == null ? null : j.model().toString(), output, j.version(), j.file(),
                j.spanTarget() == null ? "trace" : "span", span,
                j.timeout() == null ? null : j.timeout().toMillis() + "ms", inference,
                j.instructions() == null ? null : List.copyOf(j.instructions().variables()),
                j.scorer() == null ? null : j.scorer().scorer(),
                j.scorer() == null ? null : j.scorer().params(),
                j.kind() == JudgeDefinition.Kind.CODE ? null : j.samples(),
                j.jury() == null ? null : new JuryView(j.jury().members().stream().map(Object::toString).toList(),
                        j.jury().aggregate().name().toLowerCase(java.util.Locale.ROOT)));
    }
}
