package dev.tribunal.system;

/**
 * Text from elsewhere (a parser's complaint, a provider's error, a model's reply) shown in a message or stored with an
 * error: one line, cut at a length, so that a message never carries a whole body.
 */
public final class ShortText {

    private ShortText() {
    }

    /** The text with each run of white space (line breaks among it) made one space, at most {@code max} characters. */
    public static String oneLine(String text, int max) {
        return cut(text.replaceAll("\\s+", " ").trim(), max);
    }

    /** The text's first line, at most {@code max} characters. */
    public static String firstLine(String text, int max) {
        int newline = text.indexOf('\n');
        return cut(newline < 0 ? text : text.substring(0, newline), max);
    }

    /** At most {@code max} characters; "..." says that more followed. */
    public static String cut(String line, int max) {
        return line.length() <= max ? line : line.substring(0, max) + "...";
    }
}
