package dev.tribunal.sweep;

import dev.tribunal.judge.DefinitionFiles;
import dev.tribunal.judge.InvalidJudgeFilesException;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeDefinition.CodeScorer;
import dev.tribunal.judge.JudgeDefinition.Inference;
import dev.tribunal.judge.JudgeDefinition.Kind;
import dev.tribunal.judge.OutputSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sweep files are checked like judge files: every problem with its file and line. */
class SweepFileReaderTest {

    @TempDir
    Path dir;

    private static final Map<String, JudgeDefinition> JUDGES = Map.of(
            "correctness", judge("correctness"), "relevance", judge("relevance"));

    private static JudgeDefinition judge(String name) {
        return new JudgeDefinition(name, null, Kind.CODE, null, null, new OutputSpec.BooleanOutput(), new Inference(null, null),
                null, null, new CodeScorer("exact_match", Map.of()), 1, null, null, "v1", "judges/" + name + ".yaml");
    }

    private DefinitionFiles.Read<SweepDefinition> read(String content) throws IOException {
        Path file = dir.resolve("s.yaml");
        Files.writeString(file, content);
        return new SweepFileReader(JUDGES, Set.of("openai", "local")).read(file, "sweeps/s.yaml");
    }

    private void assertProblem(String content, int line, String part) throws IOException {
        DefinitionFiles.Read<SweepDefinition> result = read(content);
        assertNull(result.definition());
        assertTrue(result.problems().stream().anyMatch(p -> p.line() == line && p.message().contains(part)),
                "expected line " + line + " '" + part + "' in " + result.problems());
    }

    @Test
    void challengersNameAVersionOrAModelOfOneOfTheSweepsJudges() throws IOException {
        String head = "name: s\njudges: [correctness]\nschedule: every 10m\n";
        SweepDefinition sweep = read(head + "challengers: [\"correctness@3f2a9c1b0d4e\"]\n").definition();
        assertEquals(List.of(new SweepDefinition.Challenger("correctness", "3f2a9c1b0d4e", null)), sweep.challengers());
        assertEquals("correctness@3f2a9c1b0d4e", sweep.challengers().get(0).written());
        assertEquals(List.of(), read(head).definition().challengers());
        assertProblem(head + "challengers: [\"relevance@3f2a9c1b0d4e\"]\n", 4, "which the sweep does not judge");
        assertProblem(head + "challengers: [\"correctness\"]\n", 4, "a challenger is <judge>@<version> or <judge>@<provider>:/<model>");
        assertProblem(head + "challengers: [\"correctness@latest\"]\n", 4, "is neither a version");
        assertProblem(head + "challengers: [\"correctness@nowhere:/m\"]\n", 4, "unknown provider 'nowhere'");
        assertProblem(head + "challengers: [\"correctness@openai:/gpt-4.1-mini\"]\n", 4, "not asked through one model");
        assertProblem(head + "challengers: [\"correctness@3f2a9c1b0d4e\", \"correctness@3f2a9c1b0d4e\"]\n", 4, "listed twice");
        assertProblem(head + "challengers: correctness\n", 4, "challengers must list");
    }

    @Test
    void theExampleOfTheDocsReadsCompletely() throws IOException {
        SweepDefinition sweep = read("""
                name: nightly-quality
                judges: [correctness, relevance]
                schedule: "every 10m"
                filter:
                  tags: {env: prod}
                  state: OK
                sample_rate: 0.2
                delay: 5m
                lookback: 24h
                max_traces_per_tick: 500
                """).definition();
        assertEquals("nightly-quality", sweep.name());
        assertEquals(List.of("correctness", "relevance"), sweep.judges().stream().map(JudgeDefinition::name).toList());
        assertEquals(Duration.ofMinutes(10), sweep.every());
        assertNull(sweep.cron());
        assertEquals(Map.of("env", "prod"), sweep.tags());
        assertEquals("OK", sweep.state());
        assertEquals(0.2, sweep.sampleRate());
        assertEquals(Duration.ofMinutes(5), sweep.delay());
        assertEquals(Duration.ofHours(24), sweep.lookback());
        assertEquals(500, sweep.maxTracesPerTick());
        assertFalse(sweep.rejudgeOnVersionChange());
        assertTrue(sweep.enabled());
        assertEquals("every 10m", sweep.schedule());
    }

    @Test
    void aSweepInBatchModeNeedsProvidersWithABatchApi() throws IOException {
        String head = "name: n\njudges: [correctness]\nschedule: every 1m\n";
        Path file = dir.resolve("b.yaml");
        Files.writeString(file, head + "models: [local:/llama3]\nmode: batch\n");
        DefinitionFiles.Read<SweepDefinition> read = new SweepFileReader(JUDGES, Set.of("openai", "local"), Set.of("openai")).read(file,
                "sweeps/b.yaml");
        assertTrue(read.problems().stream().anyMatch(p -> p.line() == 5 && p.message().contains("provider 'local' has none configured")),
                read.problems().toString());
        Files.writeString(file, head + "models: [openai:/gpt-4o-mini]\nmode: batch\n");
        assertEquals(dev.tribunal.run.RunMode.BATCH, new SweepFileReader(JUDGES, Set.of("openai", "local"), Set.of("openai")).read(file,
                "sweeps/b.yaml").definition().mode());
        assertEquals(dev.tribunal.run.RunMode.ONLINE, read(head).definition().mode());
        assertProblem(head + "mode: cheap\n", 4, "mode must be online or batch, not 'cheap'");
    }

    @Test
    void defaultsAndCron() throws IOException {
        SweepDefinition sweep = read("name: n\njudges: [correctness]\ncron: \"0 0 2 * * ?\"\nmodels: [local:/llama3]\n").definition();
        assertEquals("0 0 2 * * ?", sweep.cron());
        assertEquals(1.0, sweep.sampleRate());
        assertEquals(Duration.ofMinutes(5), sweep.delay());
        assertEquals(Duration.ofHours(24), sweep.lookback());
        assertEquals(500, sweep.maxTracesPerTick());
        assertEquals("local:/llama3", sweep.models().get(0).toString());
        assertEquals(Instant.parse("2026-11-26T02:00:00Z"), SweepTicker.next(sweep, Instant.parse("2026-11-25T10:00:00Z")));
        SweepDefinition every = read("name: n\njudges: [correctness]\nschedule: every 90s\n").definition();
        assertEquals(Instant.parse("2026-11-25T10:01:30Z"), SweepTicker.next(every, Instant.parse("2026-11-25T10:00:00Z")));
    }

    @Test
    void everyMistakeIsNamedWithItsLine() throws IOException {
        assertProblem("name: n\njudges: [correctness]\nschedule: every 10m\nsample: 0.2\n", 4, "unknown key 'sample'");
        assertProblem("name: n\njudges: [correctness, nope]\nschedule: every 10m\n", 2, "no judge named 'nope'");
        assertProblem("name: n\njudges: [correctness]\n", 1, "exactly one of schedule");
        assertProblem("name: n\njudges: [correctness]\nschedule: every 10m\ncron: \"0 0 2 * * ?\"\n", 1, "exactly one of schedule");
        assertProblem("name: n\njudges: [correctness]\nschedule: hourly\n", 3, "schedule must read \"every <duration>\"");
        assertProblem("name: n\njudges: [correctness]\nschedule: every 10 minutes\n", 3, "must read");
        assertProblem("name: n\njudges: [correctness]\ncron: \"every day\"\n", 3, "cron is not a valid expression");
        assertProblem("name: n\njudges: [correctness]\nschedule: every 1m\nsample_rate: 0\n", 4, "sample_rate must be a number above 0");
        assertProblem("name: n\njudges: [correctness]\nschedule: every 1m\ndelay: 2h\nlookback: 1h\n", 4, "delay must be shorter than lookback");
        assertProblem("name: n\njudges: [correctness]\nschedule: every 1m\nfilter: {state: DONE}\n", 4, "filter.state must be OK, ERROR or IN_PROGRESS");
        assertProblem("name: n\njudges: [correctness]\nschedule: every 1m\nmax_traces_per_tick: 0\n", 4, "max_traces_per_tick must be");
        assertProblem("name: n\njudges: [correctness]\nschedule: every 1m\nmodels: [nowhere:/x]\n", 4, "unknown provider 'nowhere'");
        assertProblem("name: Nightly\njudges: [correctness]\nschedule: every 1m\n", 1, "must be 1 to 64 characters");
        assertProblem("name: n\njudges: []\nschedule: every 1m\n", 2, "judges must list at least one judge");
    }

    @Test
    void aBadFileStopsTheStartNamingItAndTwoFilesCannotShareAName() throws IOException {
        Files.writeString(dir.resolve("a.yaml"), "name: same\njudges: [correctness]\nschedule: every 1m\n");
        Files.writeString(dir.resolve("b.yaml"), "name: same\njudges: [correctness]\nschedule: every 1m\n");
        Files.writeString(dir.resolve("c.yaml"), "name: c\njudges: [correctness]\nschedule: every 1m\nlookback: forever\n");
        InvalidJudgeFilesException e = assertThrows(InvalidJudgeFilesException.class,
                () -> SweepCatalog.load(dir, new SweepFileReader(JUDGES, Set.of("openai"))));
        assertTrue(e.getMessage().startsWith("Invalid sweep definitions in"), e.getMessage());
        assertTrue(e.problems().stream().anyMatch(p -> p.contains("b.yaml:1: sweep name 'same' is already used by")), e.problems().toString());
        assertTrue(e.problems().stream().anyMatch(p -> p.contains("c.yaml:4: lookback must be a duration")), e.problems().toString());
    }

    /** A sweep's budget waits by default, or errors; bad values name the file and line. */
    @Test
    void budgetsAreNumbersOfAtLeastZeroThatWaitOrError() throws IOException {
        String head = "name: s\njudges: [correctness]\nschedule: every 10m\n";
        dev.tribunal.budget.Limit waits = read(head + "budget: {per_day: 5}\n").definition().budget();
        assertEquals(new dev.tribunal.budget.Limit(dev.tribunal.budget.Limit.Scope.SWEEP, "s", 5.0,
                dev.tribunal.budget.Limit.OnExhausted.WAIT), waits);
        assertEquals(dev.tribunal.budget.Limit.OnExhausted.ERROR,
                read(head + "budget: {per_day: 5, on_exhausted: error}\n").definition().budget().onExhausted());
        assertNull(read(head).definition().budget());
        assertProblem(head + "budget: {per_day: -0.5}\n", 4, "budget.per_day must be a number of at least 0");
        assertProblem(head + "budget: {per_day: lots}\n", 4, "not 'lots'");
        assertProblem(head + "budget: {per_day: 5, on_exhausted: later}\n", 4,
                "budget.on_exhausted must be wait (the default: the sweep's judgments wait for the next UTC day) or error");
        assertProblem(head + "budget: {on_exhausted: wait}\n", 4, "budget.per_day is required");
        assertTrue(read(head + "budget: {per_day: lots}\n").problems().stream().allMatch(p -> p.file().equals("sweeps/s.yaml")));
    }
}
