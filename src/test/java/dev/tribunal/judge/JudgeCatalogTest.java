package dev.tribunal.judge;

import dev.tribunal.judge.OutputSpec.CategoricalOutput;
import dev.tribunal.judge.OutputSpec.NumericOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Judge files: the shipped ones load; every kind of mistake is refused with its file and line. */
class JudgeCatalogTest {

    private static final Set<String> PROVIDERS = Set.of("openai", "local");

    @TempDir
    Path dir;

    static final String VALID = """
            name: correctness
            model: openai:/gpt-4o-mini
            instructions: |
              Request: {{ inputs }}
              Response: {{ outputs }}
              Expected: {{ expectations.expected_response }}
            output:
              type: categorical
              choices: [yes, no]
            """;

    /** Loads a directory holding exactly the given files. */
    private Map<String, JudgeDefinition> load(String... nameAndContent) throws IOException {
        try (var old = Files.list(dir)) {
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }
        for (int i = 0; i < nameAndContent.length; i += 2) {
            Files.writeString(dir.resolve(nameAndContent[i]), nameAndContent[i + 1]);
        }
        return JudgeCatalog.load(dir, PROVIDERS);
    }

    private List<String> problems(String content) {
        InvalidJudgeFilesException e = assertThrows(InvalidJudgeFilesException.class, () -> load("judge.yaml", content));
        return e.problems();
    }

    private void assertProblem(String content, int line, String messagePart) {
        List<String> problems = problems(content);
        assertTrue(problems.stream().anyMatch(p -> p.contains("judge.yaml:" + line + ": ") && p.contains(messagePart)),
                "expected a problem at line " + line + " containing '" + messagePart + "', got " + problems);
    }

    @Test
    void shippedJudgesLoad() {
        Map<String, JudgeDefinition> judges = JudgeCatalog.load(Path.of("judges"), Set.of("openai"));
        assertEquals(Set.of("correctness", "relevance", "groundedness", "safety", "guideline_adherence", "exact_match",
                "semantic_similarity", "helpfulness", "preference"), judges.keySet());
        assertEquals(5, judges.get("helpfulness").samples());
        assertEquals("pairwise", judges.get("preference").output().type());
        assertEquals(List.of("yes", "no"), ((CategoricalOutput) judges.get("correctness").output()).choices());
        assertEquals(List.of("safe", "unsafe"), ((CategoricalOutput) judges.get("safety").output()).choices());
        assertTrue(judges.get("groundedness").instructions().variables().contains("context"));
        assertTrue(judges.get("guideline_adherence").instructions().variables().contains("expectations.guidelines"));
        assertEquals(JudgeDefinition.Kind.CODE, judges.get("exact_match").kind());
        assertEquals("semantic_similarity", judges.get("semantic_similarity").scorer().scorer());
        assertEquals(0.70, judges.get("semantic_similarity").scorer().params().get("threshold"));
        judges.values().forEach(j -> assertTrue(j.version().matches("[0-9a-f]{12}"), j.version()));
        judges.values().forEach(j -> assertTrue(j.file().startsWith("judges/"), j.file()));
    }

    @Test
    void validJudgeIsReadCompletely() throws IOException {
        JudgeDefinition judge = load("c.yaml", VALID + """
                description: Facts right?
                inference: {temperature: 0, max_tokens: 400}
                timeout: 30s
                """).get("correctness");
        assertEquals("openai", judge.model().provider());
        assertEquals("gpt-4o-mini", judge.model().model());
        assertEquals("openai:/gpt-4o-mini", judge.model().toString());
        assertEquals("Facts right?", judge.description());
        assertEquals(0.0, judge.inference().temperature());
        assertEquals(400, judge.inference().maxTokens());
        assertEquals(30_000, judge.timeout().toMillis());
        assertNull(judge.spanTarget());
        assertEquals(Set.of("inputs", "outputs", "expectations.expected_response"), judge.instructions().variables());
    }

    @Test
    void yesAndNoStayLabels() throws IOException {
        JudgeDefinition judge = load("c.yaml", VALID.replace("[yes, no]", "[yes, no, on, off, 1]")).get("correctness");
        assertEquals(List.of("yes", "no", "on", "off", "1"), ((CategoricalOutput) judge.output()).choices());
    }

    @Test
    void numericAndSpanTargetedJudges() throws IOException {
        JudgeDefinition judge = load("r.yaml", """
                name: retrieval_quality
                model: local:/llama3
                instructions: "Rate the documents {{ spans }} for {{ inputs }}"
                output: {type: numeric, range: [1, 5], integer: true}
                target: span
                span: {type: retriever}
                """).get("retrieval_quality");
        NumericOutput output = (NumericOutput) judge.output();
        assertEquals(1, output.min());
        assertEquals(5, output.max());
        assertTrue(output.integer());
        assertEquals("RETRIEVER", judge.spanTarget().type());
    }

    @Test
    void versionFollowsTheContent() throws IOException {
        String first = load("c.yaml", VALID).get("correctness").version();
        assertEquals(first, load("c.yaml", "# a comment changes nothing\n" + VALID).get("correctness").version());
        assertNotEquals(first, load("c.yaml", VALID.replace("Request:", "The request:")).get("correctness").version());
        assertNotEquals(first, load("c.yaml", VALID + "inference: {temperature: 0.5}\n").get("correctness").version());
    }

    @Test
    void unknownKeysAreRefusedWithTheirLine() {
        assertProblem(VALID + "temprature: 0\n", 10, "unknown key 'temprature'");
        assertProblem(VALID.replace("  type: categorical", "  type: categorical\n  labels: [a, b]"), 9, "unknown key 'labels' in output");
        assertProblem(VALID + "inference: {temperature: 0, top_k: 3}\n", 10, "unknown key 'top_k' in inference");
    }

    @Test
    void unknownTemplateVariablesAreRefused() {
        assertProblem(VALID.replace("{{ outputs }}", "{{ output }}"), 3, "unknown template variable '{{ output }}'");
        assertProblem(VALID.replace("{{ outputs }}", "{{ metadata.user }}"), 3, "unknown template variable");
        assertProblem(VALID.replace("{{ outputs }}", "{{ outputs"), 3, "never closed");
        assertProblem("""
                name: x
                model: openai:/m
                instructions: Judge it.
                output: {type: boolean}
                """, 3, "use no trace data");
    }

    @Test
    void modelsMustNameAConfiguredProvider() {
        assertProblem(VALID.replace("openai:/gpt-4o-mini", "anthropic:/claude"), 2, "unknown provider 'anthropic'");
        assertProblem(VALID.replace("openai:/gpt-4o-mini", "gpt-4o-mini"), 2, "<provider>:/<model>");
    }

    @Test
    void requiredFieldsAndTypesAreChecked() {
        assertProblem(VALID.replace("name: correctness\n", ""), 1, "'name' is required");
        assertProblem(VALID.replace("name: correctness", "name: Correctness!"), 1, "a-z, 0-9");
        assertProblem(VALID.substring(0, VALID.indexOf("output:")), 1, "'output' is required");
        assertProblem(VALID.replace("categorical", "ordinal"), 8, "boolean, categorical, numeric or pairwise");
        assertProblem(VALID.replace("[yes, no]", "[yes]"), 9, "2 to 20 distinct labels");
        assertProblem(VALID.replace("[yes, no]", "[yes, yes, no]"), 9, "appears twice");
        assertProblem(VALID.replace("  type: categorical\n  choices: [yes, no]", "  type: numeric\n  range: [5, 1]"), 9, "min below max");
        assertProblem(VALID.replace("  type: categorical\n  choices: [yes, no]", "  type: numeric"), 7, "range: [min, max]");
        assertProblem(VALID.replace("  type: categorical\n  choices: [yes, no]", "  type: boolean\n  choices: [a, b]"), 9, "does not apply");
        assertProblem(VALID + "inference: {temperature: hot}\n", 10, "temperature must be a number");
        assertProblem(VALID + "timeout: soon\n", 10, "timeout must be a duration");
        assertProblem(VALID + "target: span\n", 10, "span: {type: RETRIEVER}");
        assertProblem(VALID + "target: trace\nspan: {type: LLM}\n", 11, "targets the trace");
    }

    static final String JURY = """
            name: panel
            jury:
              members: [openai:/gpt-4o-mini, local:/llama3]
            instructions: |
              Response: {{ outputs }}
            output: {type: boolean}
            """;

    @Test
    void gatesAreReadAndChecked() throws IOException {
        JudgeDefinition gated = load("c.yaml", VALID + "gate: {reference: {human_feedback: correctness}, min_kappa: 0.6}\n").get("correctness");
        assertEquals(new JudgeDefinition.Gate(new JudgeDefinition.Gate.Reference("correctness", null), JudgeDefinition.Gate.Metric.KAPPA, 0.6,
                50, 2.00), gated.gate());
        JudgeDefinition full = load("c.yaml", VALID + "gate: {reference: {expectation: expected_response}, min_accuracy: 0.8, min_traces: 20, "
                + "max_cost: 0.5}\n").get("correctness");
        assertEquals(new JudgeDefinition.Gate(new JudgeDefinition.Gate.Reference(null, "expected_response"), JudgeDefinition.Gate.Metric.ACCURACY,
                0.8, 20, 0.5), full.gate());
        assertEquals(null, load("c.yaml", VALID).get("correctness").gate());
        assertProblem(VALID + "gate: {min_kappa: 0.6}\n", 10, "gate.reference must be {human_feedback: <name>}");
        assertProblem(VALID + "gate: {reference: {people: x}, min_kappa: 0.6}\n", 10, "gate.reference must be");
        assertProblem(VALID + "gate: {reference: {expectation: e}}\n", 10, "exactly one of min_kappa, min_accuracy or min_spearman");
        assertProblem(VALID + "gate: {reference: {expectation: e}, min_kappa: 0.6, min_accuracy: 0.9}\n", 10, "it has 2");
        assertProblem(VALID + "gate: {reference: {expectation: e}, min_accuracy: 1.5}\n", 10, "gate.min_accuracy must be a number from 0 to 1");
        assertProblem(VALID + "gate: {reference: {expectation: e}, min_spearman: 0.5}\n", 10, "min_spearman ranks numbers");
        assertProblem(VALID + "gate: {reference: {expectation: e}, min_kappa: 0.5, min_traces: 3}\n", 10, "min_traces must be a whole number from 10");
        assertProblem(VALID + "gate: {reference: {expectation: e}, min_kappa: 0.5, max_cost: -1}\n", 10, "max_cost must be a number of at least 0");
        assertProblem(VALID + "gate: {reference: {expectation: e}, min_kappa: 0.5, budget: 3}\n", 10, "budget");
        assertProblem(VALID + "gate: strict\n", 10, "gate must be a mapping");
        // a gate is part of the definition: changing it makes a new version
        assertTrue(!gated.version().equals(full.version()));
    }

    @Test
    void samplesAndJuriesAreReadAndChecked() throws IOException {
        JudgeDefinition sampled = load("c.yaml", VALID + "samples: 5\n").get("correctness");
        assertEquals(5, sampled.samples());
        // several samples at no temperature of the judge's own are drawn at 0.7; a judge's own temperature stays
        assertEquals(0.7, sampled.temperature(5));
        assertEquals(null, sampled.temperature(1));
        assertEquals(1, load("c.yaml", VALID).get("correctness").samples());
        assertProblem(VALID + "samples: 16\n", 10, "samples must be a whole number from 1 to 15");
        assertProblem(VALID + "samples: two\n", 10, "samples must be a whole number from 1 to 15");
        assertProblem("name: m\nkind: code\nscorer: exact_match\nsamples: 3\n", 4, "belongs to LLM judges");

        JudgeDefinition jury = load("p.yaml", JURY).get("panel");
        assertEquals(JudgeDefinition.Kind.JURY, jury.kind());
        assertEquals(List.of("openai:/gpt-4o-mini", "local:/llama3"), jury.jury().members().stream().map(Object::toString).toList());
        assertEquals(JudgeDefinition.Aggregate.MAJORITY, jury.jury().aggregate());
        assertEquals("jury:panel", jury.jurySourceId());
        JudgeDefinition scored = load("p.yaml", JURY.replace("{type: boolean}", "{type: numeric, range: [1, 5]}")).get("panel");
        assertEquals(JudgeDefinition.Aggregate.MEDIAN, scored.jury().aggregate());
        assertProblem(JURY.replace("llama3]", "llama3]\n  aggregate: mean"), 4, "does not combine boolean verdicts");
        assertProblem(JURY.replace("{type: boolean}", "{type: categorical, choices: [a, b]}").replace("llama3]",
                "llama3]\n  aggregate: any"), 4, "use majority");
        assertProblem(JURY.replace("llama3]", "llama3]\n  aggregate: vote"), 4, "majority, mean, median, all or any");
        assertProblem(JURY.replace(", local:/llama3", ""), 3, "2 to 10 distinct members");
        assertProblem(JURY.replace("local:/llama3", "openai:/gpt-4o-mini"), 3, "appears twice");
        assertProblem(JURY.replace("local:/llama3", "anthropic:/claude"), 3, "unknown provider 'anthropic'");
        assertProblem(JURY + "model: openai:/gpt-4o\n", 7, "jury.members in place of model");
        assertProblem("name: m\nkind: jury\ninstructions: x {{ outputs }}\noutput: {type: boolean}\n", 1,
                "a jury needs jury:");
    }

    static final String PAIRWISE = """
            name: preference
            model: openai:/gpt-4o-mini
            instructions: |
              Request: {{ inputs }}
              A: {{ output_a }}
              B: {{ output_b }}
            output: {type: pairwise}
            """;

    @Test
    void pairwiseJudgesShowBothResponsesAndNothingElseDoes() throws IOException {
        JudgeDefinition pairwise = load("p.yaml", PAIRWISE).get("preference");
        assertEquals("pairwise", pairwise.output().type());
        assertTrue(pairwise.instructions().variables().containsAll(Set.of("output_a", "output_b")));
        assertProblem(PAIRWISE.replace("  B: {{ output_b }}\n", ""), 3, "show both responses");
        assertProblem(PAIRWISE + "samples: 3\n", 8, "takes no samples");
        assertProblem(PAIRWISE + "target: span\nspan: {type: LLM}\n", 8, "compares whole traces");
        assertProblem(PAIRWISE.replace("{type: pairwise}", "{type: pairwise, choices: [a, b]}"), 7, "does not apply");
        assertProblem(VALID.replace("Response: {{ outputs }}", "Response: {{ output_a }}"), 3, "is for pairwise judges");
        assertProblem(PAIRWISE.replace("Request: {{ inputs }}", "Request: {{ inputs }} {{ outputs }}"), 3, "cannot use {{ outputs }}");
    }

    @Test
    void invalidYamlAndDuplicateKeysGiveTheirLine() {
        assertProblem(VALID + "output: {type: boolean}\n", 10, "Duplicate field 'output'");
        assertProblem("name: x\nmodel: [unclosed\n", 2, "not valid YAML");
        assertProblem("- just\n- a list\n", 1, "YAML mapping");
    }

    @Test
    void codeJudgesAreChecked() throws IOException {
        assertProblem("name: m\nkind: code\nscorer: fuzzy\n", 3, "scorer must be one of");
        assertProblem("name: m\nkind: code\nscorer: regex\nparams: {pattern: \"([a-z\"}\n", 4, "not a valid regular expression");
        assertProblem("name: m\nkind: code\nscorer: regex\n", 1, "needs params.pattern");
        assertProblem("name: m\nkind: code\nscorer: contains\nparams: {expectation: a, text: b}\n", 4, "exactly one of");
        assertProblem("name: m\nkind: code\nscorer: exact_match\nmodel: openai:/x\n", 4, "belongs to LLM judges");
        assertProblem("name: m\nkind: code\nscorer: exact_match\nparams: {tolerance: 1}\n", 4, "unknown key 'tolerance'");
        assertProblem("name: m\nkind: robot\nscorer: exact_match\n", 2, "kind must be llm");
        JudgeDefinition exact = load("e.yaml", "name: e\nkind: code\nscorer: exact_match\n").get("e");
        assertEquals("expected_response", exact.scorer().params().get("expectation"));
        assertEquals("boolean", exact.output().type());
        JudgeDefinition similarity = load("s.yaml", "name: s\nkind: code\nscorer: semantic_similarity\n").get("s");
        assertEquals("numeric", similarity.output().type());
    }

    @Test
    void duplicateNamesAcrossFilesAreRefused() {
        InvalidJudgeFilesException e = assertThrows(InvalidJudgeFilesException.class,
                () -> load("a.yaml", VALID, "b.yaml", VALID));
        assertTrue(e.getMessage().contains("b.yaml:1: judge name 'correctness' is already used by"), e.getMessage());
    }

    @Test
    void everyProblemOfEveryFileIsReportedAtOnce() {
        InvalidJudgeFilesException e = assertThrows(InvalidJudgeFilesException.class,
                () -> load("a.yaml", VALID + "extra: 1\n", "b.yaml", VALID.replace("correctness", "other").replace("{{ inputs }}", "{{ input }}")));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith("Invalid judge definitions in "), e.getMessage());
    }

    @Test
    void otherFilesAreIgnoredAndAMissingDirectoryLoadsNothing() throws IOException {
        assertEquals(Set.of("correctness"), load("c.yml", VALID, "notes.md", "not a judge", "old.yaml.bak", "x: 1").keySet());
        assertEquals(Map.of(), JudgeCatalog.load(dir.resolve("missing"), PROVIDERS));
    }

    /** A judge's budget is read, counts for that judge, and does not make a new version; a bad one names its file and line. */
    @Test
    void budgetsAreNumbersOfAtLeastZero() throws IOException {
        JudgeDefinition judge = load("c.yaml", VALID + "budget: {per_day: 20.00}\n").get("correctness");
        assertEquals(new dev.tribunal.budget.Limit(dev.tribunal.budget.Limit.Scope.JUDGE, "correctness", 20.0), judge.budget());
        assertEquals(load("c.yaml", VALID).get("correctness").version(), judge.version(), "a budget is not how the judge judges");
        assertProblem(VALID + "budget: {per_day: -1}\n", 10, "budget.per_day must be a number of at least 0");
        assertProblem(VALID + "budget: {per_day: twenty}\n", 10, "not 'twenty'");
        assertProblem(VALID + "budget: {per_day: \"20\"}\n", 10, "budget.per_day must be a number");
        assertProblem(VALID + "budget: 20\n", 10, "budget must be a mapping such as {per_day: 20.00}");
        assertProblem(VALID + "budget: {per_day: 1, on_exhausted: wait}\n", 10, "unknown key 'on_exhausted'");
    }
}
