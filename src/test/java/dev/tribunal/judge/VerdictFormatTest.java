package dev.tribunal.judge;

import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import dev.tribunal.judge.OutputSpec.BooleanOutput;
import dev.tribunal.judge.OutputSpec.CategoricalOutput;
import dev.tribunal.judge.OutputSpec.NumericOutput;
import dev.tribunal.judge.VerdictFormat.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerdictFormatTest {

    private static final CategoricalOutput QUALITY = new CategoricalOutput(List.of("good", "acceptable", "poor"));
    private static final BooleanOutput BOOLEAN = new BooleanOutput();
    private static final NumericOutput SCORE_1_TO_5 = new NumericOutput(1, 5, true);
    private static final NumericOutput RATIO = new NumericOutput(0, 1, false);

    @Test
    void readsACategoricalVerdictWithItsRationale() {
        Verdict verdict = VerdictFormat.read("{\"rationale\": \"Accurate and complete.\", \"result\": \"good\"}", QUALITY);

        assertTrue(verdict.valid(), verdict.problem());
        assertEquals("good", verdict.value().asText());
        assertEquals("Accurate and complete.", verdict.rationale());
    }

    @Test
    void aLabelDifferingOnlyInCaseBecomesTheDeclaredLabel() {
        Verdict verdict = VerdictFormat.read("{\"rationale\": \"ok\", \"result\": \"ACCEPTABLE\"}", QUALITY);

        assertTrue(verdict.valid(), verdict.problem());
        assertEquals("acceptable", verdict.value().asText());
    }

    @Test
    void readsABooleanVerdict() {
        Verdict yes = VerdictFormat.read("{\"rationale\": \"It answers.\", \"result\": true}", BOOLEAN);
        Verdict no = VerdictFormat.read("{\"rationale\": \"It does not.\", \"result\": false}", BOOLEAN);

        assertTrue(yes.valid(), yes.problem());
        assertTrue(yes.value().isBoolean());
        assertTrue(yes.value().booleanValue());
        assertTrue(no.valid(), no.problem());
        assertFalse(no.value().booleanValue());
        assertEquals("It does not.", no.rationale());
    }

    @Test
    void readsNumericVerdictsIncludingTheBounds() {
        Verdict four = VerdictFormat.read("{\"rationale\": \"Mostly right.\", \"result\": 4}", SCORE_1_TO_5);
        Verdict lowest = VerdictFormat.read("{\"rationale\": \"Wrong.\", \"result\": 1}", SCORE_1_TO_5);
        Verdict highest = VerdictFormat.read("{\"rationale\": \"Perfect.\", \"result\": 5}", SCORE_1_TO_5);
        Verdict fraction = VerdictFormat.read("{\"rationale\": \"Partly.\", \"result\": 0.75}", RATIO);

        assertTrue(four.valid(), four.problem());
        assertTrue(four.value().isIntegralNumber());
        assertEquals(4, four.value().asLong());
        assertEquals(1, lowest.value().asLong());
        assertEquals(5, highest.value().asLong());
        assertTrue(fraction.valid(), fraction.problem());
        assertEquals(0.75, fraction.value().asDouble(), 1e-12);
    }

    @Test
    void aReplyInAJsonCodeFenceIsAccepted() {
        Verdict fenced = VerdictFormat.read("```json\n{\"rationale\": \"Fine.\", \"result\": \"poor\"}\n```", QUALITY);
        Verdict bareFence = VerdictFormat.read("```\n{\"rationale\": \"Fine.\", \"result\": true}\n```", BOOLEAN);

        assertTrue(fenced.valid(), fenced.problem());
        assertEquals("poor", fenced.value().asText());
        assertTrue(bareFence.valid(), bareFence.problem());
        assertTrue(bareFence.value().booleanValue());
    }

    @Test
    void textThatIsNotJsonIsRefused() {
        assertInvalid(VerdictFormat.read("The answer is good.", QUALITY), "not valid JSON");
        assertInvalid(VerdictFormat.read("Sure! ```json\n{\"result\": \"good\"}\n```", QUALITY), "not valid JSON");
    }

    @Test
    void textAfterTheVerdictOrASecondVerdictIsRefused() {
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": true} Actually the answer is false.", BOOLEAN), "not valid JSON");
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": true}{\"rationale\": \"y\", \"result\": false}", BOOLEAN),
                "not valid JSON");
        assertInvalid(VerdictFormat.read("```json\n{\"rationale\": \"x\", \"result\": true}\n``` and more ```", BOOLEAN), "not valid JSON");
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": true, \"result\": false}", BOOLEAN), "Duplicate field");
    }

    @Test
    void aJsonArrayIsRefused() {
        assertInvalid(VerdictFormat.read("[{\"rationale\": \"x\", \"result\": \"good\"}]", QUALITY), "not a JSON object");
        assertInvalid(VerdictFormat.read("\"good\"", QUALITY), "not a JSON object");
    }

    @Test
    void aMissingOrNullResultIsRefused() {
        assertInvalid(VerdictFormat.read("{\"rationale\": \"I think it is good.\"}", QUALITY), "no result");
        assertInvalid(VerdictFormat.read("{\"rationale\": \"Unsure.\", \"result\": null}", BOOLEAN), "no result");
    }

    @Test
    void aLabelOutsideTheChoicesIsRefused() {
        Verdict verdict = VerdictFormat.read("{\"rationale\": \"x\", \"result\": \"excellent\"}", QUALITY);

        assertInvalid(verdict, "excellent", "not one of", "good", "acceptable", "poor");
    }

    @Test
    void aNonTextCategoricalResultIsRefused() {
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": 1}", QUALITY), "not one of");
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": [\"good\"]}", QUALITY), "not one of");
    }

    @Test
    void anAmbiguousCaselessLabelIsRefused() {
        CategoricalOutput twins = new CategoricalOutput(List.of("Yes", "yes", "no"));

        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": \"YES\"}", twins), "not one of");
        assertEquals("yes", VerdictFormat.read("{\"rationale\": \"x\", \"result\": \"yes\"}", twins).value().asText());
    }

    @Test
    void aStringTrueIsNotABoolean() {
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": \"true\"}", BOOLEAN), "not true or false");
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": 1}", BOOLEAN), "not true or false");
    }

    @Test
    void aNumberOutsideTheRangeIsRefused() {
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": 6}", SCORE_1_TO_5), "outside the range", "6");
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": 0}", SCORE_1_TO_5), "outside the range");
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": -0.01}", RATIO), "outside the range");
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": 1.0001}", RATIO), "outside the range");
    }

    @Test
    void aFractionIsRefusedForAnIntegerOutput() {
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": 3.5}", SCORE_1_TO_5), "not a whole number", "3.5");
    }

    @Test
    void aNumberAsTextIsRefused() {
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": \"3\"}", SCORE_1_TO_5), "not a number");
    }

    @Test
    void notANumberAndInfinityAreRefused() {
        // bare NaN / Infinity are not JSON at all
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": NaN}", RATIO), "not valid JSON");
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": Infinity}", RATIO), "not valid JSON");
        // as text they are not numbers
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": \"NaN\"}", RATIO), "not a number");
        // a literal that overflows a double is infinite, hence out of any range
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": 1e400}", RATIO), "outside the range");
        assertInvalid(VerdictFormat.read("{\"rationale\": \"x\", \"result\": -1e400}", SCORE_1_TO_5), "outside the range");
    }

    @Test
    void anEmptyReplyIsRefused() {
        assertInvalid(VerdictFormat.read("", BOOLEAN), "empty");
        assertInvalid(VerdictFormat.read("  \n\t ", BOOLEAN), "empty");
        assertInvalid(VerdictFormat.read(null, BOOLEAN), "empty");
    }

    @Test
    void aLongInvalidReplyIsQuotedShortened() {
        String reply = "no ".repeat(500);

        Verdict verdict = VerdictFormat.read(reply, BOOLEAN);

        assertInvalid(verdict, "not valid JSON", "...");
        assertTrue(verdict.problem().length() < 300, verdict.problem());
    }

    @Test
    void theCategoricalSchemaEnumeratesTheChoices() {
        JsonObjectSchema root = root(VerdictFormat.schema(QUALITY));

        JsonEnumSchema result = assertInstanceOf(JsonEnumSchema.class, root.properties().get("result"));
        assertEquals(List.of("good", "acceptable", "poor"), result.enumValues());
    }

    @Test
    void theBooleanSchemaAsksForABoolean() {
        JsonObjectSchema root = root(VerdictFormat.schema(BOOLEAN));

        assertInstanceOf(JsonBooleanSchema.class, root.properties().get("result"));
    }

    @Test
    void theNumericSchemaAsksForAnIntegerOrANumberWithTheRange() {
        JsonSchemaElement integer = root(VerdictFormat.schema(SCORE_1_TO_5)).properties().get("result");
        JsonSchemaElement number = root(VerdictFormat.schema(RATIO)).properties().get("result");

        JsonIntegerSchema integerSchema = assertInstanceOf(JsonIntegerSchema.class, integer);
        assertTrue(integerSchema.description().contains("1.0") && integerSchema.description().contains("5.0"),
                integerSchema.description());
        JsonNumberSchema numberSchema = assertInstanceOf(JsonNumberSchema.class, number);
        assertTrue(numberSchema.description().contains("0.0") && numberSchema.description().contains("1.0"),
                numberSchema.description());
    }

    /** Checks the envelope every schema shares and returns its root object. */
    private static JsonObjectSchema root(JsonSchema schema) {
        assertNotNull(schema.name());
        JsonObjectSchema root = assertInstanceOf(JsonObjectSchema.class, schema.rootElement());
        assertEquals(List.of("rationale", "result"), root.required().stream().sorted().toList());
        assertEquals(java.util.Set.of("rationale", "result"), root.properties().keySet());
        assertInstanceOf(JsonStringSchema.class, root.properties().get("rationale"));
        assertEquals(Boolean.FALSE, root.additionalProperties());
        return root;
    }

    private static void assertInvalid(Verdict verdict, String... keyWords) {
        assertFalse(verdict.valid(), "expected a refusal, got " + verdict.value());
        assertNull(verdict.value(), "an invalid verdict carries no value");
        assertNotNull(verdict.problem());
        for (String word : keyWords) {
            assertTrue(verdict.problem().toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT)),
                    "problem \"" + verdict.problem() + "\" should mention \"" + word + "\"");
        }
    }
}
