package dev.tribunal.judge;

import java.util.List;

/** Tribunal refuses to start: one line per problem, each naming the file and the line. */
public final class InvalidJudgeFilesException extends RuntimeException {

    private final List<String> problems;

    /** @param what what the files define, e.g. "sweep definitions" */
    public InvalidJudgeFilesException(String what, String directory, List<String> problems) {
        super("Invalid " + what + " in " + directory + " (Tribunal does not start until they are fixed):\n  "
                + String.join("\n  ", problems), null, false, false);
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
