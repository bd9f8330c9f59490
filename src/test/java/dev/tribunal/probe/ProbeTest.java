package dev.tribunal.probe;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import io.vertx.mutiny.sqlclient.Pool;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bias probes against simulated judges with set biases: {@code fake:/flip-30} flips each verdict 30 % of the time,
 * {@code fake:/verbose-80} says true to 80 % of padded responses, {@code fake:/first-100} always prefers the response
 * shown first, {@code fake:/acc-100} is always right. Each trace's response carries its true verdict.
 */
@QuarkusTest
@TestProfile(ProbeJudges.class)
class ProbeTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Inject
    Pool pool;

    /** Traces {@code <prefix>-<i>} whose response carries the i-th truth; returns their ids. */
    private static List<String> traces(String prefix, List<String> truths, List<String> writers, String set) {
        List<String> ids = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < truths.size(); i++) {
            String id = prefix + "-" + i;
            ids.add(id);
            String writer = writers == null || writers.get(i) == null ? "" : ", \"tribunal.model\": \"" + writers.get(i) + "\"";
            rows.add("{\"trace_id\": \"" + id + "\", \"inputs\": {\"question\": \"q" + i + "\"}, \"outputs\": \"answer " + id + " truth="
                    + truths.get(i) + "\", \"tags\": {\"set\": \"" + set + "\"" + writer + "}}");
        }
        given().contentType(ContentType.JSON).body("{\"traces\": [" + String.join(",", rows) + "]}").post("/api/traces").then().statusCode(200);
        return ids;
    }

    /** {@code falses} "false" and {@code trues} "true", spread evenly through the list. */
    private static List<String> booleans(int falses, int trues) {
        int n = falses + trues;
        List<String> truths = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            truths.add((i + 1) * falses / n > i * falses / n ? "false" : "true");
        }
        return truths;
    }

    private static String ids(List<String> ids) {
        return "{\"trace_ids\": [\"" + String.join("\", \"", ids) + "\"]}";
    }

    private static Response post(String judge, String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/judges/" + judge + "/probes");
    }

    /** Starts a probe (202 with its Location) and waits until it has ended. */
    private static JsonPath probe(String judge, String body) {
        Response created = post(judge, body);
        created.then().statusCode(202).body("status", equalTo("running"));
        String id = created.path("id");
        assertEquals("/api/judges/" + judge + "/probes/" + id, created.header("Location"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath probe = given().get("/api/judges/" + judge + "/probes/" + id).then().statusCode(200).extract().jsonPath();
            if (!"running".equals(probe.getString("status"))) {
                assertEquals("completed", probe.getString("status"), probe.prettify());
                assertEquals(probe.getInt("progress.total"), probe.getInt("progress.done"), probe.prettify());
                return probe;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("probe " + id + " did not end within " + WAIT);
    }

    private static void assertWithin(double expected, List<Float> ci, String what) {
        assertNotNull(ci, what);
        assertTrue(ci.get(0) <= expected && expected <= ci.get(1), what + ": " + expected + " outside " + ci);
    }

    private long count(String table) {
        return pool.query("select count(*) as n from " + table).execute().await().indefinitely().iterator().next().getLong("n");
    }

    @Test
    void repeatFindsTheFlipRateOfAnUnstableJudgeAndNoneInAStableOne() {
        List<String> ids = traces("pr-rep", booleans(30, 30), null, "repeat");
        long assessments = count("assessment");
        JsonPath flaky = probe("flaky", "{\"traces\": " + ids(ids) + ", \"probes\": [{\"type\": \"repeat\", \"k\": 5}]}");
        assertEquals(5 * 60, flaky.getInt("progress.total"));
        assertEquals(60, flaky.getInt("traces"));
        Map<String, Object> repeat = flaky.getMap("probes[0]");
        assertEquals("repeat", repeat.get("type"));
        assertEquals(5, repeat.get("k"));
        assertEquals(60, repeat.get("compared"));
        assertEquals(0, repeat.get("errored"));
        // five draws of a boolean verdict, each wrong with p = 0.3, are all equal when all right or all wrong
        double expected = 1 - Math.pow(0.7, 5) - Math.pow(0.3, 5);
        assertWithin(expected, flaky.getList("probes[0].changed_share_ci", Float.class), "flip-30 changed share");
        // the modal verdict's mean share: E[max(X, 5 - X)] / 5 for X ~ Binomial(5, 0.7)
        double agreement = 0;
        for (int x = 0; x <= 5; x++) {
            agreement += binomial(5, x) * Math.pow(0.7, x) * Math.pow(0.3, 5 - x) * Math.max(x, 5 - x) / 5.0;
        }
        assertEquals(agreement, flaky.getDouble("probes[0].mean_agreement"), 0.06, flaky.prettify());
        System.out.printf("repeat: flip-30 changed %.3f %s (expected %.3f), mean agreement %.3f (expected %.3f)%n",
                flaky.getDouble("probes[0].changed_share"), flaky.getList("probes[0].changed_share_ci"), expected,
                flaky.getDouble("probes[0].mean_agreement"), agreement);

        JsonPath stable = probe("stable", "{\"traces\": " + ids(ids) + ", \"probes\": [\"repeat\"]}");
        assertEquals(5, stable.getInt("probes[0].k"), "k defaults to 5");
        assertEquals(60, stable.getInt("probes[0].compared"));
        assertEquals(0, stable.getInt("probes[0].changed"));
        assertEquals(1.0, stable.getDouble("probes[0].mean_agreement"), 1e-9);
        assertEquals(0.0, stable.getDouble("probes[0].changed_share_ci[0]"), 1e-9);
        // the calls were made, and no assessment came of them
        assertTrue(dev.tribunal.llm.FakeProviders.server.received("flip-30").size() >= 300);
        assertEquals(assessments, count("assessment"), "probes write no assessment");
    }

    private static double binomial(int n, int k) {
        double c = 1;
        for (int i = 1; i <= k; i++) {
            c = c * (n - k + i) / i;
        }
        return c;
    }

    @Test
    void verbosityShowsAJudgeThatPrefersLongResponsesRaisingItsVerdicts() {
        // 40 responses truly wrong, 20 right: padded, a wrong one is called right 80 % of the time, a right one stays right
        List<String> truths = booleans(40, 20);
        assertEquals(40, truths.stream().filter("false"::equals).count());
        List<String> ids = traces("pr-verb", truths, null, "verbosity");
        long assessments = count("assessment");
        JsonPath wordy = probe("wordy", "{\"traces\": " + ids(ids) + ", \"probes\": [\"verbosity\"]}");
        assertEquals(2 * 60, wordy.getInt("progress.total"));
        Map<String, Object> verbosity = wordy.getMap("probes[0]");
        assertEquals(60, verbosity.get("compared"));
        assertEquals(0, verbosity.get("lowered"));
        assertEquals(verbosity.get("changed"), verbosity.get("raised"));
        assertEquals("boolean: false < true", verbosity.get("direction_basis"));
        double expected = 0.8 * 40 / 60;
        assertWithin(expected, wordy.getList("probes[0].raised_share_ci", Float.class), "verbose-80 raised share");
        assertWithin(expected, wordy.getList("probes[0].net_ci", Float.class), "verbose-80 net");
        assertEquals(wordy.getDouble("probes[0].raised_share"), wordy.getDouble("probes[0].net"), 1e-9);
        assertWithin(0, wordy.getList("probes[0].lowered_share_ci", Float.class), "lowered");
        System.out.printf("verbosity: verbose-80 raised %.3f %s (expected %.3f), net %s%n", wordy.getDouble("probes[0].raised_share"),
                wordy.getList("probes[0].raised_share_ci"), expected, wordy.getList("probes[0].net_ci"));
        // the padded prompts doubled the response at least, with true sentences, after a blank line
        String padded = dev.tribunal.llm.FakeProviders.server.received("verbose-80").stream().map(r -> r.userMessage())
                .filter(u -> u.contains("answer pr-verb-0 ") && u.substring(u.indexOf("<data")).contains("\n\n")).findFirst().orElseThrow();
        assertTrue(Padding.SENTENCES.stream().filter(padded::contains).count() >= Padding.MIN_SENTENCES, padded);

        JsonPath stable = probe("stable", "{\"traces\": " + ids(ids) + ", \"probes\": [\"verbosity\"]}");
        assertEquals(60, stable.getInt("probes[0].compared"));
        assertEquals(0, stable.getInt("probes[0].changed"));
        assertEquals(0, stable.getInt("probes[0].raised"));
        assertEquals(0.0, stable.getDouble("probes[0].net"), 1e-9);

        // categorical: the first choice is the highest, and a judge swayed to it raises every other verdict
        List<String> grades = List.of("good", "fair", "poor", "fair", "poor", "good", "poor", "fair", "fair", "poor");
        JsonPath graded = probe("graded", "{\"traces\": " + ids(traces("pr-grade", grades, null, "graded")) + ", \"probes\": [\"verbosity\"]}");
        assertEquals(8, graded.getInt("probes[0].raised"), graded.prettify());
        assertEquals(0, graded.getInt("probes[0].lowered"));
        assertTrue(graded.getString("probes[0].direction_basis").contains("good > fair > poor"), graded.prettify());
        assertEquals(assessments, count("assessment"), "probes write no assessment");
    }

    @Test
    void positionFindsAJudgeThatAlwaysPrefersTheFirstResponse() {
        List<String> truths = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            truths.add(Integer.toString(i));
        }
        List<String> ids = traces("pr-pos", truths, null, "position");
        JsonPath compare = probe("compare", "{\"traces\": " + ids(ids) + ", \"probes\": [\"position\"]}");
        assertEquals(2 * 10, compare.getInt("progress.total"), "10 pairs, both orders");
        assertEquals(10, compare.getInt("probes[0].compared"));
        assertEquals(10, compare.getInt("probes[0].changed"));
        assertEquals(1.0, compare.getDouble("probes[0].changed_share"), 1e-9);
        assertEquals(10, compare.getInt("probes[0].first_position_preferred"));
        assertEquals(1.0, compare.getDouble("probes[0].first_position_preference"), 1e-9);
        assertTrue(compare.getDouble("probes[0].changed_share_ci[0]") > 0.6, compare.prettify());

        post("stable", "{\"traces\": " + ids(ids) + ", \"probes\": [\"position\"]}").then().statusCode(400)
                .body("detail", containsString("position probes a pairwise judge"));
        post("compare", "{\"traces\": " + ids(ids) + ", \"probes\": [\"verbosity\"]}").then().statusCode(400)
                .body("detail", containsString("is pairwise"));
    }

    @Test
    void selfPreferenceSplitsTheJudgesOwnFamilyFromOthers() {
        String set = "self-" + System.nanoTime();
        List<String> truths = new ArrayList<>();
        List<String> writers = new ArrayList<>();
        // 12 by the judge's family (acc), 9 of them right; 18 by others, 6 right; 5 without a writer
        for (int i = 0; i < 12; i++) {
            truths.add(i < 9 ? "true" : "false");
            writers.add(i % 2 == 0 ? "fake:/acc-90" : "ACC-70-mini");
        }
        for (int i = 0; i < 18; i++) {
            truths.add(i < 6 ? "true" : "false");
            writers.add(i % 3 == 0 ? "openai:/gpt-4o-mini" : i % 3 == 1 ? "claude-3-5-sonnet" : "gpt-4o");
        }
        for (int i = 0; i < 5; i++) {
            truths.add("true");
            writers.add(null);
        }
        List<String> ids = traces("pr-self", truths, writers, set);
        // a person labelled four of the own family's traces: three as the judge will, one against it
        for (int i = 0; i < 4; i++) {
            boolean label = i < 3 ? Boolean.parseBoolean(truths.get(i)) : !Boolean.parseBoolean(truths.get(i));
            dev.tribunal.TestSecurity.as("ann@example.com").contentType(ContentType.JSON)
                    .body("{\"assessment\": {\"assessment_name\": \"stable\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": "
                            + "\"ann@example.com\"}, \"feedback\": {\"value\": " + label + "}}}")
                    .post("/api/3.0/mlflow/traces/" + ids.get(i) + "/assessments").then().statusCode(200);
        }
        long assessments = count("assessment");
        JsonPath probe = probe("stable", "{\"traces\": {\"tags\": {\"set\": \"" + set + "\"}}, \"probes\": [\"self_preference\"]}");
        assertEquals(35, probe.getInt("traces"));
        assertEquals(30, probe.getInt("progress.total"), "unattributed traces are not judged");
        Map<String, Object> self = probe.getMap("probes[0].self_preference");
        assertEquals("acc", self.get("judge_family"));
        assertEquals("true", self.get("top_verdict"));
        assertEquals(5, self.get("unattributed"));
        assertEquals(12, probe.getInt("probes[0].self_preference.own.traces"));
        assertEquals(12, probe.getInt("probes[0].self_preference.own.compared"));
        assertEquals(9, probe.getInt("probes[0].self_preference.own.passed"));
        assertEquals(0.75, probe.getDouble("probes[0].self_preference.own.pass_rate"), 1e-9);
        assertEquals(18, probe.getInt("probes[0].self_preference.others.traces"));
        assertEquals(6, probe.getInt("probes[0].self_preference.others.passed"));
        assertEquals(0.75 - 6 / 18.0, probe.getDouble("probes[0].self_preference.pass_rate_difference"), 1e-6);
        assertWithin(0.75 - 6 / 18.0, probe.getList("probes[0].self_preference.pass_rate_difference_ci", Float.class), "difference");
        assertEquals(4, probe.getInt("probes[0].self_preference.own.human_compared"));
        assertEquals(3, probe.getInt("probes[0].self_preference.own.human_agreed"));
        assertEquals(0, probe.getInt("probes[0].self_preference.others.human_compared"));
        assertEquals(assessments, count("assessment"), "probes write no assessment");
    }

    @Test
    void badRequestsAreRefusedWithNothingWritten() {
        List<String> ids = traces("pr-bad", booleans(3, 3), null, "bad");
        long probes = count("judge_probe");
        String traces = "\"traces\": " + ids(ids);
        post("nobody", "{" + traces + ", \"probes\": [\"repeat\"]}").then().statusCode(404)
                .body("detail", containsString("No judge named 'nobody'"));
        post("stable", "{\"version\": \"0000\", " + traces + ", \"probes\": [\"repeat\"]}").then().statusCode(400)
                .body("detail", containsString("has no version 0000"));
        post("stable", "{\"model\": \"nowhere:/gpt\", " + traces + ", \"probes\": [\"repeat\"]}").then().statusCode(400)
                .body("detail", containsString("provider 'nowhere', which is not configured"));
        post("stable", "{\"traces\": {\"tags\": {\"set\": \"no-such-set\"}}, \"probes\": [\"repeat\"]}").then().statusCode(400)
                .body("detail", containsString("selects no trace"));
        post("stable", "{\"traces\": {\"trace_ids\": []}, \"probes\": [\"repeat\"]}").then().statusCode(400)
                .body("detail", containsString("1 to 500 ids"));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 501; i++) {
            many.add("t-" + i);
        }
        post("stable", "{\"traces\": " + ids(many) + ", \"probes\": [\"repeat\"]}").then().statusCode(400)
                .body("detail", containsString("1 to 500 ids"));
        post("stable", "{\"traces\": " + ids(List.of(ids.get(0), "pr-bad-missing")) + ", \"probes\": [\"repeat\"]}").then().statusCode(400)
                .body("detail", containsString("do not exist: pr-bad-missing"));
        post("stable", "{" + traces + ", \"probes\": [\"flattery\"]}").then().statusCode(400)
                .body("detail", containsString("Unknown probe type 'flattery'"));
        post("stable", "{" + traces + ", \"probes\": []}").then().statusCode(400)
                .body("detail", containsString("at least one probe"));
        post("stable", "{" + traces + ", \"probes\": [{\"type\": \"repeat\", \"k\": 1}]}").then().statusCode(400)
                .body("detail", containsString("repeat.k must be a whole number from 2 to 15"));
        post("stable", "{" + traces + ", \"probes\": [{\"type\": \"repeat\", \"k\": 16}]}").then().statusCode(400)
                .body("detail", containsString("repeat.k must be a whole number from 2 to 15"));
        post("stable", "{" + traces + ", \"probes\": [{\"type\": \"verbosity\", \"k\": 3}]}").then().statusCode(400)
                .body("detail", containsString("takes no field k"));
        post("stable", "{" + traces + ", \"probes\": [\"repeat\", \"repeat\"]}").then().statusCode(400)
                .body("detail", containsString("names repeat twice"));
        post("well_formed", "{" + traces + ", \"probes\": [\"repeat\"]}").then().statusCode(400)
                .body("detail", containsString("code judge"));
        post("stable", "{" + traces + "}").then().statusCode(400);
        post("stable", "{" + traces + ", \"probes\": [\"repeat\"], \"extra\": 1}").then().statusCode(400);
        // a key that may only read cannot start one
        String reader = dev.tribunal.TestSecurity.key("probe-reader", "read");
        given().header("Authorization", "Bearer " + reader).contentType(ContentType.JSON).body("{" + traces + ", \"probes\": [\"repeat\"]}")
                .post("/api/judges/stable/probes").then().statusCode(403);
        assertEquals(probes, count("judge_probe"), "nothing written on a 4xx");
    }

    @Test
    void probesAreListedNewestFirstPerVersionAndAnUnknownOneIs404() {
        List<String> ids = traces("pr-list", booleans(2, 2), null, "list");
        JsonPath first = probe("stable", "{\"traces\": " + ids(ids) + ", \"probes\": [{\"type\": \"repeat\", \"k\": 2}]}");
        JsonPath second = probe("stable", "{\"traces\": " + ids(ids) + ", \"probes\": [\"verbosity\"], \"model\": \"fake:/acc-100\"}");
        String version = first.getString("version");
        assertNotNull(version);
        assertEquals("fake:/acc-100", second.getString("model"));
        JsonPath list = given().get("/api/judges/stable/probes").then().statusCode(200).extract().jsonPath();
        List<String> listed = list.getList("probes.id");
        assertTrue(listed.indexOf(second.getString("id")) < listed.indexOf(first.getString("id")), listed.toString());
        assertTrue(listed.indexOf(first.getString("id")) >= 0);
        given().queryParam("version", version).get("/api/judges/stable/probes").then().statusCode(200)
                .body("probes.version.every { it == '" + version + "' }", equalTo(true));
        given().queryParam("version", "0000").get("/api/judges/stable/probes").then().statusCode(200).body("probes.size()", equalTo(0));
        given().get("/api/judges/stable/probes/no-such-probe").then().statusCode(404).body("detail", containsString("No probe 'no-such-probe'"));
        given().get("/api/judges/nobody/probes").then().statusCode(404);
        // the stored request says what was asked, defaults filled in
        assertEquals(2, first.getInt("request.probes[0].k"));
        assertEquals(version, first.getString("request.version"));

        // a probe left running by a process that died shows as interrupted
        String id = first.getString("id");
        pool.query("update judge_probe set status = 'running', updated_at = now() - interval '3 minutes' where id = '" + id + "'")
                .execute().await().indefinitely();
        given().get("/api/judges/stable/probes/" + id).then().statusCode(200).body("status", equalTo("interrupted"));
    }
}
