package dev.tribunal.versions;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lines two versions of a file differ in. */
class LineDiffTest {

    @Test
    void changedLinesWithTheirContext() {
        String before = "a\nb\nc\nd\ne\nf\ng\n";
        String after = "a\nb\nc\nD\ne\nf\ng\nh\n";
        assertEquals("@@\n  b\n  c\n- d\n+ D\n  e\n  f\n  g\n+ h\n  \n", LineDiff.of(before, after));
        assertEquals("@@\n", LineDiff.of("same\n", "same\n"));
    }
}
